"""The one FilterSet for commitments: the web list, the overdue list and the REST API share it.

Every filter lives in the query string, so a filtered view can be bookmarked and shared.
"""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Body, Category, Commitment, Status, Tag

ORDERING_FIELDS = (
    ("title", "title"),
    ("due_date", "due_date"),
    ("status", "status"),
    ("days_overdue", "days_overdue"),
    ("responsible_body__name", "responsible_body"),
    ("monitoring_body__name", "monitoring_body"),
    ("category", "category"),
    ("updated_at", "updated_at"),
)


class CommitmentFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_("Words in the title, summary, key or a body's name or acronym."),
    )
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, label=_("Category"))
    responsible_body = django_filters.ModelChoiceFilter(
        queryset=Body.objects.all(), label=_("Responsible body")
    )
    monitoring_body = django_filters.ModelChoiceFilter(
        queryset=Body.objects.all(), label=_("Monitoring body")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due on or after")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(), label=_("Staff owner")
    )
    tag = django_filters.ModelChoiceFilter(
        field_name="tags",
        queryset=Tag.objects.all(),
        to_field_name="slug",
        label=_("Tag"),
    )
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS, label=_("Sort by"))

    class Meta:
        model = Commitment
        fields = [
            "search",
            "status",
            "category",
            "responsible_body",
            "monitoring_body",
            "overdue",
            "due_after",
            "due_before",
            "owner",
            "tag",
        ]

    def __init__(self, *args, as_of: datetime.date | None = None, **kwargs):
        self.as_of = as_of or timezone.localdate()
        super().__init__(*args, **kwargs)
        if self.queryset is not None:
            # Annotated here so that ordering by days overdue works wherever the set is used.
            self.queryset = self.queryset.with_days_overdue(self.as_of)

    def filter_search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(key__icontains=word)
                | Q(responsible_body__name__icontains=word)
                | Q(responsible_body__acronym__icontains=word)
                | Q(monitoring_body__name__icontains=word)
                | Q(monitoring_body__acronym__icontains=word)
            )
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.overdue(self.as_of)
        return queryset.not_overdue(self.as_of)
