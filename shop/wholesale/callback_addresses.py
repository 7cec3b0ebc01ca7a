"""Where wholesale callbacks may go: the SSRF guard for clients' callback URLs.

Where callbacks may go (`callback_url_check`): HTTPS URLs whose host resolves only to
globally reachable unicast addresses (`address_refusal`: the IANA special-purpose
registries, written out, and `ipaddress.is_global`). Loopback, private, unique- and
site-local, link-local, multicast, reserved, unspecified, shared (100.64/10), benchmarking,
documentation and cloud metadata addresses are refused, and IPv4-mapped, NAT64, 6to4 and
Teredo IPv6 forms of them too, at registration and again before every attempt. Delivery connects to
the very address that was checked (the URL's host goes in the Host header and the TLS SNI,
and the certificate is verified against it), so a name that resolves differently between
the check and the connection (DNS rebinding) cannot steer a callback inside.

`WHOLESALE_CALLBACKS_ALLOW_LOOPBACK` (tests only) lets callbacks reach loopback addresses,
and plain http:// to loopback, so tests can run a receiver on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings

URL_MAX_LENGTH = 500

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: reaches the IPv4 in its low bits
GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")  # everything else is special-purpose


def _networks(*pairs: tuple[str, str]) -> tuple[tuple[ipaddress._BaseNetwork, str], ...]:
    return tuple((ipaddress.ip_network(net), why) for net, why in pairs)


# Not globally reachable, from the IANA special-purpose registries, written out rather than
# left to `ipaddress`: its answers change between Python versions (3.11 says fec0::/10,
# multicast and 3fff::/20 are global). A callback may go only to an address outside every
# one of these that `ipaddress` also calls global.
NON_GLOBAL_V4 = _networks(
    ("0.0.0.0/8", "a 'this network' address"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "an IETF protocol assignment"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),  # 255.255.255.255 (broadcast) included
)
NON_GLOBAL_V6 = _networks(
    ("::1/128", "a loopback address"),
    ("::/128", "the unspecified address"),
    ("::/96", "an IPv4-compatible address"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("100::/64", "a discard-only address"),
    ("2001::/32", "a Teredo address"),
    ("2001::/23", "an IETF protocol assignment"),
    ("2001:db8::/32", "a documentation address"),
    ("2002::/16", "a 6to4 address"),  # deprecated (RFC 7526); not globally reachable
    ("3fff::/20", "a documentation address"),
    ("5f00::/16", "an SRv6 segment identifier"),
    ("fc00::/7", "a unique-local (private) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class CallbackUrlRefused(ValueError):
    """A callback URL that is not HTTPS, or resolves to a loopback, private, link-local or
    metadata address; `str(error)` says which."""


@dataclass(frozen=True)
class CallbackTarget:
    """A checked callback URL: where to connect (`address`, checked) and what to ask for."""

    url: str  # normalised
    scheme: str
    host: str  # lower-case ASCII name (IDNA) or IP literal, no brackets
    port: int
    path: str  # path and query, at least "/"
    address: IPAddress  # the address to connect to: one of the checked ones
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        ip = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{ip}:{self.port}{self.path}"


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "WHOLESALE_CALLBACKS_ALLOW_LOOPBACK", False))


def _embedded(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), else itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def _special(ip: IPAddress) -> str | None:
    """Why `ip` itself (embedded addresses aside) is not globally reachable, or None."""
    table = NON_GLOBAL_V4 if ip.version == 4 else NON_GLOBAL_V6
    for network, why in table:
        if ip in network:
            return why
    if ip.version == 6 and ip not in GLOBAL_UNICAST_V6:
        return "not a global unicast address"
    if not ip.is_global:
        return "not a public address"
    return None


def address_refusal(ip: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why callbacks may not go to `ip` ("a private address", ...), or None when they may.

    Only globally reachable unicast addresses pass. An IPv6 address that carries an IPv4
    one (IPv4-mapped ::ffff:0:0/96 and NAT64 64:ff9b::/96, which reach it) is judged by
    that IPv4 address; 6to4 (2002::/16) and Teredo (2001::/32) are refused whole (the
    reason names the embedded IPv4 address's class when 6to4 carries a special one).
    Loopback, in any spelling, passes when `allow_loopback` (tests)."""
    inner = _embedded(ip)
    if inner in METADATA_ADDRESSES or ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if inner.is_loopback:
        return None if allow_loopback else "a loopback address"
    if inner.is_unspecified:
        return "the unspecified address"
    if inner is not ip:
        reason = _special(inner)
        if reason is not None:
            return reason
        if ip.ipv4_mapped is not None or ip in NAT64:
            return None  # these are the IPv4 address itself
    return _special(ip)


