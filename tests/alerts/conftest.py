import pytest

from accounts import roles

from ..factories import UserFactory


@pytest.fixture
def owner():
    return UserFactory(username="owner", groups=[roles.EDITORS])


@pytest.fixture
def lead_days(settings):
    settings.ALERT_LEAD_DAYS = (30, 7)
    return settings.ALERT_LEAD_DAYS
