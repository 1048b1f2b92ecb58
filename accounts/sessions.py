"""Session engine: Django's database sessions, with the user recorded on each session row.

Set as ``SESSION_ENGINE = "accounts.sessions"``. Follows "Extending database-backed session
engines" in Django's documentation; ``accounts.services.user_deactivate`` deletes a user's
sessions with one ``DELETE`` on this column. The idle timeout is ``middleware.py``'s.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from .models import UserSession

        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance
