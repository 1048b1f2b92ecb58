"""Saved views: a list's filters, named by a staff member, kept for themselves or shared."""

from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

QUERY_MAX_LENGTH = 2000
# Not a filter: the page shown is left out of a view (the search is kept, like any filter).
NOT_FILTERS = frozenset({"page"})


def normalise_query(pairs, *, blank=None) -> str:
    """A query string with only the parameters in use: empty values (and those ``blank(key,
    value)`` says are) and the page number are dropped, the rest sorted so that the same
    filters always read the same."""
    if hasattr(pairs, "lists"):
        pairs = [(key, value) for key, values in pairs.lists() for value in values]
    elif isinstance(pairs, str):
        pairs = parse_qsl(pairs.lstrip("?"), keep_blank_values=True)
    kept = sorted(
        {
            (key, value.strip())
            for key, value in pairs
            if key not in NOT_FILTERS
            and value.strip()
            and not (blank and blank(key, value.strip()))
        }
    )
    return urlencode(kept)


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The views ``user`` sees: their own and those shared with the team."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(owner=user) | Q(shared=True))

    def of_kind(self, kind):
        return self.filter(kind=kind)


class SavedView(models.Model):
    """A named set of filters of the commitment list or of the overdue list."""

    class Kind(models.TextChoices):
        LIST = "list", _("Commitments")
        OVERDUE = "overdue", _("Overdue")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
        help_text=_("Who saved it; only they may rename or delete it."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("e.g. “Plans en retard suivis par la MIPROF”.")
    )
    kind = models.CharField(
        _("list"),
        max_length=16,
        choices=Kind.choices,
        default=Kind.LIST,
        help_text=_("The list whose filters it keeps, e.g. “Overdue”."),
    )
    query = models.CharField(
        _("filters"),
        max_length=QUERY_MAX_LENGTH,
        blank=True,
        help_text=_("The filters in use, as in the address, e.g. “status=in_progress&tag=onu”."),
    )
    shared = models.BooleanField(
        _("shared with the team"),
        default=False,
        help_text=_("Every staff member sees it when ticked; otherwise only its owner does."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "name"], name="savedview_unique_name_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["list", "overdue"]), name="savedview_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        path = reverse(
            "commitments:overdue" if self.kind == self.Kind.OVERDUE else "commitments:list"
        )
        return f"{path}?{self.query}" if self.query else path

    def can_edit(self, user) -> bool:
        """Only the owner renames, shares or deletes a view, shared or not."""
        return user.is_authenticated and self.owner_id == user.pk
