"""Paging long lists of commitments at a constant cost per page (the web lists and the API)."""

from django.core.paginator import Paginator
from django.db.models.sql.where import WhereNode


class DeferredJoinPaginator(Paginator):
    """A page as two short queries: the page's ids (the OFFSET walks the index that serves
    the order, never the rows and their annotations), then those rows, kept in that order.

    A deep page then costs about what the first one does. The count stays exact: on the
    unfiltered lists it reads the partial index of the commitments in the lists (migration
    0008), a fraction of the table.
    """

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
