"""Writes on accounts that touch more than one row."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from . import roles
from .models import User, UserSession
from .tokens import invitation_tokens

security_log = logging.getLogger("vigie.security")


@transaction.atomic
def users_deactivate(*, users: Iterable[User], by: User | None = None) -> int:
    """Deactivate ``users`` and end every session they have open, in two statements.

    Returns how many sessions were ended. An inactive user is already refused at login and on
    every request (``ModelBackend.get_user`` returns nobody for an inactive account), but
    deleting the sessions also drops what they hold (an OTP verification) and leaves no
    session that a later reactivation would revive.
    """
    user_ids = [user.pk for user in users]
    usernames = sorted(
        User.objects.filter(pk__in=user_ids).values_list(User.USERNAME_FIELD, flat=True)
    )
    User.objects.filter(pk__in=user_ids).update(is_active=False)
    ended, _per_model = UserSession.objects.filter(user_id__in=user_ids).delete()
    security_log.info(
        "users deactivated: usernames=%r by=%r sessions_ended=%d",
        usernames,
        by.get_username() if by else None,
        ended,
    )
    return ended


def user_deactivate(*, user: User, by: User | None = None) -> int:
    """Deactivate one user and end their sessions; returns how many sessions were ended."""
    ended = users_deactivate(users=[user], by=by)
    user.is_active = False
    return ended


def user_invite(
    *,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    by: User,
    client_ip: str = "-",
) -> User:
    """Create the account of a new member of staff and e-mail them a one-time link to set their
    password; all or nothing (if the e-mail cannot be sent, no account is left behind).

    The username is the e-mail address; the account has no usable password until the link is
    used. ``role`` is one of ``roles.ROLE_LABELS``; an administrator also gets ``is_staff``
    (the admin site). Raises ``ValidationError`` if the address is taken or the role unknown.
    """
    email = User.objects.normalize_email(email.strip())
    if role not in roles.ROLE_LABELS:
        raise ValidationError({"role": _("Choose one of the roles.")}, code="invalid_role")
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError(
            {"email": _("Someone already has an account with this e-mail address.")},
            code="taken",
        )
    with transaction.atomic():
        user = User(
            username=email,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            is_staff=role == roles.ADMINISTRATORS,
            language=by.language or settings.LANGUAGE_CODE,
        )
        user.set_unusable_password()
        user.save()
        user.groups.set(Group.objects.filter(name=role))
        link = settings.SITE_URL + reverse(
            "accounts:invitation_accept",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": invitation_tokens.make_token(user),
            },
        )
        context = {
            "user": user,
            "by": by,
            "link": link,
            "role": roles.ROLE_LABELS[role],
            "days": settings.INVITATION_TIMEOUT // 86400,
            "site_url": settings.SITE_URL,
        }
        with translation.override(user.language):
            subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
            body = render_to_string("accounts/email/invitation.txt", context)
        try:
            send_mail(subject, body, None, [email])
        except OSError as error:  # smtplib's errors included: nothing is kept
            security_log.exception("invitation e-mail not sent: email=%r", email)
            raise ValidationError(
                _(
                    "The invitation e-mail could not be sent, so no account was created. "
                    "Try again later."
                ),
                code="not_sent",
            ) from error
    security_log.info(
        "user invited: username=%r role=%s by=%r ip=%s", email, role, by.get_username(), client_ip
    )
    return user


@transaction.atomic
def recovery_codes_replace(*, user: User, client_ip: str = "-") -> list[str]:
    """Give ``user`` a new set of ``OTP_RECOVERY_CODES`` recovery codes, and return them (they
    are shown once). Any previous code stops working. Each code logs in once, in place of a
    code from the authenticator app (django-otp's static device deletes a code when used)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    security_log.info(
        "two-factor recovery codes %s: username=%r count=%d ip=%s",
        "generated" if _created else "regenerated",
        user.get_username(),
        len(codes),
        client_ip,
    )
    return codes
