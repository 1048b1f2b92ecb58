"""Spreadsheet import (preview, per-row errors, all or nothing) and export, from the admin."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.models import Body, Commitment, Source, Status, StatusChange
from commitments.services.lifecycle import commitment_save
from commitments.services.status import status_change_record

from ..factories import BodyFactory, SourceFactory, TagFactory, make_commitment

COLUMNS = [
    "key",
    "title",
    "summary",
    "category",
    "responsible_body",
    "monitoring_body",
    "due_date",
    "due_date_note",
    "owner",
    "tags",
    "is_public",
    "status",
    "status_effective_date",
    "status_note",
    "status_sources",
    "version",
]
CSV_FORMAT = "0"  # position of CSV in resources.IMPORT_FORMATS
XLSX_FORMAT = "1"


@pytest.fixture
def refs(db):
    return {
        "body": BodyFactory(key="miprof"),
        "greta": BodyFactory(key="greta"),
        "source": SourceFactory(key="collectif-2022"),
        "tag": TagFactory(slug="victimes"),
    }


def _row(**values):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        key="troisieme-plan",
        title="Troisième plan",
        category="action_plan",
        responsible_body="miprof",
        status="not_started",
        is_public="1",
    )
    row.update(values)
    return row


def _csv(rows, columns=COLUMNS, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def _xlsx(rows, columns=COLUMNS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row[column] for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _preview(
    client, content, *, name="engagements.csv", fmt=CSV_FORMAT, model="commitment", language="en"
):
    return client.post(
        reverse(f"admin:commitments_{model}_import"),
        {"format": fmt, "resource": "0", "import_file": SimpleUploadedFile(name, content)},
        headers={"accept-language": language},
    )


def _confirm(client, preview, model="commitment"):
    form = preview.context["confirm_form"]
    return client.post(
        reverse(f"admin:commitments_{model}_process_import"),
        {
            name: form.initial[name]
            for name in ("import_file_name", "original_file_name", "format", "resource")
        },
        headers={"accept-language": "en"},
    )


def _row_errors(response):
    result = response.context["result"]
    messages = {}
    for row in result.invalid_rows:
        for field, errors in row.field_specific_errors.items():
            messages.setdefault(row.number, {})[field] = " ".join(map(str, errors))
        for error in row.non_field_specific_errors:
            messages.setdefault(row.number, {})["__all__"] = str(error)
    return messages


def _counts():
    return (
        Commitment.objects.count(),
        StatusChange.objects.count(),
        Body.objects.count(),
        Source.objects.count(),
    )


class TestImportHappyPath:
    def test_preview_then_confirm_creates_with_history_and_log(
        self, admin_client, admin_user, refs
    ):
        content = _csv(
            [
                _row(
                    tags="victimes",
                    due_date="2022-10-18",
                    monitoring_body="greta",
                    status_note="Relevé par le Collectif",
                    status_sources="collectif-2022",
                    status_effective_date="2022-07-01",
                ),
                _row(key="mecanisme", title="Mécanisme national", status="announced"),
            ]
        )
        preview = _preview(admin_client, content)
        assert preview.status_code == 200
        result = preview.context["result"]
        assert not result.has_errors() and not result.has_validation_errors()
        assert [row.import_type for row in result.rows] == ["new", "new"]
        assert "confirm_form" in preview.context
        assert Commitment.objects.count() == 0  # the preview wrote nothing

        response = _confirm(admin_client, preview)

        assert response.status_code == 302
        plan = Commitment.objects.get(key="troisieme-plan")
        assert plan.due_date == datetime.date(2022, 10, 18)
        assert plan.monitoring_body == refs["greta"]
        assert list(plan.tags.all()) == [refs["tag"]]
        entry = plan.status_changes.get()
        assert (entry.new_status, entry.origin, entry.author) == (
            Status.NOT_STARTED,
            StatusChange.Origin.IMPORT,
            admin_user,
        )
        assert entry.effective_date == datetime.date(2022, 7, 1)
        assert list(entry.sources.all()) == [refs["source"]]
        assert Commitment.objects.get(key="mecanisme").status == Status.ANNOUNCED
        assert LogEntry.objects.filter(user=admin_user).count() == 2

    def test_status_change_by_import_writes_history(self, admin_client, admin_user, refs):
        existing = make_commitment(key="troisieme-plan", responsible_body=refs["body"])
        content = _csv(
            [
                _row(
                    status="announced",
                    status_effective_date="2022-09-01",
                    status_note="Annonce",
                    status_sources="collectif-2022",
                    version=str(existing.version),
                )
            ]
        )

        _confirm(admin_client, _preview(admin_client, content))

        existing.refresh_from_db()
        assert existing.status == Status.ANNOUNCED
        entry = existing.status_changes.latest()
        assert (entry.previous_status, entry.new_status) == (Status.NOT_STARTED, Status.ANNOUNCED)
        assert entry.author == admin_user and entry.note == "Annonce"
        assert entry.origin == StatusChange.Origin.IMPORT

    def test_status_change_without_source_is_a_row_error(self, admin_client, refs):
        existing = make_commitment(key="troisieme-plan", responsible_body=refs["body"])
        before = _counts()
        content = _csv(
            [
                _row(
                    status="announced",
                    status_effective_date="2022-09-01",
                    version=str(existing.version),
                )
            ]
        )

        preview = _preview(admin_client, content, language="fr")

        errors = _row_errors(preview)
        assert errors[1]["status_sources"].startswith("Citez au moins une source")
        assert "confirm_form" not in preview.context
        assert _counts() == before
        existing.refresh_from_db()
        assert (existing.status, existing.version) == (Status.NOT_STARTED, 1)

    def test_unchanged_rows_are_skipped(self, admin_client, refs):
        make_commitment(
            key="troisieme-plan",
            title="Troisième plan",
            responsible_body=refs["body"],
            is_public=True,
            category=Commitment.Category.ACTION_PLAN,
        )
        # A file exported earlier carries each row's version.
        preview = _preview(admin_client, _csv([_row(version="1")]))
        assert [row.import_type for row in preview.context["result"].rows] == ["skip"]

    def test_xlsx_import(self, admin_client, refs):
        preview = _preview(admin_client, _xlsx([_row()]), name="engagements.xlsx", fmt=XLSX_FORMAT)
        assert "confirm_form" in preview.context
        _confirm(admin_client, preview)
        assert Commitment.objects.filter(key="troisieme-plan").exists()

    def test_bodies_and_sources_import(self, admin_client, db):
        bodies = _csv(
            [
                {
                    "key": "osce",
                    "name": "OSCE",
                    "acronym": "OSCE",
                    "kind": "international_organisation",
                    "level": "international",
                    "country": "",
                    "description": "",
                }
            ],
            columns=["key", "name", "acronym", "kind", "level", "country", "description"],
        )
        _confirm(admin_client, _preview(admin_client, bodies, model="body"), model="body")
        assert Body.objects.get(key="osce").kind == Body.Kind.INTERNATIONAL_ORGANISATION

        sources = _csv(
            [
                {
                    "key": "greta-2022",
                    "title": "Rapport du GRETA",
                    "publication_date": "2022-06-01",
                    "date_precision": "month",
                }
            ],
            columns=["key", "title", "publication_date", "date_precision"],
        )
        _confirm(admin_client, _preview(admin_client, sources, model="source"), model="source")
        assert Source.objects.get(key="greta-2022").date_precision == "month"


class TestBadFiles:
    """Every bad file gets a clear message and writes nothing."""

    @pytest.mark.parametrize(
        ("row", "column", "message"),
        [
            ({"status": "forgotten"}, "status", "not a valid choice"),
            ({"due_date": "18/10/2022"}, "due_date", "could not be parsed"),
            ({"responsible_body": "nobody"}, "responsible_body", "Unknown key: nobody"),
            ({"tags": "victimes, unknown-tag"}, "tags", "unknown-tag"),
            ({"title": '=HYPERLINK("http://evil")'}, "title", "formula"),
            ({"summary": "@SUM(A1:A2)"}, "summary", "formula"),
            ({"status_effective_date": "demain"}, "status_effective_date", "not a date"),
            ({"status_effective_date": "2999-01-01"}, "status_effective_date", "future"),
            ({"status_sources": "nowhere"}, "status_sources", "nowhere"),
            ({"title": ""}, "title", "cannot be blank"),
            ({"version": "douze"}, "version", "whole number"),
        ],
    )
    def test_per_row_message_and_nothing_written(self, admin_client, refs, row, column, message):
        before = _counts()
        content = _csv([_row(key="fine", title="Correct"), _row(**row)])

        preview = _preview(admin_client, content)

        errors = _row_errors(preview)
        assert list(errors) == [2], errors
        assert message in errors[2][column]
        assert "confirm_form" not in preview.context
        assert _counts() == before

    def test_messages_in_the_users_language(self, admin_client, refs):
        preview = _preview(admin_client, _csv([_row(status="oublié")]), language="fr")
        assert "n’est pas un choix valide" in _row_errors(preview)[1]["status"]

    def test_duplicate_rows(self, admin_client, refs):
        preview = _preview(admin_client, _csv([_row(), _row(title="Encore")]))
        errors = _row_errors(preview)
        assert "appears twice (rows 1 and 2)" in errors[2]["key"]
        assert Commitment.objects.count() == 0

    def test_wrong_columns(self, admin_client, refs):
        content = _csv([{"key": "x", "titre": "Mauvaise colonne"}], columns=["key", "titre"])
        preview = _preview(admin_client, content)
        result = preview.context["result"]
        assert result.has_errors()
        message = str(result.base_errors[0].error)
        assert "missing column(s): title, responsible_body, status" in message
        assert "unknown column(s): titre" in message
        assert "confirm_form" not in preview.context
        assert Commitment.objects.count() == 0

    def test_wrong_encoding(self, admin_client, refs):
        content = _csv([_row(title="Troisième plan d'action")], encoding="utf-16")
        preview = _preview(admin_client, content)
        assert preview.context["form"].errors["import_file"]
        assert Commitment.objects.count() == 0

    def test_formula_cell_in_xlsx(self, admin_client, refs):
        preview = _preview(
            admin_client, _xlsx([_row(title="=1+1")]), name="f.xlsx", fmt=XLSX_FORMAT
        )
        assert "formula" in _row_errors(preview)[1]["title"]

    def test_stale_version_row(self, admin_client, refs):
        existing = make_commitment(key="troisieme-plan", responsible_body=refs["body"])
        content = _csv([_row(title="Ma version", version=str(existing.version))])
        existing.title = "Leur version"
        commitment_save(
            commitment=existing,
            expected_version=existing.version,
            data={"title": "Leur version"},
            author=None,
            origin=StatusChange.Origin.WEB,
        )
        preview = _preview(admin_client, content)
        assert "changed since the file was exported" in _row_errors(preview)[1]["version"]
        existing.refresh_from_db()
        assert existing.title == "Leur version"

    def test_a_row_about_an_existing_commitment_needs_its_version(self, admin_client, refs):
        # Regression: a blank version used to mean "skip the check" and overwrote silently.
        existing = make_commitment(key="troisieme-plan", responsible_body=refs["body"])
        preview = _preview(admin_client, _csv([_row(title="Écrasé sans version", version="")]))
        assert "confirm_form" not in preview.context
        assert "version is required" in _row_errors(preview)[1]["version"]
        existing.refresh_from_db()
        assert (existing.title, existing.version) != ("Écrasé sans version", 2)
        assert existing.version == 1

    def test_a_failure_at_confirmation_rolls_back_every_row(self, admin_client, refs):
        existing = make_commitment(
            key="b",
            responsible_body=refs["body"],
            title="B",
            category=Commitment.Category.ACTION_PLAN,
            is_public=True,
        )
        content = _csv(
            [
                _row(key="a"),
                _row(
                    key="b",
                    title="B",
                    status="announced",
                    status_effective_date="2022-01-01",
                    status_sources="collectif-2022",
                    version=str(existing.version),
                ),
            ]
        )
        preview = _preview(admin_client, content)
        assert "confirm_form" in preview.context
        # Before the import is confirmed, someone records a later status change on b: the
        # file's change on b, based on the version before it, is now refused.
        status_change_record(
            commitment=existing,
            new_status=Status.IN_PROGRESS,
            effective_date=datetime.date(2023, 5, 1),
            expected_version=existing.version,
            sources=[SourceFactory()],
        )
        before = _counts()

        response = _confirm(admin_client, preview)

        assert response.status_code == 200
        assert "changed since the file was exported" in _row_errors(response)[2]["version"]
        assert _counts() == before
        assert not Commitment.objects.filter(key="a").exists()
        assert not LogEntry.objects.exists()


class TestExport:
    def test_export_neutralises_formulae_and_round_trips(self, admin_client, refs):
        make_commitment(
            key="danger",
            title="=cmd|' /C calc'!A0",
            responsible_body=refs["body"],
            summary="+33 1 23 45 67 89",
            tags=[refs["tag"]],
        )
        response = admin_client.post(
            reverse("admin:commitments_commitment_export"),
            {
                "format": "0",
                "resource": "0",
                **{f"commitmentresource_{column}": "on" for column in COLUMNS},
            },
        )
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0]["title"] == "'=cmd|' /C calc'!A0"
        assert rows[0]["summary"] == "'+33 1 23 45 67 89"
        assert rows[0]["responsible_body"] == "miprof"
        assert rows[0]["tags"] == "victimes"
        assert rows[0]["version"] == "1"
