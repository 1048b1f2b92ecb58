"""Spreadsheets for staff: templates, exports and the import of commitments, bodies and sources.

Who: editors and administrators (``commitments.add_commitment``; a kind also needs its own
"add" permission); viewers get 403. The import is in two steps: the upload is read and tried
in full (``interchange.importing``), nothing written, and the preview lists every row's
errors; a clean file is kept on the server under a random token bound to the user's session,
and the confirmation imports that kept file (tried again, all or nothing), never a file sent
again by the browser.

A file larger than ``IMPORT_MAX_BYTES`` is refused from its request's announced length, before
its body is read (the view reads the body itself, after that check, hence ``csrf_exempt``
around a ``csrf_protect``ed inner view).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from commitments.interchange import bounds, writing
from commitments.interchange.columns import SHEETS
from commitments.interchange.importing import import_table
from commitments.interchange.reading import read_table

from .access import request_as_of

PAGE_PERMISSION = "commitments.add_commitment"
KIND_PERMISSIONS = {
    "commitments": ("commitments.add_commitment", "commitments.change_commitment"),
    "bodies": ("commitments.add_body",),
    "sources": ("commitments.add_source",),
}
FORMATS = ("xlsx", "csv")
SESSION_KEY = "spreadsheet_imports"
PENDING_LIFETIME_SECONDS = 3600
# The multipart envelope around the file: boundaries, the form's other fields.
ENVELOPE_BYTES = 64 * 1024


def pending_dir() -> Path:
    """Where a checked file waits for its confirmation (``var/imports`` by default)."""
    return Path(settings.IMPORT_PENDING_DIR)


def allowed_kinds(user) -> list[str]:
    return [kind for kind, perms in KIND_PERMISSIONS.items() if user.has_perms(perms)]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(label=gettext_lazy("File (XLSX or CSV)"))

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, SHEETS[kind].title) for kind in kinds]
        self.fields["file"].help_text = _(
            "An Excel or LibreOffice workbook (.xlsx) or a CSV file (UTF-8, with semicolons or "
            "commas), with French or English headings; at most %(size)s and %(rows)s rows."
        ) % {"size": filesizeformat(settings.IMPORT_MAX_BYTES), "rows": settings.IMPORT_MAX_ROWS}
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"


def _render_index(request, form, *, refusal: str = "", status=200):
    kinds = allowed_kinds(request.user)
    context = {
        "form": form,
        "refusal": refusal,
        "sheets": [SHEETS[kind] for kind in kinds],
        "formats": FORMATS,
    }
    return render(request, "commitments/spreadsheets/index.html", context, status=status)


@require_GET
@permission_required(PAGE_PERMISSION, raise_exception=True)
def index(request):
    """The templates, the exports and the import form (editors and administrators)."""
    return _render_index(request, ImportForm(kinds=allowed_kinds(request.user)))


@require_GET
@permission_required(PAGE_PERMISSION, raise_exception=True)
def download(request, kind: str, what: str, fmt: str):
    """The template (headings and an example row) or the export of every record."""
    if kind not in SHEETS or what not in ("template", "export") or fmt not in FORMATS:
        raise Http404
    if kind not in allowed_kinds(request.user):
        return HttpResponse(status=403)
    sheet = SHEETS[kind]
    if what == "template":
        rows = [writing.example_row(sheet)]
        # Translators: a file name: no accents or spaces.
        filename = f"vigie-{kind}-{_('template')}"
    else:
        rows = writing.export_rows(sheet, writing.export_queryset(sheet))
        filename = f"vigie-{kind}-{request_as_of(request).isoformat()}"
    content, content_type = writing.write(sheet, rows, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@csrf_exempt
@require_POST
@permission_required(PAGE_PERMISSION, raise_exception=True)
def upload(request):
    """Check the uploaded file and show the preview; nothing is written."""
    kinds = allowed_kinds(request.user)
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > settings.IMPORT_MAX_BYTES + ENVELOPE_BYTES:
        # Refused before the body is read: the CSRF check would read it, so it comes after.
        try:
            bounds.check_size(announced)
        except bounds.ImportRefused as error:
            refusal = str(error)
        return _render_index(request, ImportForm(kinds=kinds), refusal=refusal, status=413)
    return _upload_checked(request, kinds)


@csrf_protect
def _upload_checked(request, kinds):
    form = ImportForm(request.POST, request.FILES, kinds=kinds)
    if not form.is_valid():
        return _render_index(request, form, status=400)
    upload_file = form.cleaned_data["file"]
    sheet = SHEETS[form.cleaned_data["kind"]]
    try:
        bounds.check_size(upload_file.size)
        data = upload_file.read()
        header, rows = read_table(data)
    except bounds.ImportRefused as error:
        form.add_error("file", str(error))
        return _render_index(request, form, status=400)
    result = import_table(
        sheet=sheet,
        header=header,
        rows=rows,
        user=request.user,
        commit=False,
        today=request_as_of(request),
    )
    token = _keep(request, data, kind=sheet.kind, name=upload_file.name) if result.ok else ""
    return _render_preview(
        request, sheet, result, token=token, name=upload_file.name, status=200 if result.ok else 400
    )


@require_POST
@permission_required(PAGE_PERMISSION, raise_exception=True)
def confirm(request):
    """Import the kept file, all or nothing; its rows are tried again first."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {}).get(token)
    data = _kept(token) if pending else None
    if data is None or pending["kind"] not in allowed_kinds(request.user):
        messages.error(
            request,
            _(
                "This file is no longer available: it was already imported, or the preview "
                "expired. Nothing was written; choose the file again."
            ),
        )
        return HttpResponseRedirect(reverse("commitments:spreadsheets"))
    sheet = SHEETS[pending["kind"]]
    _forget(request, token)
    try:
        header, rows = read_table(data)
    except bounds.ImportRefused as error:  # the bounds were lowered since the preview
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("commitments:spreadsheets"))
    result = import_table(
        sheet=sheet,
        header=header,
        rows=rows,
        user=request.user,
        commit=True,
        today=request_as_of(request),
    )
    if not result.written:
        messages.error(
            request,
            _(
                "The import was cancelled and nothing was written: the data changed since the "
                "preview. Here are the rows' errors; correct the file and import it again."
            ),
        )
        return _render_preview(request, sheet, result, token="", name=pending["name"], status=409)
    messages.success(
        request,
        _("Import done: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
        % {
            "created": result.count("create"),
            "updated": result.count("update"),
            "unchanged": result.count("unchanged"),
        },
    )
    return HttpResponseRedirect(reverse("commitments:spreadsheets"))


def _render_preview(request, sheet, result, *, token, name, status):
    context = {"sheet": sheet, "result": result, "token": token, "name": name}
    return render(request, "commitments/spreadsheets/preview.html", context, status=status)


def _keep(request, data: bytes, *, kind: str, name: str) -> str:
    """Keep the checked file under a random token that only this session knows."""
    directory = pending_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(directory)
    token = secrets.token_urlsafe(24)
    (directory / token).write_bytes(data)
    pending = request.session.get(SESSION_KEY, {})
    for old in sorted(pending, key=lambda t: pending[t]["at"])[:-4]:  # at most 5 waiting
        _discard(old)
        del pending[old]
    pending[token] = {"kind": kind, "name": name[:200], "at": time.time()}
    request.session[SESSION_KEY] = pending
    return token


def _kept(token: str) -> bytes | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = pending_dir() / token
    try:
        if time.time() - path.stat().st_mtime > PENDING_LIFETIME_SECONDS:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _forget(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    _discard(token)


def _discard(token: str) -> None:
    (pending_dir() / token).unlink(missing_ok=True)


def _sweep(directory: Path) -> None:
    """Files of previews never confirmed go after ``PENDING_LIFETIME_SECONDS``."""
    limit = time.time() - PENDING_LIFETIME_SECONDS
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
