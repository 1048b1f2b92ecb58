import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _

# On a first visit, the dashboard counts what lapsed in the last week.
FIRST_VISIT_DAYS = 7


class User(AbstractUser):
    """A staff member of the coalition.

    A custom user model from day one, so that per-user preferences (the language alerts are
    written in) live on the user rather than in a side table.
    """

    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="fr",
        help_text=_("Language of the interface and of e-mails sent to this person, e.g. “fr”."),
    )
    dashboard_seen_on = models.DateField(
        _("dashboard last seen on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The day this person last opened the dashboard, e.g. 2026-12-01."),
    )
    dashboard_previous_visit_on = models.DateField(
        _("previous dashboard visit"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The day of the visit before that one: the dashboard counts what lapsed since then."
        ),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def dashboard_visit(self, today: datetime.date) -> datetime.date:
        """Record that the dashboard was opened on ``today``; return the day it counts "since
        your last visit" from: the previous day it was opened (stable through the day, however
        often it is reloaded), or a week ago on a first visit."""
        if self.dashboard_seen_on != today:
            previous = self.dashboard_seen_on
            type(self)._default_manager.filter(pk=self.pk).update(
                dashboard_seen_on=today, dashboard_previous_visit_on=previous
            )
            self.dashboard_seen_on, self.dashboard_previous_visit_on = today, previous
        return self.dashboard_previous_visit_on or today - datetime.timedelta(days=FIRST_VISIT_DAYS)


class UserSession(AbstractBaseSession):
    """A database session that records whose it is, so a user's sessions can be ended at once.

    Django's documented way of extending the database session backend
    (``accounts.sessions.SessionStore`` fills ``user`` on every save); replaces
    ``django.contrib.sessions``' table as ``SESSION_ENGINE = "accounts.sessions"``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("user"),
        help_text=_("Who is logged in with this session; empty for an anonymous visitor."),
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-expire_date"]

    def __str__(self) -> str:
        return f"{self.user or '-'} ({self.expire_date:%Y-%m-%d %H:%M})"

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