def _host(raw: str) -> tuple[str, IPAddress | None]:
    """The URL's host as lower-case ASCII, and its address when it is an IP literal."""
    try:
        ip = ipaddress.ip_address(raw.split("%", 1)[0] if ":" in raw else raw)
    except ValueError:
        ip = None
    if ip is not None:
        if "%" in raw:
            raise CallbackUrlRefused("The callback URL's host has a zone id: give a public host.")
        return str(ip), ip
    try:
        name = raw.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        raise CallbackUrlRefused("The callback URL's host is not a valid host name.") from None
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise CallbackUrlRefused("The callback URL's host is not a valid host name.")
    if _NUMERIC_LABEL.match(labels[-1]):  # 127.1, 0x7f.1, 2130706433: IPv4 in disguise
        raise CallbackUrlRefused("The callback URL's host is an IP address in a non-standard form.")
    return name, None


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise CallbackUrlRefused(f"The callback URL's host {host} does not resolve.") from exc
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        try:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise CallbackUrlRefused(f"The callback URL's host {host} does not resolve.")
    return tuple(addresses)


def callback_target(url: str) -> CallbackTarget:
    """Check `url` (see `callback_url_check`) and say where to connect: the host is resolved
    once here, and every address it resolves to must pass."""
    if not isinstance(url, str):
        raise CallbackUrlRefused("The callback URL must be text.")
    url = url.strip()
    if not url:
        raise CallbackUrlRefused("Give a callback URL.")
    if len(url) > URL_MAX_LENGTH:
        raise CallbackUrlRefused(f"The callback URL is longer than {URL_MAX_LENGTH} characters.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise CallbackUrlRefused("The callback URL has spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
        raw_host = parts.hostname
    except ValueError:
        raise CallbackUrlRefused("The callback URL is not a valid URL.") from None
    scheme = parts.scheme.lower()
    allow_loopback = _loopback_allowed()
    if scheme != "https" and not (scheme == "http" and allow_loopback):
        raise CallbackUrlRefused("The callback URL must be an https:// URL.")
    if "@" in parts.netloc:
        raise CallbackUrlRefused("The callback URL must not hold a user name or password.")
    if not raw_host:
        raise CallbackUrlRefused("The callback URL has no host.")
    if port == 0:
        raise CallbackUrlRefused("The callback URL's port must be 1 to 65535.")
    host, literal = _host(raw_host)
    port = port or (443 if scheme == "https" else 80)
    addresses = (literal,) if literal is not None else _resolve(host, port)
    for ip in addresses:
        reason = address_refusal(ip, allow_loopback=allow_loopback)
        if reason:
            shown = raw_host if literal is not None else f"{host} resolves to {ip}, which"
            raise CallbackUrlRefused(f"The callback URL's host {shown} is {reason}.")
    if scheme != "https" and not all(_embedded(ip).is_loopback for ip in addresses):
        raise CallbackUrlRefused("The callback URL must be https:// (http:// to loopback only).")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    shown_host = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    netloc = shown_host if port == default else f"{shown_host}:{port}"
    normalised = urlunsplit((scheme, netloc, path, query, ""))
    if len(normalised) > URL_MAX_LENGTH:
        raise CallbackUrlRefused(f"The callback URL is longer than {URL_MAX_LENGTH} characters.")
    return CallbackTarget(
        url=normalised,
        scheme=scheme,
        host=host,
        port=port,
        path=path + (f"?{query}" if query else ""),
        address=addresses[0],
        addresses=addresses,
    )


def callback_url_check(url: str) -> str:
    """`url`, normalised, when callbacks may go there; raises CallbackUrlRefused.

    Only https:// (plain http:// to loopback when loopback is allowed), no user name or
    password, at most 500 characters, a host name or IP literal and an optional port. A
    name is resolved (every address) and refused when any address is loopback, private,
    link-local, multicast, reserved, unspecified, shared (100.64/10) or a cloud metadata
    address, or when it does not resolve. The fragment is dropped."""
    return callback_target(url).url
