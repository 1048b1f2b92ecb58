"""The user's own profile page: who they are, their role, their password and two-factor
authentication (links to their pages), and their API token.

Who may use it: any logged-in user, for their own account only (``login_required``; there is
no way to name another user). Token changes are POSTs protected by CSRF.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from tracker.http import client_ip

from . import roles
from .forms import ApiTokenForm

KEY_PREFIX_SHOWN = 6


def _context(request, *, form=None, new_key: str | None = None) -> dict:
    user = request.user
    token = Token.objects.filter(user=user).first()
    group_names = set(user.groups.values_list("name", flat=True))
    return {
        "profile_user": user,
        "roles": [label for name, label in roles.ROLE_LABELS.items() if name in group_names],
        "two_factor_on": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "codes_left": StaticToken.objects.filter(device__user=user).count(),
        "may_invite": roles.may_invite(user),
        "token": token,
        "token_prefix": token.key[:KEY_PREFIX_SHOWN] if token else "",
        "new_key": new_key,
        "form": form or ApiTokenForm(user=user),
        "generate": ApiTokenForm.GENERATE,
        "revoke": ApiTokenForm.REVOKE,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request):
    """GET shows the profile. POST ``action=generate`` creates (or replaces) the token and
    shows its key this once; POST ``action=revoke`` deletes it."""
    if request.method == "POST":
        form = ApiTokenForm(request.POST, user=request.user)
        if not form.is_valid():
            return render(
                request, "accounts/profile.html", _context(request, form=form), status=400
            )
        token = form.save(client_ip=client_ip(request) or "-")
        if token is None:
            messages.success(request, _("Your API token was revoked: it no longer works."))
            return redirect("accounts:profile")
        # The key is shown in this response only, never stored in a message or the session.
        return render(request, "accounts/profile.html", _context(request, new_key=token.key))
    return render(request, "accounts/profile.html", _context(request))
