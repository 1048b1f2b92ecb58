"""Admin page titles that read well in French.

Django builds them from the verbose name ("Add %s", "Change %s"), which French cannot do:
"Ajout de engagement", "Modification de source". Each model of the app says its own
("Ajouter un engagement", "Modifier la source"); a list is titled by its plural ("Engagements"),
a page the user may only read by the name of what it shows.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Ask, Body, Claim, Commitment, Deadline, Event, Source, StatusChange, Tag

# model: (title of its add page, title of its change page)
TITLES = {
    Commitment: (_("Add a commitment"), _("Edit the commitment")),
    StatusChange: (_("Add a status change"), _("Edit the status change")),
    Body: (_("Add a body"), _("Edit the body")),
    Source: (_("Add a source"), _("Edit the source")),
    Tag: (_("Add a tag"), _("Edit the tag")),
    Deadline: (_("Add a deadline"), _("Edit the deadline")),
    Event: (_("Add an event"), _("Edit the event")),
    Claim: (_("Add a claim"), _("Edit the claim")),
    Ask: (_("Add an ask"), _("Edit the ask")),
}


class TitlesMixin:
    """For a ModelAdmin of this app: the titles above instead of Django's generic ones."""

    def changelist_view(self, request, extra_context=None):
        title = capfirst(self.model._meta.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        add, change = TITLES[self.model]
        if object_id is None:
            title = add
        elif self.has_change_permission(request):
            title = change
        else:
            title = capfirst(self.model._meta.verbose_name)
        return super().changeform_view(
            request, object_id, form_url, {"title": title, **(extra_context or {})}
        )
