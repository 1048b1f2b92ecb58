from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        # Project-wide ORM rule, registered once before any query: ``__in`` with an integer
        # beyond the column's range matches nothing instead of crashing SQLite's driver.
        import tracker.lookups  # noqa: F401

        from . import signals, two_factor

        # Auth signals for the security log, the two-factor check and the idle timer at login: they
        # change no domain data (house style: no signals for domain logic).
        user_logged_in.connect(signals.log_login, dispatch_uid="vigie_log_login")
        user_login_failed.connect(signals.log_login_failure, dispatch_uid="vigie_log_failure")
        user_logged_out.connect(signals.log_logout, dispatch_uid="vigie_log_logout")
        user_logged_in.connect(
            two_factor.require_verification_at_login, dispatch_uid="vigie_two_factor_login"
        )
        user_logged_in.connect(
            signals.mark_refreshed_at_login, dispatch_uid="vigie_session_fresh_at_login"
        )
