"""The French catalogue is complete, compiled, and covers every string of the project's pages.

Runs without GNU gettext: the catalogue is parsed and compiled with polib.
"""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

BASE = Path(settings.BASE_DIR)
PO_PATH = BASE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# Sources whose strings must be in a French catalogue: the project's (locale/) or the app's
# own where it keeps one (accounts/locale); alerts/ and api/ are checked by their
# own tests, and tests are not translated.
PYTHON_SOURCES = [
    *sorted(
        path
        for path in (BASE / "commitments").rglob("*.py")
        if not {"api", "migrations"} & set(path.relative_to(BASE / "commitments").parts)
    ),
    *sorted((BASE / "accounts").glob("*.py")),
    *sorted((BASE / "tracker").glob("*.py")),
]
TEMPLATE_SOURCES = sorted((BASE / "templates").rglob("*.html"))
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO_PATH))


def entry_map(entries) -> dict:
    result = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete:
            continue
        value = tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        result[(entry.msgctxt, entry.msgid)] = value
    return result


def test_french_catalogue_is_complete(catalogue):
    assert catalogue.metadata["Language"] == "fr"
    assert not catalogue.metadata_is_fuzzy
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []
    for entry in catalogue:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.get(i) for i in (0, 1)), entry.msgid


def test_placeholders_survive_translation(catalogue):
    for entry in catalogue:
        expected = set(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            found = set(PLACEHOLDER.findall(text))
            # A singular French form may spell out "one" instead of using the counter.
            assert found <= expected | set(PLACEHOLDER.findall(entry.msgid_plural or "")), (
                entry.msgid
            )
            if not entry.msgid_plural:
                assert found == expected, entry.msgid


def test_compiled_catalogue_matches_the_po_file(catalogue, tmp_path):
    compiled = tmp_path / "django.mo"
    catalogue.save_as_mofile(str(compiled))
    assert entry_map(polib.mofile(str(MO_PATH))) == entry_map(polib.mofile(str(compiled))), (
        "locale/fr/LC_MESSAGES/django.mo is out of date: run compilemessages (or msgfmt) "
        "and commit the .mo"
    )


def python_strings() -> set[tuple[str | None, str]]:
    found = set()
    for path in PYTHON_SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = node.args
            if node.func.id in GETTEXT_FUNCTIONS and args:
                if isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                    found.add((None, args[0].value))
            elif node.func.id in {"pgettext", "pgettext_lazy"} and len(args) >= 2:
                if all(isinstance(a, ast.Constant) for a in args[:2]):
                    found.add((args[0].value, args[1].value))
    return found


TRANSLATE_TAG = re.compile(
    r"""\{%\s*(?:trans|translate)\s+(["'])(?P<text>.*?)\1"""
    r"""(?:\s+context\s+(["'])(?P<context>.*?)\3)?"""
)
BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b[^%]*%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}",
    re.S,
)
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def template_strings() -> set[tuple[str | None, str]]:
    found = set()
    for path in TEMPLATE_SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in TRANSLATE_TAG.finditer(text):
            found.add((match.group("context"), match.group("text")))
        for match in BLOCK_TAG.finditer(text):
            singular = re.split(r"\{%\s*plural\s*%\}", match.group("body"))[0]
            found.add((None, VARIABLE.sub(r"%(\1)s", singular)))
    return found


def french_catalogues() -> list[Path]:
    """The project catalogue and any app's own (``accounts/locale``, ``alerts/locale``…)."""
    return [PO_PATH] + sorted(
        path
        for path in BASE.glob("*/**/locale/fr/LC_MESSAGES/django.po")
        if ".venv" not in path.parts and path != PO_PATH
    )


def test_every_page_and_model_string_is_in_a_french_catalogue():
    known = set()
    for path in french_catalogues():
        known |= {
            (entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path)) if entry.translated()
        }
    strings = python_strings() | template_strings()
    assert len(strings) > 200  # the scan itself works
    missing = sorted(text for context, text in strings if (context, text) not in known)
    assert missing == [], "run makemessages and translate: see README, Translations"


def test_catalogue_is_used_at_run_time():
    with translation.override("fr"):
        assert translation.gettext("Dashboard") == "Tableau de bord"
        assert translation.gettext("In progress") == "En cours"
        assert translation.pgettext("switch the interface language", "Change") == "Changer"
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"
