"""The API's and the profile page's French catalogues: complete, compiled, covering every string."""

import ast
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}

CATALOGUES = {
    "api": (
        BASE / "api" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
        sorted((BASE / "api").glob("*.py")),
    ),
    "profile": (
        BASE / "accounts" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
        [BASE / "accounts" / "forms.py", BASE / "accounts" / "views.py"],
    ),
}


def python_strings(paths) -> set[str]:
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in GETTEXT
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("name", CATALOGUES)
def test_catalogue_covers_and_translates_every_string(name):
    po_path, sources = CATALOGUES[name]
    catalogue = polib.pofile(str(po_path))
    translated = {e.msgid for e in catalogue if e.translated() and not e.obsolete}
    assert python_strings(sources) - translated == set()


@pytest.mark.parametrize("name", CATALOGUES)
def test_compiled_catalogue_is_up_to_date(name, tmp_path):
    po_path, _sources = CATALOGUES[name]
    compiled = tmp_path / "django.mo"
    polib.pofile(str(po_path)).save_as_mofile(str(compiled))

    def entries(path):
        return {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(path)) if e.msgid}

    assert entries(po_path.with_suffix(".mo")) == entries(compiled)


def test_profile_template_strings_are_translated():
    catalogue = polib.pofile(str(CATALOGUES["profile"][0]))
    for msgid, context in [
        ("Your profile", None),
        ("Create a token", None),
        ("Token", "profile"),
        (
            "You have an API token, created on %(created)s; it starts with "
            "<code>%(prefix)s</code>.",
            None,
        ),
    ]:
        entry = catalogue.find(msgid, msgctxt=context)
        assert entry is not None and entry.msgstr, msgid
