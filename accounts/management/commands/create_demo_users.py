import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import roles

DEMO_ACCOUNTS = (
    # username, group, is superuser
    ("admin", roles.ADMINISTRATORS, True),
    ("editor", roles.EDITORS, False),
    ("viewer", roles.VIEWERS, False),
)


class Command(BaseCommand):
    help = (
        "Create the demo accounts admin, editor and viewer (development only: refused when "
        "DEBUG is off). The password is DEMO_PASSWORD from the environment if set, else a "
        "random one, printed once. Existing accounts keep their password unless "
        "--password or DEMO_PASSWORD is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for the three accounts.")

    @transaction.atomic
    def handle(self, *args, password: str | None = None, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo accounts are for development only and are never created under "
                "production settings (DEBUG is off)."
            )
        password = password or os.environ.get("DEMO_PASSWORD") or None
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        roles.ensure_groups()
        User = get_user_model()
        shown = False
        for username, group_name, is_superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "language": "fr"},
            )
            user.is_staff = is_superuser
            user.is_superuser = is_superuser
            if created or not generated:
                user.set_password(password)
                shown = True
            user.save()
            user.groups.set([Group.objects.get(name=group_name)])
            state = "created" if created else "already there"
            self.stdout.write(f"demo account {username!r} ({group_name}): {state}")
        if shown:
            self.stdout.write(
                self.style.WARNING(f"Demo password for admin, editor and viewer: {password}")
            )
        else:
            self.stdout.write(
                "Passwords unchanged. To reset them: DEMO_PASSWORD=... make run "
                "(or manage.py create_demo_users --password ...)."
            )
