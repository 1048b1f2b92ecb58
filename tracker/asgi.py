"""ASGI entry point. Refuses to start without a secret key in production."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

application = get_asgi_application()

from tracker.startup import refuse_insecure_start  # noqa: E402  (needs the settings loaded)

refuse_insecure_start()
