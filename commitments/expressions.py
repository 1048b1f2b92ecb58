"""Database expressions the domain queries need and Django does not ship."""

import datetime

from django.db import models


class DaysBetween(models.Func):
    """Whole days from ``start`` (a date expression) to ``end`` (a date), computed in SQL.

    Django's date subtraction yields an interval whose conversion differs per backend; the
    domain wants an integer it can sort and filter on, so each backend gets its own SQL.
    Arguments are stored as (end, start) so every template reads "end minus start".
    """

    output_field = models.IntegerField()
    # PostgreSQL: date - date is already an integer number of days.
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, start, end: datetime.date, **extra):
        super().__init__(models.Value(end, output_field=models.DateField()), start, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_mysql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="DATEDIFF(%(expressions)s)",
            arg_joiner=", ",
            **extra_context,
        )


@models.CharField.register_lookup
class IsOneOf(models.Lookup):
    """``field IN ('a', 'b')`` with the values written into the SQL rather than bound.

    For a fixed set of codes (the final statuses): SQLite plans a query before it knows its
    bound values, so it uses a partial index whose condition names such codes only when the
    query names them too. Only plain codes (letters, digits, ``_``, ``-``) are accepted: the
    values are never user input, and nothing here needs quoting.
    """

    lookup_name = "is_one_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = tuple(self.rhs)
        if not values or not all(
            isinstance(v, str) and v.replace("_", "").replace("-", "").isalnum() for v in values
        ):
            raise ValueError(f"is_one_of takes plain codes, not {values!r}")
        literals = ", ".join(f"'{value}'" for value in values)
        return f"{lhs} IN ({literals})", lhs_params
