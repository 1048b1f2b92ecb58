"""The staff pages, one module per page: ``dashboard``, ``lists`` (and their downloads),
``detail``, ``status`` (one or several status changes); ``forms``, ``charts``, ``exports``
(the CSV/XLSX builders) and ``access`` (permissions, the request's as-of date) serve them."""
