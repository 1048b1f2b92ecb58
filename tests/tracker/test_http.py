"""HTTP helpers shared by the apps (``tracker/http.py``)."""

import pytest
from django.test import RequestFactory

from tracker.http import safe_next

DEFAULT = "/default/"


@pytest.fixture
def rf():
    return RequestFactory()


class TestSafeNext:
    @pytest.mark.parametrize(
        "target", ["/commitments/?status=late", "/alerts/", "http://testserver/x/"]
    )
    def test_a_target_on_this_site_is_followed(self, rf, target):
        assert safe_next(rf.post("/", {"next": target}), DEFAULT) == target

    @pytest.mark.parametrize(
        "target",
        [
            "https://evil.example/",
            "//evil.example/",
            "http://evil.example/alerts/",
            "javascript:alert(1)",
            "///evil.example/",
            "http:\\\\evil.example",
        ],
    )
    def test_a_target_elsewhere_gives_the_default(self, rf, target):
        assert safe_next(rf.post("/", {"next": target}), DEFAULT) == DEFAULT
        assert safe_next(rf.get("/", {"next": target}), DEFAULT) == DEFAULT

    def test_missing_or_empty_gives_the_default(self, rf):
        assert safe_next(rf.post("/"), DEFAULT) == DEFAULT
        assert safe_next(rf.post("/", {"next": ""}), DEFAULT) == DEFAULT

    def test_the_query_string_is_read_when_the_form_has_none(self, rf):
        assert safe_next(rf.get("/", {"next": "/alerts/"}), DEFAULT) == "/alerts/"
        assert safe_next(rf.post("/?next=/alerts/"), DEFAULT) == "/alerts/"

    def test_the_form_wins_over_the_query_string(self, rf):
        request = rf.post("/?next=/from-query/", {"next": "/from-form/"})
        assert safe_next(request, DEFAULT) == "/from-form/"

    def test_an_https_page_never_sends_back_to_plain_http(self, rf):
        secure = rf.post("/", {"next": "http://testserver/x/"}, secure=True)
        assert safe_next(secure, DEFAULT) == DEFAULT
        secure = rf.post("/", {"next": "https://testserver/x/"}, secure=True)
        assert safe_next(secure, DEFAULT) == "https://testserver/x/"
