"""Filters for the API endpoints that the web list's ``CommitmentFilterSet`` does not cover."""

import django_filters
from django.utils.translation import gettext_lazy as _

from alerts.models import AlertKind, Delivery


class AlertFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        field_name="alert__kind", choices=AlertKind.choices, label=_("Alert kind")
    )
    acknowledged = django_filters.BooleanFilter(
        field_name="acknowledged_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("Acknowledged by you"),
    )
    open = django_filters.BooleanFilter(
        field_name="alert__closed_at",
        lookup_expr="isnull",
        label=_("Open (still relevant)"),
    )

    class Meta:
        model = Delivery
        fields = ["kind", "acknowledged", "open"]
