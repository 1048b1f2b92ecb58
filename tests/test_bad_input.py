"""Bad input on every form field, query parameter and API field: a clear 4xx, never a 500.

The sweep discovers what to attack from the application itself (the forms a page renders, the
fields the API's OPTIONS lists) so that a field added later is swept too. Each bad value is
sent alone, the rest of the form as the page rendered it; the database must not hold anything
new afterwards unless the server said it accepted the input.
"""

import datetime
import html.parser
import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from commitments.models import Commitment

from .factories import BodyFactory, SourceFactory, TagFactory, UserFactory, make_commitment

# Raw bytes for form bodies (a lone surrogate cannot be encoded as UTF-8 by a client: an
# attacker sends its CESU-8 bytes), and strings for JSON bodies.
BAD_FORM_VALUES = [
    b"%00",
    b"a%00b",
    b"%ED%A0%80",
    b"%FF%FE",
    b"9" * 40,
    str(2**63).encode(),
    str(2**64).encode(),
    b"-1",
    b"2022-02-30",
    b"0000-00-00",
    b"x" * 300_000,
]
BAD_JSON_VALUES = [
    "\x00",
    "a\x00b",
    "\ud800",
    "9" * 40,
    2**63,
    2**64,
    -(2**63) - 1,
    -1,
    1e308,
    "2022-02-30",
    "x" * 300_000,
    [],
    {},
    ["\ud800"],
    [2**63],
    None,
    True,
]
# gunicorn refuses a request line longer than this (limit_request_line) before Django sees it.
URL_LIMIT = 4094
WEIRD_PATHS = [
    "/alerts/calendar/%00.ics",
    "/alerts/calendar/%ED%A0%80.ics",
    "/api/commitments/%00/",
    "/api/commitments/99999999999999999999999/",
    "/api/commitments/9223372036854775808/history/",
    "/api/nothing%0Ahere/",
    "/api/commitments/1/%0A",
    "/commitments/99999999999999999999999/",
    "/commitments/9223372036854775808/status/",
    "/alerts/watch/9223372036854775808/",
]


class FormCollector(html.parser.HTMLParser):
    """The POST forms of a page, with the values the page would submit."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                self._form["fields"].setdefault(attrs["name"], [])
                return
            if kind in {"submit", "button"}:
                # A named submit button is sent too (e.g. action=generate): its first value.
                self._form["fields"].setdefault(attrs["name"], [attrs.get("value", "")])
                return
            self._form["fields"].setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif tag == "button" and attrs.get("name"):
            self._form["fields"].setdefault(attrs["name"], [attrs.get("value", "")])
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, [])
        elif tag == "option" and self._select:
            values = self._form["fields"][self._select]
            if "selected" in attrs or not values:
                if "selected" in attrs:
                    values.clear()
                values.append(attrs.get("value", ""))
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form["fields"].setdefault(self._textarea, [""])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] = [data]


def page_forms(client, url):
    response = client.get(url)
    if response.status_code == 403:  # not this role's page: the access tests cover it
        return []
    assert response.status_code == 200, (url, response.status_code)
    collector = FormCollector()
    collector.feed(response.content.decode())
    return collector.forms


def encode_form(fields: dict[str, list[str]], name: str, bad: bytes) -> bytes:
    from urllib.parse import quote_plus

    parts = []
    for field, values in fields.items():
        if field == name:
            parts.append(quote_plus(field).encode() + b"=" + bad)
            continue
        for value in values:
            parts.append((quote_plus(field) + "=" + quote_plus(value)).encode())
    return b"&".join(parts)


# Rows that a request may write without storing anything the user sent: sessions, the login
# attempt records, the alert job's lock.
NOT_INPUT = {"sessions.Session", "accounts.UserSession", "alerts.JobLock"}
NOT_INPUT_APPS = {"axes"}


def database_state():
    """The row count of every model, plus what changes without a new row (commitment
    versions, acknowledged alerts, confirmed devices)."""
    from django.apps import apps
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from alerts.models import Delivery

    counts = tuple(
        (model._meta.label, model._base_manager.count())
        for model in apps.get_models()
        if model._meta.label not in NOT_INPUT and model._meta.app_label not in NOT_INPUT_APPS
    )
    return (
        counts,
        sum(Commitment.all_objects.values_list("version", flat=True)),
        Delivery.objects.filter(acknowledged_at__isnull=False).count(),
        TOTPDevice.objects.filter(confirmed=True).count(),
    )


@pytest.fixture
def data(db):
    body = BodyFactory()
    SourceFactory()
    TagFactory()
    commitments = [
        make_commitment(responsible_body=body, due_date=datetime.date(2022, 10, 18)),
        make_commitment(responsible_body=body),
    ]
    return commitments


def staff_pages(commitment):
    return [
        reverse("commitments:dashboard"),
        reverse("commitments:list"),
        reverse("commitments:overdue"),
        reverse("commitments:detail", args=[commitment.pk]),
        reverse("commitments:status_update", args=[commitment.pk]),
        reverse("alerts:inbox"),
        reverse("alerts:calendar"),
        reverse("accounts:profile"),
    ]


def _post_raw(client, url, body: bytes):
    return client.generic(
        "POST",
        url,
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="fr",
    )


def sweep(client, pages, *, values=BAD_FORM_VALUES, skip_actions=("logout",)) -> tuple[int, list]:
    """Every field of every form on ``pages``, one bad value at a time: how many requests
    were sent, and what failed (a 5xx, or a refusal that wrote something)."""
    seen, failures = 0, []
    for page in pages:
        for form in page_forms(client, page):
            action = form["action"] or page
            if action.startswith("?"):
                action = page.split("?")[0] + action
            if any(skip in action for skip in skip_actions):
                continue
            if form["method"] == "get":
                for name in form["fields"]:
                    for bad in (value for value in values if len(value) <= URL_LIMIT):
                        query = encode_form(form["fields"], name, bad).decode("latin-1")
                        response = client.get(f"{action.split('?')[0]}?{query}")
                        if response.status_code >= 500:
                            failures.append((action, name, bad[:20], response.status_code))
                        seen += 1
                continue
            for name in form["fields"]:
                if name == "csrfmiddlewaretoken":
                    continue
                for bad in values:
                    before = database_state()
                    response = _post_raw(client, action, encode_form(form["fields"], name, bad))
                    what = (action, name, bad[:20], response.status_code)
                    if response.status_code >= 500:
                        failures.append(what)
                    elif response.status_code >= 400 or response.status_code == 200:
                        if database_state() != before:
                            failures.append((*what, "wrote"))
                    seen += 1
    return seen, failures


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_every_posted_form_field_refuses_bad_input_without_a_500(db, data, role):
    from accounts import roles
    from alerts.raising.runner import alerts_raise

    group = roles.VIEWERS if role == "viewer" else roles.EDITORS
    user = UserFactory(username=role, groups=[group])
    # The user follows a lapsed commitment: the inbox shows alerts to acknowledge.
    Commitment.all_objects.filter(pk=data[0].pk).update(owner=user)
    alerts_raise(as_of=datetime.date(2022, 10, 20))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    pages = [*staff_pages(data[0]), reverse("two_factor:setup")]
    seen, failures = sweep(client, pages)
    assert failures == []
    assert seen > 100


def test_two_factor_verification_refuses_bad_input_without_a_500(db, data):
    """The code form of a user whose login still waits for the second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(username="two-factor")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    seen, failures = sweep(client, [reverse("two_factor:verify")])
    assert failures == []
    assert seen > 10


# One value of each kind for the admin, whose forms are many and slow to render: a NUL, a lone
# surrogate, an id beyond 64 bits, an impossible date, a value far over any column.
ADMIN_BAD_VALUES = [b"%00", b"%ED%A0%80", str(2**64).encode(), b"2022-02-30", b"x" * 300_000]


def admin_pages(superuser) -> list[str]:
    """Every admin list, and the change page of one row of each model, or its add page when
    it has none (the same form). Never the superuser's own account or device: a change there
    would end the sweep's session."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{prefix}_changelist"))
        rows = model._base_manager.order_by("pk")
        if model is get_user_model():
            rows = rows.exclude(pk=superuser.pk)
        elif any(field.name == "user" for field in model._meta.fields):
            rows = rows.exclude(user=superuser)
        row = rows.first()
        if row is not None:
            pages.append(reverse(f"{prefix}_change", args=[row.pk]))
        else:
            pages.append(reverse(f"{prefix}_add"))
    return pages


def test_every_admin_form_field_refuses_bad_input_without_a_500(db, data, admin_user, admin_client):
    """The admin as a superuser: every list's search and action forms, every add and change
    form (the password forms of the user admin are Django's own and left out)."""
    from django.contrib import admin
    from rest_framework.authtoken.models import Token

    from alerts.models import CalendarToken, Watch
    from alerts.raising.runner import alerts_raise

    Commitment.all_objects.filter(pk=data[0].pk).update(owner=UserFactory(username="owner"))
    alerts_raise(as_of=datetime.date(2022, 10, 20))
    Watch.objects.create(user=UserFactory(username="watcher"), commitment=data[1])
    CalendarToken.objects.create(user=UserFactory(username="calendar"))
    Token.objects.create(user=UserFactory(username="token"))
    admin_client.raise_request_exception = False
    pages = admin_pages(admin_user)
    assert len(pages) == 2 * len(admin.site._registry) + 1
    seen, failures = sweep(
        admin_client, pages, values=ADMIN_BAD_VALUES, skip_actions=("logout", "/password/")
    )
    assert failures == []
    assert seen > 300


def test_login_form_refuses_oversized_and_broken_usernames(db):
    client = Client(raise_request_exception=False, enforce_csrf_checks=False)
    for bad in BAD_FORM_VALUES + [b"u" * 2_000_000]:
        response = _post_raw(client, reverse("login"), b"username=" + bad + b"&password=x")
        assert response.status_code < 500, bad[:20]


@pytest.mark.parametrize("path", WEIRD_PATHS)
def test_weird_paths_answer_4xx(db, data, editor_client, path):
    editor_client.raise_request_exception = False
    response = editor_client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    if path.startswith("/api/"):
        assert response["Content-Type"].startswith("application/json"), path
        json.loads(response.content)


def _api_client(user):
    client = Client(raise_request_exception=False)
    token = Token.objects.create(user=user).key
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    return client


def _writable_fields(client, url, method="POST"):
    response = client.options(url)
    assert response.status_code == 200, url
    return list(response.json().get("actions", {}).get(method, {}))


def _check_json_answer(response, what):
    assert 400 <= response.status_code < 500 or response.status_code in (200, 201), what
    assert response["Content-Type"].startswith("application/json"), what
    json.loads(response.content)


def test_every_api_field_refuses_bad_input_without_a_500(db, data):
    from accounts import roles

    client = _api_client(UserFactory(username="api-editor", groups=[roles.EDITORS]))
    commitment = data[0]
    detail = f"/api/commitments/{commitment.pk}/"
    targets = [
        ("POST", "/api/commitments/", _writable_fields(client, "/api/commitments/")),
        ("PATCH", detail, _writable_fields(client, detail, "PUT")),
        ("POST", detail + "history/", _writable_fields(client, detail + "history/")),
        ("POST", "/api/bodies/", _writable_fields(client, "/api/bodies/")),
        ("POST", "/api/sources/", _writable_fields(client, "/api/sources/")),
    ]
    seen = 0
    for method, url, fields in targets:
        assert fields, url
        for name in fields:
            for bad in BAD_JSON_VALUES:
                before = database_state()
                version = Commitment.all_objects.get(pk=commitment.pk).version
                payload = {name: bad, "version": version}
                response = client.generic(
                    method, url, json.dumps(payload), content_type="application/json"
                )
                what = (method, url, name, repr(bad)[:30], response.status_code)
                _check_json_answer(response, what)
                if response.status_code >= 400:
                    assert database_state() == before, what
                seen += 1
    assert seen > 200


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"new_status": "\\ud800", "version": 1}',
        b'{"new_status": "met\x00", "version": 1}',
        b"\xff\xfe{}",
        b'{"version": 1e999}',
        b"",
    ],
)
def test_malformed_json_bodies_get_a_json_400(db, data, editor, body):
    client = _api_client(editor)
    url = f"/api/commitments/{data[0].pk}/history/"
    before = database_state()
    response = client.generic("POST", url, body, content_type="application/json")
    _check_json_answer(response, body[:30])
    assert 400 <= response.status_code < 500
    assert database_state() == before


# --- each fix on its own -----------------------------------------------------------------------


def test_an_id_beyond_64_bits_in_a_multi_select_is_not_a_valid_choice(db, data, editor_client):
    """SQLite cannot be asked about 2**64 (OverflowError): such an id matches nothing, as it
    does on PostgreSQL, and the form says so in French."""
    commitment = data[0]
    before = database_state()
    response = editor_client.post(
        reverse("commitments:bulk_update"),
        {
            "bulk-commitments": [str(commitment.pk), str(2**64)],
            f"version-{commitment.pk}": str(commitment.version),
            "bulk-new_status": "met",
            "bulk-effective_date": "2022-10-19",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert f"{2**64} n’en fait pas partie" in response.content.decode()
    assert database_state() == before


def test_in_lookups_skip_integers_the_column_cannot_hold(db, data):
    commitment = data[0]
    huge, negative = 2**64, -(2**63) - 1
    assert list(Commitment.objects.filter(pk__in=[huge, commitment.pk, negative])) == [commitment]
    assert not Commitment.objects.filter(pk__in=[huge]).exists()
    assert not Commitment.objects.filter(responsible_body__in=[huge]).exists()
    assert Commitment.objects.exclude(pk__in=[huge]).count() == len(data)


def test_an_admin_action_on_an_id_beyond_64_bits_archives_nothing(db, data, admin_client):
    admin_client.raise_request_exception = False
    before = database_state()
    response = admin_client.post(
        reverse("admin:commitments_commitment_changelist"),
        {"action": "archive_selected", "_selected_action": [str(2**64)], "index": "0"},
    )
    assert response.status_code in (200, 302)
    assert database_state() == before


def test_an_admin_autocomplete_field_shows_a_non_id_as_a_form_error(db, data, admin_client):
    """Django's autocomplete widget looked the posted value up to show it again: "a" crashed it."""
    admin_client.raise_request_exception = False
    page = reverse("admin:commitments_commitment_change", args=[data[0].pk])
    [form] = [
        form
        for form in page_forms(admin_client, page)
        if form["method"] == "post" and "logout" not in form["action"]
    ]
    before = database_state()
    response = _post_raw(admin_client, page, encode_form(form["fields"], "tags", b"a"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tags"]
    assert database_state() == before


def test_a_calendar_token_outside_its_alphabet_is_a_404_before_the_database(
    db, client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/alerts/calendar/%00.ics")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/nothing%0Ahere/", "/api/commitments/1/%0A", "/api/x/"])
def test_a_path_no_api_view_answers_is_a_json_404(db, client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable.", "code": "not_found"}


def test_outside_the_api_a_404_is_still_the_html_page(db, viewer_client):
    response = viewer_client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_request_django_refuses_under_the_api_is_a_json_400(db, editor, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = _api_client(editor).post(
        "/api/commitments/",
        "&".join(f"f{n}=1" for n in range(10)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_request"


def _history_post(client, commitment, body: bytes):
    return client.generic(
        "POST",
        f"/api/commitments/{commitment.pk}/history/",
        body,
        content_type="application/json",
    )


def test_json_nested_to_the_limit_is_parsed_one_level_more_is_refused(db, data, editor):
    from api.parsers import MAX_DEPTH

    client = _api_client(editor)
    within = b'{"version": 1, "note": ' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}"
    response = _history_post(client, data[0], within)
    assert response.status_code == 400
    assert response.json().get("code") != "parse_error"  # the fields' errors, not the parser's
    beyond = b'{"version": 1, "note": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}"
    response = _history_post(client, data[0], beyond)
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Le corps JSON est imbriqué sur plus de {MAX_DEPTH} niveaux.",
        "code": "parse_error",
    }


def test_brackets_inside_strings_do_not_count_as_nesting():
    from api.parsers import MAX_DEPTH, depth_exceeds

    assert not depth_exceeds('{"note": "' + "[" * 1000 + '\\"[{"}', MAX_DEPTH)
    assert depth_exceeds("[" * 1_000_000, MAX_DEPTH)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"note": "a\\u0000b", "version": 1}', "note"),
        (b'{"sources": [1, "\\udfff"], "version": 1}', "sources[1]"),
        (b'{"n\\u0000te": "x", "version": 1}', "le corps de la requ\u00eate"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_where_they_are(db, data, editor, body, where):
    client = _api_client(editor)
    before = database_state()
    response = _history_post(client, data[0], body)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].endswith(f" : {where}.")
    assert database_state() == before


def test_a_number_that_overflows_to_infinity_is_a_parse_error(db, data, editor):
    response = _history_post(_api_client(editor), data[0], b'{"version": 1e999}')
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_nul_in_any_api_form_field_is_refused_before_any_lookup(db, data, editor, encoding):
    """PostgreSQL refuses NUL in text: a tag or username looked up with one was a 500 there."""
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    client = _api_client(editor)
    fields = _writable_fields(client, "/api/commitments/")
    assert {"tags", "owner"} <= set(fields)
    for name in fields:
        before = database_state()
        if encoding == "multipart":
            body = encode_multipart(BOUNDARY, {"summary": "s", name: "a\x00b"})
            content_type = MULTIPART_CONTENT
        else:
            body, content_type = f"summary=s&{name}=a%00b", "application/x-www-form-urlencoded"
        response = client.generic("POST", "/api/commitments/", body, content_type=content_type)
        assert response.status_code == 400, (name, response.content[:200])
        assert response.json() == {
            "detail": "Un texte ne peut contenir ni caractère NUL (\\u0000) ni demi-paire de "
            f"substitution isolée (\\ud800 à \\udfff) : {name}.",
            "code": "parse_error",
        }
        assert database_state() == before
