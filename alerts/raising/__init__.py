"""Raising alerts: one module per alert source, one runner (``runner.alerts_raise``).

A source knows one kind of fact worth telling (a deadline of a commitment, a status change)
and builds, as of a day, the rows of the alerts that are due; the runner inserts them, closes
what no longer applies and addresses them. A new kind of alert (reply due, milestone due) is a
new module here, its entry in ``runner.SOURCES`` and its block in the digest templates.
"""
