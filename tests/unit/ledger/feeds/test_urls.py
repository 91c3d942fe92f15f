"""Subscriber URL rules: http(s) only, no internal addresses outside the local profile."""

from __future__ import annotations

import pytest

from quanhub.ledger.feeds.errors import InvalidSubscriberUrl
from quanhub.ledger.feeds.urls import check_url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://user:pw@example.com/hook",
        "https:///nohost",
        "https://example.com:99999/hook",
        "https://example.com/" + "a" * 3000,
    ],
)
def test_refused_everywhere(url: str) -> None:
    with pytest.raises(InvalidSubscriberUrl):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
    ],
)
def test_internal_addresses_refused_outside_local(url: str) -> None:
    with pytest.raises(InvalidSubscriberUrl):
        check_url(url, allow_private=False)
    assert check_url(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://hooks.example.com/quanhub", "hooks.example.com"),
        ("http://8.8.8.8:8443/x", "8.8.8.8"),
    ],
)
def test_public_urls_accepted(url: str, host: str) -> None:
    assert check_url(url, allow_private=False) == host
