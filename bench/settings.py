"""The production settings, plus the bench-only ceiling page (``bench.urls``).

Used only by the benchmark's processes (``DJANGO_SETTINGS_MODULE=bench.settings``): the
ceiling page never exists under ``tracker.settings``.
"""

from tracker.settings import *  # noqa: F403
from tracker.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
