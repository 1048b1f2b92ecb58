"""What a search looks into, kept beside each commitment: one row per commitment.

Each column holds the distinct words (lower case, accents stripped: ``commitments.search.fold``)
of one place a search looks, once each, in the order they first appear. A search word is a run
of letters and digits, so "found in the text" and "found in its words" are the same thing; the
words alone are half the size of the text and one column is read instead of seven tables
joined, which is what makes a search of 100,000 commitments take milliseconds, not seconds.

Kept up to date by ``commitments.search_index`` on every write, never edited by hand.
"""

from django.db import models

from .commitment import Commitment


class SearchDocument(models.Model):
    commitment = models.OneToOneField(
        Commitment,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    title = models.TextField(default="", blank=True)
    key = models.TextField(default="", blank=True)
    # The name and acronym of the responsible and monitoring bodies.
    bodies = models.TextField(default="", blank=True)
    summary = models.TextField(default="", blank=True)
    # What its citations say, and the title and publisher of each source they cite.
    citations = models.TextField(default="", blank=True)
    # The notes of its status history, and the title and publisher of the sources they cite.
    history = models.TextField(default="", blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"search document of commitment {self.commitment_id}"
