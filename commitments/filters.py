"""The one FilterSet for commitments: the web list, the overdue list and the REST API share it.

Every filter lives in the query string, so a filtered view can be bookmarked and shared.
"""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef
from django.forms import NullBooleanSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .deadlines import DatePrecision
from .models import Body, Category, Commitment, Deadline, Status, Tag

ORDERING_FIELDS = (
    ("title", "title"),
    ("due_date", "due_date"),
    ("status", "status"),
    ("days_overdue", "days_overdue"),
    ("responsible_body__name", "responsible_body"),
    ("monitoring_body__name", "monitoring_body"),
    ("category", "category"),
    ("updated_at", "updated_at"),
    ("outstanding_since", "waiting"),
    ("last_news_on", "last_news"),
)
# Labels of the orderings whose name is not a translated label already.
ORDERING_LABELS = {
    "updated_at": _("Last updated"),
    "outstanding_since": _("Outstanding since"),
}


# Orderings on a date that may be missing (no ask, no news): those rows come last both ways,
# on every database (SQLite would put them first when ascending, PostgreSQL when descending).
NULLS_LAST = {"outstanding_since", "last_news_on"}


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        name = value.removeprefix("-")
        if name not in NULLS_LAST:
            return value
        return (
            F(name).desc(nulls_last=True) if value.startswith("-") else F(name).asc(nulls_last=True)
        )


class AllYesNoSelect(NullBooleanSelect):
    """A yes/no filter's choices: "All" (the filter is off), "Yes", "No" — not "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]

    def format_value(self, value):
        return {True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")


class YesNoFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AllYesNoSelect)
        super().__init__(*args, **kwargs)


class CommitmentFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_(
            "Words found in the title, summary, key, a body's name or acronym, a history note, "
            "what a source says, or a cited source's title or publisher; accents and case do "
            "not matter."
        ),
    )
    # The commitment's own columns: a filter on them cannot repeat a row, so no DISTINCT
    # (django-filter's default, a DISTINCT over every column that made a filtered list slower
    # than the whole one).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), distinct=False
    )
    category = django_filters.MultipleChoiceFilter(
        choices=Category.choices, label=_("Category"), distinct=False
    )
    responsible_body = django_filters.ModelChoiceFilter(
        queryset=Body.objects.all(), label=_("Responsible body")
    )
    monitoring_body = django_filters.ModelChoiceFilter(
        queryset=Body.objects.all(), label=_("Monitoring body")
    )
    overdue = YesNoFilter(method="filter_overdue", label=_("Overdue"))
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
    unowned = YesNoFilter(
        field_name="owner", lookup_expr="isnull", label=_("Without a staff owner")
    )
    diverging = YesNoFilter(
        method="filter_diverging",
        label=_("State's claim diverges"),
        help_text=_("The state's latest claimed status differs from the coalition's."),
    )
    to_check = YesNoFilter(
        method="filter_to_check",
        label=_("To check"),
        help_text=_("Open, with no status change or claim for a year (NO_NEWS_MONTHS)."),
    )
    disputed = YesNoFilter(
        method="filter_disputed",
        label=_("Disputed deadline"),
        help_text=_("A deadline whose sources disagree on the date it is derived from."),
    )
    precision = django_filters.ChoiceFilter(
        field_name="governing_deadline__precision",
        choices=DatePrecision.choices,
        label=_("Deadline known to the"),
    )
    lapsed_since = django_filters.DateFilter(
        method="filter_lapsed_since",
        label=_("Deadline lapsed since"),
        help_text=_("An open deadline certainly lapsed on or after this day, e.g. a last visit."),
    )
    due_within = django_filters.NumberFilter(
        method="filter_due_within",
        label=_("A deadline due within (days)"),
        min_value=0,
        max_value=3660,
    )
    ordering = NullsLastOrderingFilter(
        fields=ORDERING_FIELDS, field_labels=ORDERING_LABELS, label=_("Sort by")
    )

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
            "unowned",
            "tag",
            "diverging",
            "to_check",
            "disputed",
            "precision",
            "lapsed_since",
            "due_within",
        ]

    def __init__(self, *args, as_of: datetime.date | None = None, **kwargs):
        self.as_of = as_of or timezone.localdate()
        super().__init__(*args, **kwargs)

    @property
    def queryset(self):
        """The queryset given, annotated with the days overdue (so that ordering by them
        works wherever the set is used) and what the advocacy filters and "waiting longest"
        read. Annotated on first use, not when the filters are validated: a list page kept
        in the cache needs its validated filters only (``commitments.web.lists``), and the
        annotations took longer to build than the cached page took to serve."""
        if self._annotated is None and self._given is not None:
            self._annotated = self._given.with_days_overdue(self.as_of).with_advocacy(self.as_of)
        return self._annotated

    @queryset.setter
    def queryset(self, queryset):
        self._given, self._annotated = queryset, None

    def filter_search(self, queryset, name, value):
        # Most relevant first; an explicit ``ordering`` (applied after) replaces it.
        return queryset.search(value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.overdue(self.as_of)
        return queryset.not_overdue(self.as_of)

    def filter_diverging(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(diverging=value)

    def filter_to_check(self, queryset, name, value):
        if value is None:
            return queryset
        to_check = Commitment.all_objects.to_check(self.as_of).values("pk")
        return queryset.filter(pk__in=to_check) if value else queryset.exclude(pk__in=to_check)

    def filter_disputed(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(has_disputed_deadline=value)

    def filter_lapsed_since(self, queryset, name, value):
        lapsed = Deadline.objects.lapsed_between(value, self.as_of).filter(
            commitment=OuterRef("pk")
        )
        return queryset.filter(Exists(lapsed))

    def filter_due_within(self, queryset, name, value):
        due = Deadline.objects.due_within(int(value), self.as_of).filter(commitment=OuterRef("pk"))
        return queryset.filter(Exists(due))
