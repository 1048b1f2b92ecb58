"""Writes that touch several rows: every entry point (admin, pages, API, imports, seeds) calls
these, and translates their two errors (``ValidationError``, ``StaleVersionError``) once.

- ``versions``: the version rule (every write on an existing commitment states the version
  it read) and the one conditional write that bumps it;
- ``status``: validating and recording a status change;
- ``lifecycle``: saving (creating or changing), archiving and restoring a commitment.
"""
