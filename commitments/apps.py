from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self):
        from . import advocacy_facts, figures, search_index

        search_index.connect_signals()
        advocacy_facts.connect_signals()
        figures.connect_signals()
