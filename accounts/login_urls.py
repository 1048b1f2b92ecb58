"""Log in and out, under /accounts/ without a namespace (Django's ``LOGIN_URL = "login"``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .login import LoginForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
