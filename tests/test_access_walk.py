"""Walk every URL pattern: anonymous and wrong-role users get a login redirect, 401, 403, 404
or 405 — never the data, never a server error, and never a change to the domain's records."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from commitments.models import Body, Citation, Commitment, Source, StatusChange

from .factories import SourceFactory, make_commitment

SECRET_TITLE = "Engagement confidentiel 7f3a"

# Pages anyone may open (they show no commitment data, or only public commitments).
PUBLIC = {
    "healthz",
    "login",
    "admin:login",
    "admin:logout",
    "logout",
    "set_language",
    "commitments:set_language",
    "api:schema",
    "api:docs",
    "api:api-root",
    "api:commitment-list",
    "api:commitment-detail",
    "api:commitment-history",
    "api:body-list",
    "api:body-detail",
    "api:source-list",
    "api:source-detail",
    "api:event-list",
    "api:event-detail",
    "api:not-found",
    "alerts:calendar_feed",
    # Getting back in without a password: a reset, or an invitation's link.
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:invitation_accept",
}
REFUSED = {301, 302, 401, 403, 404, 405}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), space)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}"


def _concrete(route: str, pk: int) -> str | None:
    """A URL that matches ``route``, with ``pk`` for identifiers; None if none can be built."""
    path = route
    path = re.sub(r"<int:\w+>", str(pk), path)
    path = re.sub(
        r"<(str|slug|path|drf_format_suffix):(\w+)>",
        lambda m: "json" if m.group(2) in {"format", "fmt"} else "x",
        path,
    )
    path = re.sub(r"\(\?P<pk>[^)]*\)", str(pk), path)
    path = re.sub(r"\(\?P<format>[^)]*\)", "json", path)
    path = re.sub(r"\(\?P<object_id>[^)]*\)", str(pk), path)
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "commitments", path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    path = path.replace(".*", "x")
    if re.search(r"[()\[\]*+?<>|\\]", path):
        return None
    return "/" + path


def _urls(pk):
    seen = set()
    for route, name in _walk(get_resolver().url_patterns):
        url = _concrete(route, pk)
        if url and url not in seen and not url.startswith("/static/"):
            seen.add(url)
            yield url, name


@pytest.fixture
def secret(db):
    commitment = make_commitment(title=SECRET_TITLE, is_public=False)
    Citation.objects.create(commitment=commitment, source=SourceFactory(), claim=SECRET_TITLE)
    return commitment


def _snapshot():
    return (
        Commitment.all_objects.count(),
        StatusChange.objects.count(),
        Source.objects.count(),
        Body.objects.count(),
        Citation.objects.count(),
        list(Commitment.all_objects.values_list("pk", "version", "status", "title")),
    )


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_the_walk_covers_the_application(secret):
    names = {name for _url, name in _urls(secret.pk)}
    for expected in (
        "commitments:detail",
        "commitments:status_update",
        "api:commitment-detail",
        "alerts:inbox",
        "admin:commitments_commitment_change",
    ):
        assert expected in names


def test_anonymous_gets_no_data(client, secret):
    for url, name in _urls(secret.pk):
        response = client.get(url)
        assert response.status_code != 500, url
        body = _body(response)
        assert SECRET_TITLE not in body, f"{url} showed private data to an anonymous visitor"
        if name in PUBLIC:
            continue
        assert response.status_code in REFUSED, f"{url} ({name}): {response.status_code}"
        if response.status_code == 302:
            assert "login" in response["Location"], url


def test_anonymous_writes_nothing(client, secret):
    before = _snapshot()
    for url, name in _urls(secret.pk):
        response = client.post(url, {"title": "Piraté", "new_status": "met", "status": "met"})
        assert response.status_code != 500, url
        if name not in PUBLIC:
            assert response.status_code in REFUSED | {400}, url
    assert _snapshot() == before


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_staff_without_admin_rights_get_no_admin_data(client, secret, request, role):
    client.force_login(request.getfixturevalue(role))
    for url, name in _urls(secret.pk):
        if not url.startswith("/admin/") or name in PUBLIC:
            continue
        response = client.get(url)
        assert response.status_code in REFUSED, f"{url}: {response.status_code}"
        assert SECRET_TITLE not in _body(response), url


def test_a_viewer_changes_nothing_anywhere(client, secret, viewer):
    client.force_login(viewer)
    # Everything a write form or the API could take, valid enough to pass a naive check.
    change = {
        "title": "Piraté",
        "new_status": "met",
        "status": "met",
        "effective_date": "2022-01-01",
        "expected_version": 1,
        "version": 1,
    }
    before = _snapshot()
    for url, _name in _urls(secret.pk):
        response = client.post(url, {**change, "commitments": [secret.pk]})
        assert response.status_code != 500, f"POST {url}"
        for method in (client.put, client.patch, client.delete):
            response = method(url, change, content_type="application/json")
            assert response.status_code != 500, f"{method.__name__} {url}"
    assert _snapshot() == before
