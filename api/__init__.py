"""The REST API under ``/api/``: commitments, their status history, bodies, sources, alerts.

A project-level app above ``commitments`` and ``alerts``: neither imports it. One module per
resource (``commitments``, ``history``, ``bodies``, ``sources``, ``alerts``); what they share
has its own module (``versioning`` for the version a write states, ``schema``, ``permissions``,
``pagination``, ``throttling``, ``exceptions``, ``renderers``).

Who may do what (enforced by :class:`api.permissions.ApiPermission`):

- anonymous callers read public commitments (and their history) and all bodies and sources,
  which are public data; throttled per IP;
- authenticated users with ``commitments.view_commitment`` (viewers, editors, administrators)
  read everything;
- writes need the Django model permission for the action (``add_*``, ``change_*``,
  ``change_commitment_status`` for a status change, ``delete_*``): editors create and update,
  only administrators delete.
"""
