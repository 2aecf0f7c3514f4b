"""Where a webhook may be sent: an https URL of a public host, checked when it is registered and again,
resolved, when each request leaves (a name that resolved to a public address yesterday may point into
this network today). The worker connects to the address it checked, never resolving twice.

``settings.HOMESLOT_WEBHOOKS_ALLOW_LOOPBACK`` (tests, demos) also allows http and https to this machine:
127.0.0.0/8, ::1 and ``localhost``. Nothing else private, link-local, reserved or multicast, ever.
"""

import ipaddress
import socket
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext as _

from integrations.errors import InvalidWebhookUrl

MAX_URL_LENGTH = 500
_LOOPBACK_NAMES = ("localhost", "localhost.")


class TargetRefused(Exception):
    """The URL's host resolves to an address the worker must not call (or to none)."""


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "HOMESLOT_WEBHOOKS_ALLOW_LOOPBACK", False))


def _is_loopback_name(host: str) -> bool:
    return host in _LOOPBACK_NAMES or host.endswith((".localhost", ".localhost."))


def address_allowed(address: str) -> bool:
    """A public unicast address; a loopback one too when the setting allows it."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return _loopback_allowed()
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> str:
    """``url`` if a webhook may be registered for it; ``InvalidWebhookUrl`` saying why otherwise."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidWebhookUrl(_("Please give the full address, e.g. https://example.com/hooks/homeslot."))
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidWebhookUrl(_("This address cannot be read as a URL.")) from None
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidWebhookUrl(_("Please give the full address, e.g. https://example.com/hooks/homeslot."))
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrl(_("The address may not carry a user name or password."))
    if parts.fragment:
        raise InvalidWebhookUrl(_("The address may not end in a #fragment."))
    if port == 0:
        raise InvalidWebhookUrl(_("The address has no valid port."))
    loopback = _is_loopback_name(host) or _is_loopback_literal(host)
    if loopback and not _loopback_allowed():
        raise InvalidWebhookUrl(_("Webhooks cannot be sent to this machine (localhost)."))
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidWebhookUrl(_("The address must start with https://."))
    if _is_literal(host) and not address_allowed(host):
        raise InvalidWebhookUrl(_("Webhooks can only be sent to public addresses, not to %(host)s.") % {"host": host})
    return url


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback_literal(host: str) -> bool:
    return _is_literal(host) and ipaddress.ip_address(host).is_loopback


def resolve(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, address)`` for a request to ``url`` now: the first address its host
    resolves to, if every one it resolves to is allowed; ``TargetRefused`` otherwise."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if _is_loopback_name(host):
        if not _loopback_allowed():
            raise TargetRefused(f"{host} is this machine")
        return parts.scheme, host, port, "127.0.0.1"
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    refused = [address for address in addresses if not address_allowed(address)]
    if not addresses or refused:
        raise TargetRefused(f"{host} resolves to {', '.join(refused) or 'nothing'}, not a public address")
    if parts.scheme != "https" and not all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses):
        raise TargetRefused("plain http only to this machine")
    return parts.scheme, host, port, addresses[0]
