from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API: no models of its own, it serves those of the apps below it."""

    name = "api"
    verbose_name = "API"  # the same word in French; shown nowhere (no models)
