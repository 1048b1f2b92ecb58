"""The commitments list is kept in the shared cache until the next write (issue 12), like the
web lists: a page seen again reads no commitment; any write shows at once; each caller reads
only what they may, in their language."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

LIST = reverse("api:commitment-list")


def commitment_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "commitments_commitment"' in q["sql"]]


def test_a_page_seen_again_reads_no_commitment(viewer_api, public_commitment, private_commitment):
    first = viewer_api.get(LIST, {"ordering": "title"})
    with CaptureQueriesContext(connection) as queries:
        again = viewer_api.get(LIST, {"ordering": "title"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert [row["key"] for row in again.json()["results"]] == ["rapport-greta", "troisieme-plan"]
    assert not commitment_reads(queries), commitment_reads(queries)


def test_a_write_through_the_api_shows_at_once(editor_api, public_commitment):
    assert editor_api.get(LIST).json()["results"][0]["title"] == "Troisième plan national"
    url = reverse("api:commitment-detail", args=[public_commitment.pk])
    response = editor_api.patch(
        url, {"title": "Nouveau titre", "version": public_commitment.version}, format="json"
    )
    assert response.status_code == 200, response.content
    row = editor_api.get(LIST).json()["results"][0]
    assert (row["title"], row["version"]) == ("Nouveau titre", public_commitment.version + 1)


def test_anonymous_callers_never_read_a_staff_page(
    viewer_api, anonymous_client, public_commitment, private_commitment
):
    assert viewer_api.get(LIST).json()["count"] == 2
    assert anonymous_client.get(LIST).json()["count"] == 1
    assert viewer_api.get(LIST).json()["count"] == 2


def test_each_language_has_its_page(viewer_api, public_commitment):
    english = viewer_api.get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    french = viewer_api.get(LIST, HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert english["status_label"] == "Not started"
    assert french["status_label"] != english["status_label"]


def test_bad_input_is_refused_each_time(viewer_api, public_commitment):
    for _ in range(2):
        response = viewer_api.get(LIST, {"due_after": "demain"})
        assert response.status_code == 400
        assert "due_after" in response.json()
