"""The API's parsers: DRF's, refusing with a 400 what no field could store.

DRF's JSON parser hands Python's ``json`` whatever arrives, so a body nested 100,000 deep
raises ``RecursionError`` (a 500), a lone surrogate (``"\\ud800"``) reaches a field whose
error message then cannot be encoded, and a NUL (``"\\u0000"``, or ``%00`` in a form body)
reaches PostgreSQL, which refuses it in text (a tag or username looked up with it is a 500).
These parsers refuse all of them before any view sees them, with a translated ``detail`` and
the code ``parse_error``. The depth is measured on the text without recursion, so it cannot
itself overflow the stack.
"""

import json
import math
import re
from typing import NoReturn

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

# Far beyond any body the API accepts (a list of tags is depth 2), far below Python's stack.
MAX_DEPTH = 32
# A JSON string, escapes included (``"a\"b"``), matched without backtracking.
STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
BRACKET = re.compile(r"[\[\]{}]")
# A field's path is quoted back at most this long (keys are the client's text).
PATH_SHOWN = 100
# NUL and the UTF-16 surrogate halves, which only ever appear alone in a decoded str.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (stops as soon as they do).
    In malformed text an unterminated string's brackets count too: it is refused either way."""
    depth = 0
    for match in BRACKET.finditer(STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def unstorable_string_path(data) -> str | None:
    """Where the first string (value or key) holding NUL or a lone surrogate is, as
    ``tags[2]`` or ``note``; "" for the body itself; None if there is none. Iterative."""
    stack = [("", data)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return path
        elif isinstance(item, dict):
            for key, value in item.items():
                inner = f"{path}.{key}" if path else key
                if UNSTORABLE.search(key):
                    return path
                stack.append((inner, value))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", value) for index, value in enumerate(item))
    return None


def finite_float(text: str) -> float:
    """A JSON number as a float, refusing what overflows to infinity (``1e999``)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:30]}")
    return value


def refuse_unstorable(path: str) -> NoReturn:
    """The 400 for a string holding NUL or a lone surrogate, at ``path`` ("" for the body)."""
    raise ParseError(
        _(
            "Text may not contain a NUL character (\\u0000) or a lone surrogate "
            "(\\ud800 to \\udfff): %(field)s."
        )
        % {"field": path[:PATH_SHOWN] or _("the body")},
        code="parse_error",
    )


class JSONParser(parsers.JSONParser):
    """``application/json`` bodies, nested at most ``MAX_DEPTH`` deep, every string storable."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("The body is not valid %(encoding)s text: %(error)s")
                % {"encoding": encoding, "error": exc.reason},
                code="parse_error",
            ) from None
        if depth_exceeds(text, MAX_DEPTH):
            raise ParseError(
                _("The JSON body is nested deeper than %(max)d levels.") % {"max": MAX_DEPTH},
                code="parse_error",
            )
        try:
            data = json.loads(
                text,
                parse_constant=strict_constant if api_settings.STRICT_JSON else None,
                parse_float=finite_float,
            )
        except ValueError as exc:
            raise ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": exc}, code="parse_error"
            ) from None
        path = unstorable_string_path(data)
        if path is not None:
            refuse_unstorable(path)
        return data


class StorableFormMixin:
    """Form bodies decode bytes that are not UTF-8 as U+FFFD, so only NUL (``%00``) is left."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        fields = parsed.data if isinstance(parsed, parsers.DataAndFiles) else parsed
        for name, values in fields.lists():
            if UNSTORABLE.search(name):
                refuse_unstorable("")
            if any(UNSTORABLE.search(value) for value in values):
                refuse_unstorable(name)
        return parsed


class FormParser(StorableFormMixin, parsers.FormParser):
    """``application/x-www-form-urlencoded`` bodies, every value storable."""


class MultiPartParser(StorableFormMixin, parsers.MultiPartParser):
    """``multipart/form-data`` bodies, every value storable (files are not text: not checked)."""
