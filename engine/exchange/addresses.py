"""Where szcg may send a webhook: http(s) URLs whose host resolves to public addresses only.

A subscription is a URL an administrator types, and the scheduler then makes requests from inside
the city's network: without this check a subscription could reach the database server, a cloud
metadata endpoint or a router's admin page (SSRF). Loopback, private, link-local, multicast and
reserved addresses are refused unless ``webhook_allow_private_addresses`` says otherwise (a
receiver inside a closed city network). Checked when a subscription is saved and again before
every delivery, since a name can resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from engine.errors import Invalid


def check_url(url: str, *, allow_private: bool, resolve: bool = True) -> str:
    """The URL if szcg may post to it.

    :raises Invalid: (on ``url``) not http(s), no host, credentials in it, or a private address.
    """
    if not isinstance(url, str) or len(url) > 500:
        raise Invalid("'url' must be an http(s) URL of at most 500 characters", fields={"url": "invalid"})
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("'url' must be an http:// or https:// URL with a host", fields={"url": "invalid"})
    if parts.username or parts.password:
        raise Invalid("'url' must not carry a user name or password", fields={"url": "credentials in URL"})
    try:
        port = parts.port
    except ValueError:
        raise Invalid("'url' has an invalid port", fields={"url": "invalid port"}) from None
    if resolve and not allow_private:
        for address in _addresses(parts.hostname, port or (443 if parts.scheme == "https" else 80)):
            if not address.is_global or address.is_multicast:
                raise Invalid(f"'url' resolves to {address}, a private or loopback address; szcg does not post "
                              "there unless webhook_allow_private_addresses is set",
                              fields={"url": "private address"})
    return url.strip()


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in socket.getaddrinfo(host, port)]
    except (socket.gaierror, UnicodeError, ValueError):
        raise Invalid(f"'url': the host '{host}' does not resolve", fields={"url": "host does not resolve"}) from None
