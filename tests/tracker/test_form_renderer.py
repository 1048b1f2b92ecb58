"""The project's form renderer writes every widget byte for byte as Django's templates do.

Each case renders one widget, in one state, with Django's own renderer and with the project's,
and compares the two strings: values and labels to escape (and already safe), missing and
empty values, boolean and numeric attributes, option groups, choices from a queryset, in
French and in English.
"""

import datetime

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from commitments.filters import AllYesNoSelect, CommitmentFilterSet
from commitments.models import Body, Commitment, Tag
from commitments.web.forms import BulkStatusForm
from commitments.web.lists import style_filter_form
from tests.factories import BodyFactory, TagFactory, UserFactory
from tracker.form_renderer import WRITERS, FormRenderer

DJANGO = DjangoTemplates()
PROJECT = FormRenderer()

NASTY = "Tom & \"Jerry\" <script>alert('x')</script>"
CHOICES = [("", "---------"), ("a", "Alpha"), (NASTY, NASTY), (3, 3), ("lazy", _("Status"))]
GROUPED = [
    ("", "All"),
    ("Group <1>", [("x", "X & co"), ("y", mark_safe("<b>Y</b>"))]),
    ("Group 2", [("z", "Z")]),
]


def Typed(input_type):
    """An input of a type Django has a template for but no widget class."""
    widget = forms.TextInput()
    widget.input_type = input_type
    widget.template_name = f"django/forms/widgets/{input_type}.html"
    return widget


class Unwrapped(forms.CheckboxSelectMultiple):
    """Options whose input is not wrapped in its label (``wrap_label`` off)."""

    def create_option(self, *args, **kwargs):
        return {**super().create_option(*args, **kwargs), "wrap_label": False}


CASES = [
    (forms.TextInput(), None),
    (forms.DateTimeInput(), datetime.datetime(2026, 12, 1, 14, 5)),
    (forms.TimeInput(), datetime.time(14, 5)),
    (Typed("tel"), "+33 1 23"),
    (Typed("color"), "#ff0000"),
    (Typed("search"), "victimes"),
    (forms.TextInput(), ""),
    (forms.TextInput(attrs={"type": "search", "required": True, "disabled": False}), NASTY),
    (forms.TextInput(attrs={"placeholder": NASTY, "maxlength": 40}), mark_safe("<i>safe</i>")),
    (forms.NumberInput(attrs={"min": 0, "max": 3660}), 12),
    (forms.NumberInput(), 1234567),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), datetime.date(2026, 12, 1)),
    (forms.DateInput(), "not a date <>"),
    (forms.HiddenInput(), "42"),
    (forms.EmailInput(), "a@example.org"),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
    (forms.PasswordInput(render_value=True), "secret&"),
    (forms.PasswordInput(), "secret&"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(), ""),
    (forms.Textarea(attrs={"maxlength": 4000}), NASTY + "\nsecond line"),
    (forms.Select(choices=CHOICES), None),
    (forms.Select(choices=CHOICES), "a"),
    (forms.Select(choices=CHOICES), NASTY),
    (forms.Select(choices=CHOICES), 3),
    (forms.Select(choices=CHOICES, attrs={"required": True, "aria-describedby": "x_help"}), ""),
    (forms.Select(choices=GROUPED), "y"),
    (forms.Select(choices=[]), None),
    (forms.SelectMultiple(choices=CHOICES), ["a", NASTY]),
    (forms.NullBooleanSelect(), None),
    (forms.NullBooleanSelect(), True),
    (forms.NullBooleanSelect(), "false"),
    (AllYesNoSelect(), None),
    (AllYesNoSelect(), "true"),
    (AllYesNoSelect(), False),
    (forms.CheckboxSelectMultiple(choices=CHOICES), None),
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["a", "3"]),
    (forms.CheckboxSelectMultiple(choices=CHOICES, attrs={"class": "inline <x>"}), ["lazy"]),
    (forms.CheckboxSelectMultiple(choices=GROUPED), ["x", "z"]),
    (forms.RadioSelect(choices=CHOICES), "a"),
    (forms.RadioSelect(choices=GROUPED), None),
    (Unwrapped(choices=CHOICES), ["a"]),
]


def render(renderer, widget, value, attrs):
    return widget.render("field", value, attrs=attrs, renderer=renderer)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_field"}], ids=["no id", "id"])
@pytest.mark.parametrize(("widget", "value"), CASES)
def test_each_widget_as_djangos_templates_write_it(widget, value, attrs, language):
    with translation.override(language):
        expected = render(DJANGO, widget, value, attrs)
        assert render(PROJECT, widget, value, attrs) == expected


def test_every_written_template_is_compared():
    compared = {"django/forms/widgets/input.html"}  # inside every input and option below
    compared |= {
        "django/forms/widgets/input_option.html",
        "django/forms/widgets/multiple_input.html",
    }
    for widget, _value in CASES:
        compared |= {widget.template_name, getattr(widget, "option_template_name", None)}
    assert set(WRITERS) <= compared


def test_choices_from_a_queryset(db):
    BodyFactory.create_batch(3)
    BodyFactory(name=NASTY, acronym="<&>")
    TagFactory(name="Société <civile>", slug="societe")
    field = forms.ModelChoiceField(queryset=Body.objects.all())
    chosen = Body.objects.get(name=NASTY)
    for value in (None, chosen.pk, str(chosen.pk)):
        expected = render(DJANGO, field.widget, value, {"id": "id_body"})
        assert render(PROJECT, field.widget, value, {"id": "id_body"}) == expected
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(), to_field_name="slug", widget=forms.CheckboxSelectMultiple
    )
    assert render(PROJECT, tags.widget, ["societe"], {"id": "t"}) == render(
        DJANGO, tags.widget, ["societe"], {"id": "t"}
    )


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"search": NASTY, "status": ["met", "in_progress"], "category": ["law"]},
        {"due_after": "2026-01-01", "unowned": "true", "ordering": "-title", "due_within": "30"},
        {"due_after": "not a date", "status": ["nope"], "due_within": "-4", "owner": "999"},
    ],
)
def test_the_list_filters_and_bulk_form_as_django_writes_them(db, query):
    body = BodyFactory(name=NASTY)
    TagFactory(name="A & B", slug="a-b")
    UserFactory(first_name="Zoé", last_name="<O'Brien>")
    filterset = CommitmentFilterSet(
        {**query, "responsible_body": str(body.pk)},
        queryset=Commitment.objects.all(),
    )
    style_filter_form(filterset.form)
    bulk = BulkStatusForm(today=datetime.date(2026, 12, 1), can_add_source=True, prefix="bulk")
    for form in (filterset.form, bulk):
        form.is_valid()
        for name in form.fields:
            form.renderer = DJANGO
            expected = str(form[name])
            form.renderer = PROJECT
            assert str(form[name]) == expected, name


def test_the_site_uses_it():
    assert settings.FORM_RENDERER == "tracker.form_renderer.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
