from django.core.paginator import Paginator as DjangoPaginator
from django.utils.translation import gettext as _
from rest_framework.pagination import CursorPagination, PageNumberPagination

from commitments.paging import DeferredJoinPaginator


class Pagination(PageNumberPagination):
    """``?page=2&page_size=100``: 50 rows by default, at most 200; a page past the end is 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IdCursorPagination(CursorPagination):
    """A keyset walk in the order rows were created (their id, indexed and unique): each page
    is an index range, never an OFFSET, and nothing is counted."""

    ordering = ("pk",)
    page_size = Pagination.page_size
    page_size_query_param = Pagination.page_size_query_param
    max_page_size = Pagination.max_page_size


class CommitmentPagination(Pagination):
    """The commitments list: page numbers (as before; a page is read by deferred join, so a
    deep one costs about what the first one does), or a cursor for a client that walks far.

    ``?cursor=`` (empty) starts a walk over every matching commitment in the order they were
    created; each answer's ``next`` carries the following cursor, until it is null. A walk
    neither counts nor skips rows (``count`` is absent), and rows added meanwhile are reached.
    The ``ordering`` parameter does not apply to a walk.
    """

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.walk = None
        # The list only: a commitment's history is paged as every other API list.
        listing = getattr(view, "action", "list") == "list"
        if listing and self.cursor_query_param in request.query_params:
            self.walk = IdCursorPagination()
            return self.walk.paginate_queryset(queryset, request, view)
        self.django_paginator_class = DeferredJoinPaginator if listing else DjangoPaginator
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.walk is not None:
            return self.walk.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = [name for name in response["required"] if name != "count"]
        response["properties"]["count"]["description"] = _(
            "Matching rows; absent when walking with a cursor."
        )
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _(
                    "Walk every matching commitment in the order they were created, without "
                    "counting: empty to start, then the cursor of the previous answer's `next` "
                    "link. For clients that read far; `page` and `ordering` do not apply."
                ),
                "schema": {"type": "string"},
            },
        ]
