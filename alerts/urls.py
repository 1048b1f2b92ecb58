from django.urls import path

from . import feeds, views

app_name = "alerts"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("watch/<int:pk>/", views.watch, name="watch"),
    path("watch/<int:pk>/remove/", views.unwatch, name="unwatch"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    # <slug:> is the token's alphabet (secrets.token_urlsafe): anything else, a NUL among
    # them, is a 404 before the database is asked.
    path("calendar/<slug:token>.ics", feeds.calendar_feed, name="calendar_feed"),
]
