"""Whose address a request comes from: the one rule for every limit, throttle and log.

``X-Forwarded-For`` is whatever the client chose to send, plus one address appended by each
proxy it passed through. Only the part appended by *our* proxies can be believed, so the
header is read from the right, and only while the hop that wrote it is a trusted proxy
(``settings.HOMESLOT_TRUSTED_PROXIES``: addresses or CIDR networks, empty by default). With
no proxy configured the header is ignored and the peer of the connection is the client.
"""

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in configured)


def parse_trusted_proxies(raw: str) -> list[str]:
    """``HOMESLOT_TRUSTED_PROXIES`` as settings hold it; a typo fails at start-up, not at the first request."""
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    for entry in entries:
        ipaddress.ip_network(entry, strict=False)  # ValueError names the entry
    return entries


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # "::ffff:10.0.0.1" is 10.0.0.1
    return mapped or address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def address_from(peer: str | None, forwarded_for: list[str]) -> str:
    """The client's address, given the connection's peer and the ``X-Forwarded-For`` values as sent
    (several headers are several values, in order). ``""`` when the peer itself is unknown."""
    networks = _networks(tuple(settings.HOMESLOT_TRUSTED_PROXIES))
    client = _address(peer or "")
    if client is None:
        return ""
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    while hops and _trusted(client, networks):
        hop = _address(hops.pop())
        if hop is None:  # our proxy wrote something that is not an address: believe nothing further left
            break
        client = hop
    return str(client)


def client_address(request) -> str:
    """The address of the client behind ``request`` (a Django or DRF request)."""
    meta = request.META
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    return address_from(meta.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def scope_client_address(scope: dict) -> str:
    """The same for an ASGI scope (WebSocket, the claim fast path)."""
    peer = (scope.get("client") or (None,))[0]
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"]
    return address_from(peer, forwarded)
