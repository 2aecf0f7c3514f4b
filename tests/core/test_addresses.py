"""core.addresses: X-Forwarded-For is read from the right, and only as far as our proxies wrote it."""

import pytest

from core.addresses import address_from, parse_trusted_proxies, scope_client_address

PROXIES = ["10.1.2.0/24", "2001:db8:ffff::1"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("198.51.100.20", [], "198.51.100.20"),  # no header
        ("198.51.100.20", ["203.0.113.7"], "198.51.100.20"),  # not from a proxy: ignored
        ("10.1.2.3", [], "10.1.2.3"),  # a proxy speaking for itself
        ("10.1.2.3", ["203.0.113.7"], "203.0.113.7"),
        ("10.1.2.3", ["192.0.2.1, 203.0.113.7"], "203.0.113.7"),  # what the client wrote itself is left of it
        ("10.1.2.3", ["192.0.2.1, 203.0.113.7, 10.1.2.9"], "203.0.113.7"),  # two of our proxies
        ("10.1.2.3", ["192.0.2.1", "203.0.113.7"], "203.0.113.7"),  # two headers are one list, in order
        ("10.1.2.3", ["10.1.2.8, 10.1.2.9"], "10.1.2.8"),  # only proxies: the farthest one
        ("10.1.2.3", ["192.0.2.1, not-an-address"], "10.1.2.3"),  # nothing believable beyond our proxy
        ("10.1.2.3", [" 203.0.113.7 "], "203.0.113.7"),
        ("2001:db8:ffff::1", ["2001:db8:1::5"], "2001:db8:1::5"),
        ("2001:db8:ffff::1", ["[2001:db8:1::5]:4711"], "2001:db8:1::5"),
        ("::ffff:10.1.2.3", ["203.0.113.7"], "203.0.113.7"),  # IPv4 mapped into IPv6 is the same proxy
        ("2001:db8:ffff::2", ["203.0.113.7"], "2001:db8:ffff::2"),  # a neighbour of the proxy is not trusted
        (None, ["203.0.113.7"], ""),
    ],
)
def test_the_client_is_the_first_hop_from_the_right_that_is_not_our_proxy(settings, peer, forwarded_for, client):
    settings.HOMESLOT_TRUSTED_PROXIES = PROXIES

    assert address_from(peer, forwarded_for) == client


def test_without_configured_proxies_the_header_is_never_read(settings):
    settings.HOMESLOT_TRUSTED_PROXIES = []

    assert address_from("10.1.2.3", ["203.0.113.7"]) == "10.1.2.3"


def test_an_asgi_scope_reads_the_same_way(settings):
    settings.HOMESLOT_TRUSTED_PROXIES = PROXIES
    scope = {
        "client": ("10.1.2.3", 40000),
        "headers": [(b"host", b"x"), (b"x-forwarded-for", b"192.0.2.1"), (b"x-forwarded-for", b"203.0.113.7")],
    }

    assert scope_client_address(scope) == "203.0.113.7"
    assert scope_client_address({"headers": []}) == ""


def test_the_setting_is_checked_when_it_is_read():
    assert parse_trusted_proxies(" 10.0.0.1, 10.1.0.0/16 ,, ::1") == ["10.0.0.1", "10.1.0.0/16", "::1"]
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        parse_trusted_proxies("10.0.0.1,10.0.0.300")
