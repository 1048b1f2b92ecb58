"""Two-factor authentication pages, under /accounts/two-factor/ (any logged-in user)."""

from django.urls import path

from . import two_factor

app_name = "two_factor"

urlpatterns = [
    path("", two_factor.setup, name="setup"),
    path("verify/", two_factor.verify, name="verify"),
    path("disable/", two_factor.disable, name="disable"),
    path("recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
]
