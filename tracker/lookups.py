"""``__in`` on integer columns and foreign keys, safe with integers the database cannot hold.

Django answers ``filter(pk=2**64)`` with no rows (its ``IntegerFieldOverflow``, for ``exact``,
``gt``, ``lt``...), but not ``filter(pk__in=[2**64])``: SQLite's driver then raises
``OverflowError``, a 500, wherever a posted list of ids is looked up (a form's multi-select,
the admin's selected rows and M2M fields, a ``?x__in=`` filter). The same rule completes
Django's: a value outside the column's range can equal no row, so it is left out of the list
(an empty list matches nothing). PostgreSQL already behaves so; now SQLite does too, and a
form says "not one of the available choices" as it does for any unknown id.

Registered once, for every model, when the first project app is ready (``accounts.apps``).
"""

from django.core.exceptions import FieldError
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _integer_range(field, connection) -> tuple[int | None, int | None]:
    """The range the column of ``field`` holds; a foreign key's is that of its target."""
    try:
        target = getattr(field, "target_field", field)
    except FieldError:  # a foreign key on several columns: not ours to judge
        return None, None
    try:
        return connection.ops.integer_field_range(target.get_internal_type())
    except KeyError:  # not an integer column (e.g. a key that is a slug)
        return None, None


class InRangeMixin:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            field = getattr(self.lhs, "output_field", None)
            low, high = _integer_range(field, connection) if field else (None, None)
            if low is not None or high is not None:
                self.rhs = [
                    value
                    for value in self.rhs
                    if not isinstance(value, int)
                    or ((low is None or value >= low) and (high is None or value <= high))
                ]
        return super().process_rhs(compiler, connection)


@IntegerField.register_lookup
class IntegerFieldIn(InRangeMixin, In):
    pass


@ForeignObject.register_lookup
class ForeignKeyIn(InRangeMixin, RelatedIn):
    pass
