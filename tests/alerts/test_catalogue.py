"""The alerts app's French catalogue: complete, compiled, and covering every string of the app.

The app's modules (raising sources included) and templates (the digest e-mails included) are
scanned, so moving a string between modules can never leave it untranslated.
"""

import ast
import re
from pathlib import Path

import polib
from django.conf import settings

BASE = Path(settings.BASE_DIR)
APP = BASE / "alerts"
PO_PATH = APP / "locale" / "fr" / "LC_MESSAGES" / "django.po"
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TRANSLATE_TAG = re.compile(r"""\{%\s*(?:trans|translate)\s+(["'])(?P<text>.*?)\1""")
BLOCK_TAG = re.compile(
    r"\{%\s*blocktrans(?:late)?\b[^%]*%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def python_strings() -> set[str]:
    found = set()
    for path in APP.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def template_strings() -> set[str]:
    found = set()
    for path in (APP / "templates").rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        found |= {match.group("text") for match in TRANSLATE_TAG.finditer(text)}
        for match in BLOCK_TAG.finditer(text):
            singular = re.split(r"\{%\s*plural\s*%\}", match.group("body"))[0]
            found.add(VARIABLE.sub(r"%(\1)s", singular))
    return found


def translated(path: Path) -> set[str]:
    return {e.msgid for e in polib.pofile(str(path)) if e.translated() and not e.obsolete}


def test_every_alerts_string_is_translated():
    known = translated(PO_PATH) | translated(BASE / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    strings = python_strings() | template_strings()
    assert {"Deadlines lapsed", "Status changes on commitments you watch"} <= strings  # scan works
    assert sorted(strings - known) == []


def test_alerts_catalogue_is_complete_and_compiled(tmp_path):
    catalogue = polib.pofile(str(PO_PATH))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    compiled = tmp_path / "django.mo"
    catalogue.save_as_mofile(str(compiled))

    def entries(path):
        return {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(path)) if e.msgid}

    assert entries(PO_PATH.with_suffix(".mo")) == entries(compiled)
