"""HTTP helpers shared by the apps (``tracker/http.py``)."""

import pytest
from django.test import RequestFactory

from tracker.http import client_ip, safe_next

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


def request_from(rf, remote_addr="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


class TestClientIp:
    def test_without_a_proxy_the_header_is_ignored(self, rf, settings):
        settings.NUM_PROXIES = 0
        assert client_ip(request_from(rf, "203.0.113.10", "6.6.6.6")) == "203.0.113.10"

    @pytest.mark.parametrize(
        ("forwarded", "expected"),
        [
            ("203.0.113.10", "203.0.113.10"),  # what nginx sends for an honest client
            ("6.6.6.6, 203.0.113.10", "203.0.113.10"),  # a forged entry, then nginx's
            ("6.6.6.6,7.7.7.7,  10.0.0.5 ", "10.0.0.5"),
            ("2001:db8::1", "2001:db8::1"),
            ("6.6.6.6, 2001:DB8:0::1", "2001:db8::1"),
        ],
    )
    def test_behind_one_proxy_the_right_most_entry(self, rf, settings, forwarded, expected):
        settings.NUM_PROXIES = 1
        assert client_ip(request_from(rf, forwarded=forwarded)) == expected

    def test_behind_two_proxies_the_second_entry_from_the_right(self, rf, settings):
        settings.NUM_PROXIES = 2
        request = request_from(rf, forwarded="6.6.6.6, 203.0.113.10, 10.0.0.2")
        assert client_ip(request) == "203.0.113.10"

    def test_fewer_entries_than_proxies_give_the_left_most(self, rf, settings):
        settings.NUM_PROXIES = 2
        assert client_ip(request_from(rf, forwarded="203.0.113.10")) == "203.0.113.10"

    def test_without_the_header_behind_a_proxy_the_peer_address(self, rf, settings):
        settings.NUM_PROXIES = 1
        assert client_ip(request_from(rf, "127.0.0.1")) == "127.0.0.1"

    @pytest.mark.parametrize("forwarded", ["6.6.6.6, not-an-address", "6.6.6.6,", "1.2.3.4:80"])
    def test_no_valid_address_gives_none(self, rf, settings, forwarded):
        settings.NUM_PROXIES = 1
        assert client_ip(request_from(rf, forwarded=forwarded)) is None

    def test_a_huge_header_is_read_from_the_right_only(self, rf, settings):
        settings.NUM_PROXIES = 1
        forwarded = ", ".join(["6.6.6.6"] * 200_000 + ["203.0.113.10"])
        assert client_ip(request_from(rf, forwarded=forwarded)) == "203.0.113.10"

    def test_no_request_gives_none(self):
        assert client_ip(None) is None

    def test_it_is_the_address_django_axes_uses(self, rf, settings):
        from axes.helpers import get_client_ip_address

        settings.NUM_PROXIES = 1
        request = request_from(rf, forwarded="6.6.6.6, 203.0.113.10")
        assert get_client_ip_address(request) == "203.0.113.10"
