"""Serializer fields that several resources share. Every resource lists its fields
explicitly; nothing is exposed by default.

People's names (a commitment's staff owner, a status change's author) are shown only to
callers who may read everything (``can_read_everything``): anonymous callers get ``null``.
"""

import datetime

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments.models import Status

MAX_RELATED_ITEMS = 50


class PersonField(serializers.SlugRelatedField):
    """A staff member by username; ``null`` for callers who may not see people's names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not self.context.get("show_people", False):
            return None
        return super().to_representation(value)

    def use_pk_only_optimization(self):
        return False


class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice, as ``get_<field>_display()`` gives it ("En cours"
    for ``in_progress``), looked up in the field's choices: DRF inspects a method's signature
    every time it calls one (``source="get_status_display"``), which cost a list page 160
    inspections."""

    def __init__(self, model, field_name: str, **kwargs):
        kwargs.update(source=field_name, read_only=True)
        super().__init__(**kwargs)
        self.labels = dict(model._meta.get_field(field_name).flatchoices)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uri", "maxLength": 500},
            {"type": "string", "maxLength": 0},
        ],
        "description": "e.g. https://www.diplomatie.gouv.fr/…; empty when unknown.",
    }
)
class OptionalURLField(serializers.URLField):
    """A URL, or the empty string when there is none."""


class BlankAsNullStatusField(serializers.ChoiceField):
    """A status, or ``null`` where the model stores "" (the first history entry)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Status.choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


# Dates a record of this domain can have; far outside, a deadline's arithmetic (windows,
# offsets) would leave the calendar.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)


class BoundedDateField(serializers.DateField):
    """A date from 1900 to 2199: anything else is a typo."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise serializers.ValidationError(
                _("Give a date between %(first)s and %(last)s.")
                % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
                code="date_out_of_range",
            )
        return day


def limit_items(items):
    """A list of related records (tags, sources) no longer than ``MAX_RELATED_ITEMS``."""
    if len(items) > MAX_RELATED_ITEMS:
        raise serializers.ValidationError(
            _("At most %(max)d items.") % {"max": MAX_RELATED_ITEMS}, code="max_items"
        )
    return items
