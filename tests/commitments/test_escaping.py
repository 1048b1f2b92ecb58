"""User-entered text is never rendered as HTML: markup typed by staff comes back escaped."""

import datetime

from django.urls import reverse

from commitments.models import Status
from commitments.services.status import status_change_record

from ..factories import SourceFactory, make_commitment

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_in_titles_notes_and_sources_is_escaped(editor_client, editor):
    source = SourceFactory(title=PAYLOAD)
    commitment = make_commitment(title=PAYLOAD, summary=PAYLOAD, due_date=datetime.date(2022, 1, 1))
    status_change_record(
        commitment=commitment,
        new_status=Status.ANNOUNCED,
        effective_date=datetime.date(2022, 7, 1),
        note=PAYLOAD,
        sources=[source],
        author=editor,
        expected_version=commitment.version,
    )
    pages = [
        reverse("commitments:dashboard"),
        reverse("commitments:list"),
        reverse("commitments:overdue"),
        commitment.get_absolute_url(),
    ]
    for url in pages:
        body = editor_client.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "<img src=x" not in body, url
    detail = editor_client.get(commitment.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail
