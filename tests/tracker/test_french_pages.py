"""Every staff page reads as French staff write: no English label left, no "Unknown" yes/no
filter, no "Ajout de engagement", "1er décembre" for the first of a month, French numbers.

The pages are rendered in French with the seed data, on the first of a month (so that "today"
itself is a first), and their visible text (and the text of labels a screen reader reads) is
searched for leftovers seen before.
"""

import datetime
import html
import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import roles
from alerts.job import alert_job_run
from commitments import formatting
from commitments.deadlines import DAY, MONTH, YEAR, format_approximate
from commitments.models import (
    Ask,
    Body,
    Claim,
    Commitment,
    Deadline,
    Event,
    Source,
    StatusChange,
    Tag,
)

from ..factories import UserFactory

FIRST_OF_DECEMBER = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)

# Leftovers found on these pages before, as regular expressions on the visible text.
KNOWN_LEFTOVERS = {
    "English sort labels": r"\b(Updated at|Waiting)\b",
    "English words": r"\b(Unknown|Updated|Created at|Add another|Select all)\b",
    "'Unknown' choice of a yes/no filter": r"\bInconnu\b",
    "Django's generic admin titles": r"Ajout de |Modification de |Affichage de ",
    "elision missing": r"\b(de|le|la) [aeéèêiîoôu]\w+",
    "English time joiner": r"\d{4} at \d",
    "the first of a month without its ordinal": r"(?<![\d/])1 (janvier|février|mars|avril|mai|"
    r"juin|juillet|août|septembre|octobre|novembre|décembre)",
    "old alerts wording": r"[Pp]rendre en compte|[Pp]rises? en compte|Levée le",
    "technical fields": r"\bClé\b|\(version \d+\)",
}
# Words the elision rule must not flag: "de" before an aspirated h or a name, proper nouns.
ELISION_ALLOWED = re.compile(r"(de|le|la) (ou|et|oui|Ukraine|OSCE|ONU|UE)\b")

MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


def visible_text(content: bytes) -> str:
    page = content.decode()
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", page)
    spoken = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    # Option values and hidden inputs are addresses and identifiers, not text.
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(text + " " + " ".join(spoken)))


# The admin is the administrators' tool: keys and versions belong there.
STAFF_ONLY = {"technical fields"}


def leftovers(text: str, *, admin: bool = False) -> list[str]:
    found = []
    for name, pattern in KNOWN_LEFTOVERS.items():
        if admin and name in STAFF_ONLY:
            continue
        for match in re.finditer(pattern, text):
            excerpt = text[max(match.start() - 40, 0) : match.end() + 40]
            if name == "elision missing" and ELISION_ALLOWED.match(match.group(0)):
                continue
            found.append(f"{name}: …{excerpt}…")
    return found


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        call_command("load_seeds", verbosity=0)
        editor = UserFactory(username="claire", groups=[roles.EDITORS])
        Commitment.objects.filter(key="rapport-osce-france").update(owner=editor)
        alert_job_run(as_of=FIRST_OF_DECEMBER.date())
        yield editor


def _admin_client(admin_user):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(admin_user)
    device = TOTPDevice.objects.create(user=admin_user, name="test device", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def staff_pages(commitment):
    return {
        "dashboard": reverse("commitments:dashboard"),
        "list": reverse("commitments:list"),
        "overdue": reverse("commitments:overdue"),
        "commitment": commitment.get_absolute_url(),
        "status form": reverse("commitments:status_update", args=[commitment.pk]),
        "alerts": reverse("alerts:inbox") + "?state=all",
    }


ADMIN_MODELS = (Commitment, StatusChange, Body, Source, Tag, Deadline, Event, Claim, Ask)


def admin_pages():
    pages = {}
    for model in ADMIN_MODELS:
        name = model._meta.model_name
        pages[f"admin {name} list"] = reverse(f"admin:commitments_{name}_changelist")
        if model is not StatusChange:  # history is never added by hand
            pages[f"admin {name} add"] = reverse(f"admin:commitments_{name}_add")
        instance = model._default_manager.order_by("pk").first()
        pages[f"admin {name} change"] = reverse(
            f"admin:commitments_{name}_change", args=[instance.pk]
        )
    return pages


def test_staff_pages_have_no_english_leftovers(seeded, admin_user):
    commitment = Commitment.objects.get(key="rapport-osce-france")
    editor = Client(HTTP_ACCEPT_LANGUAGE="fr")
    editor.force_login(seeded)
    admin = _admin_client(admin_user)
    found = {}
    rendered = {}
    with time_machine.travel(FIRST_OF_DECEMBER, tick=False):
        for name, url in staff_pages(commitment).items():
            response = editor.get(url)
            assert response.status_code == 200, name
            rendered[name] = visible_text(response.content)
        # The bulk form, refused (no status chosen): shown again with its errors.
        response = editor.post(
            reverse("commitments:bulk_update"), {"bulk-commitments": [commitment.pk]}
        )
        assert response.status_code == 400
        rendered["bulk form"] = visible_text(response.content)
        for name, url in admin_pages().items():
            response = admin.get(url)
            assert response.status_code == 200, name
            rendered[name] = visible_text(response.content)
        response = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("login"))
        rendered["login"] = visible_text(response.content)
    for name, text in rendered.items():
        if problems := leftovers(text, admin=name.startswith("admin")):
            found[name] = problems
    assert found == {}, "\n".join(f"{page}: {p}" for page, ps in found.items() for p in ps)
    # And the pages do say it the French way.
    assert "Situation au 1er décembre 2026" in rendered["dashboard"]
    assert re.search(r"Tous Oui Non", rendered["list"])
    assert "Ajouter un engagement" in rendered["admin commitment add"]
    assert "Modifier la source" in rendered["admin source change"]
    assert "Marquer comme traitée" in rendered["alerts"]
    assert "Émise le" in rendered["alerts"]


def test_the_leftover_detector_finds_what_it_looks_for():
    assert leftovers("Trier par Updated at") and leftovers("En retard Inconnu Oui Non")
    assert leftovers("Ajout de engagement") and leftovers("Situation au 1 décembre 2026")
    assert leftovers("Prendre en compte") and leftovers("Levée le 01/12/2026")
    assert not leftovers("Situation au 1er décembre 2026, 21 décembre, 01/12/2026")
    assert not leftovers("Ajouter un engagement ; Modifier l’échéance ; plan de l'OSCE")


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("fr", datetime.date(2026, 12, 1), "1er décembre 2026"),
        ("fr", datetime.date(2026, 12, 2), "2 décembre 2026"),
        ("fr", datetime.date(2026, 12, 21), "21 décembre 2026"),
        ("en", datetime.date(2026, 12, 1), "Dec. 1, 2026"),
    ],
)
def test_long_dates(language, day, expected):
    with translation.override(language):
        assert formatting.long_date(day) == expected
        assert format_approximate(day, DAY) == expected


def test_remembered_dates_follow_the_language_and_the_settings(settings):
    """``format_date`` remembers what it wrote per language, and forgets it when a setting
    changes (a format, the format modules)."""
    day = datetime.date(2026, 12, 1)
    for language, expected in (("fr", "décembre 2026"), ("en", "December 2026")) * 2:
        with translation.override(language):
            assert format_approximate(day, MONTH) == expected
    assert formatting._date_in.cache_info().currsize >= 2
    settings.YEAR_MONTH_FORMAT = "Y-m"  # any setting change empties it
    assert formatting._date_in.cache_info().currsize == 0


def test_one_format_per_context():
    with translation.override("fr"):
        day = datetime.date(2026, 12, 1)
        assert formatting.short_date(day) == "01/12/2026"
        assert format_approximate(day, MONTH) == "décembre 2026"
        assert format_approximate(day, YEAR) == "2026"
        moment = datetime.datetime(2026, 12, 1, 13, 5, tzinfo=datetime.UTC)  # 14:05 in Paris
        assert formatting.long_datetime(moment) == "1er décembre 2026 à 14:05"
        assert formatting.short_datetime(moment) == "01/12/2026 14:05"
        assert formatting.format_number(1234567) == "1\xa0234\xa0567"
    with translation.override("en"):
        assert formatting.format_number(1234567) == "1,234,567"


def test_digest_email_says_1er(seeded):
    from django.core import mail

    texts = [message.body for message in mail.outbox]
    texts += [alt[0] for message in mail.outbox for alt in getattr(message, "alternatives", [])]
    assert texts, "the alert job sent the owner a digest"
    for text in texts:
        assert not re.search(rf"(?<![\d/])1 ({'|'.join(MONTHS.split())})", text), text


def test_lateness_counts_use_french_separators():
    from commitments.deadlines import Lateness, waited

    late = Lateness(days=1234, months=40, since=datetime.date(2023, 8, 15), precision=DAY)
    with translation.override("fr"):
        assert str(late) == "en retard de 1\xa0234 jours"
        assert waited(datetime.date(2023, 8, 15), DAY, datetime.date(2023, 8, 20)) == (
            "depuis 5 jours"
        )
    with translation.override("en"):
        assert str(late) == "1,234 days late"
