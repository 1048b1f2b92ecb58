"""``INSERT … SELECT … ON CONFLICT DO NOTHING``: how raising and deliveries write, set-based.

The database's unique constraints, not a read-then-write in Python, decide what already
exists, so a second run, or two runs at the same moment on one PostgreSQL database, insert
each row once, and the number of queries does not depend on the number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet


def insert_from_select(model, columns: Sequence[str], queryset: QuerySet) -> int:
    """``INSERT INTO model (columns) SELECT … ON CONFLICT DO NOTHING``; returns rows inserted.

    ``queryset`` is a ``values_list`` whose columns are, in order, the values of ``columns``.
    The database skips rows that would break a unique constraint, atomically, so concurrent
    callers never insert the same row twice and never fail on each other's rows. A queryset
    that can match nothing (``kind__in=[]``) inserts nothing and costs no query.
    """
    alias = router.db_for_write(model)
    connection = connections[alias]
    try:
        sql, params = queryset.using(alias).query.sql_with_params()
    except EmptyResultSet:
        return 0
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({column_sql}) "
        f"SELECT * FROM ({sql}) AS candidates WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)
