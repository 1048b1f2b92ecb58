"""Paging long lists of commitments at a constant cost per page (the web lists and the API)."""

import hashlib

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models.sql.where import WhereNode
from django.utils.functional import LazyObject, cached_property

from commitments import figures


class DeferredJoinPaginator(Paginator):
    """A page as two short queries: the page's ids (the OFFSET walks the index that serves
    the order, never the rows and their annotations), then those rows, kept in that order.

    A deep page then costs about what the first one does. The count stays exact: it is kept
    per generation of the data, which every write renews.
    """

    def __init__(self, object_list, per_page, *, count_key: str | None = None, **kwargs):
        """``count_key`` names what the list holds (its filters, its day) when the caller
        knows it: the count is then read from the cache without building ``object_list``,
        which may be lazy (``SimpleLazyObject``) and is built only when a page is read."""
        self.count_key = count_key
        super().__init__(object_list, per_page, **kwargs)

    def _check_object_list_is_ordered(self):
        if not isinstance(self.object_list, LazyObject):  # a lazy list is ordered by its maker
            super()._check_object_list_is_ordered()

    @cached_property
    def count(self) -> int:
        """The list's size, counted once per generation of the data (``figures``) and query:
        counting 100,000 rows is most of what an unfiltered or searched page costs (40 ms on
        PostgreSQL, 200 ms for a search), for a number that changes only when someone writes.
        """
        key = self.count_key
        if key is None:
            # Keyed by the SQL that finds the ids: the conditions (and the annotations they
            # read), not the dozen annotations each row shows, which took longer to compile
            # than the count took to read from the cache.
            ids = self.object_list.values_list("pk")
            try:
                sql, params = ids.query.get_compiler(ids.db).as_sql()
            except EmptyResultSet:
                return 0
            key = repr((sql, params))
        key = hashlib.sha256(key.encode()).hexdigest()
        return figures.cached(
            "list-count", key, compute=lambda: Paginator.count.func(self), using="pages"
        )

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in _rows_by_id(self.object_list, ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def _rows_by_id(queryset, ids):
    """The rows ``ids`` of ``queryset``, with its annotations but not its conditions: the ids
    already met them. Kept, a search's condition (every search document read) cost SQLite
    as much again as finding the page's ids."""
    rows = queryset.order_by()
    rows.query.where = WhereNode()
    return rows.filter(pk__in=ids)


def with_tie_break(queryset):
    """The queryset's order, then the primary key: a page boundary never moves."""
    ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
    if not any(str(field).lstrip("-") in ("pk", "id") for field in ordering):
        ordering.append("pk")
    return queryset.order_by(*ordering)
