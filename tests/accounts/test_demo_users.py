"""The ``create_demo_users`` command: development only, three accounts, one per role."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts import roles


class TestDemoUsers:
    def test_refused_under_production_settings(self, db, settings):
        settings.DEBUG = False
        with pytest.raises(CommandError, match="never created under production settings"):
            call_command("create_demo_users")
        assert not get_user_model().objects.exists()

    def test_creates_the_three_roles_with_the_given_password(self, db, settings, monkeypatch):
        settings.DEBUG = True
        monkeypatch.setenv("DEMO_PASSWORD", "démo-mot-de-passe")
        call_command("create_demo_users")
        users = {user.username: user for user in get_user_model().objects.all()}
        assert set(users) == {"admin", "editor", "viewer"}
        assert users["admin"].is_superuser and users["admin"].is_staff
        assert list(users["editor"].groups.values_list("name", flat=True)) == [roles.EDITORS]
        assert list(users["viewer"].groups.values_list("name", flat=True)) == [roles.VIEWERS]
        assert not users["viewer"].is_staff
        assert all(user.check_password("démo-mot-de-passe") for user in users.values())

    def test_random_password_is_printed_and_kept_on_a_second_run(
        self, db, settings, monkeypatch, capsys
    ):
        settings.DEBUG = True
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
        call_command("create_demo_users")
        password = capsys.readouterr().out.rsplit(": ", 1)[1].strip()
        call_command("create_demo_users")
        assert "Passwords unchanged" in capsys.readouterr().out
        assert get_user_model().objects.get(username="editor").check_password(password)
        assert get_user_model().objects.count() == 3
