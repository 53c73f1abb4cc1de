"""The Kubernetes CEL libraries of typed values: quantity, URL, IP and CIDR.

Kubernetes gives CRD rules ``quantity('500m').isLessThan(...)``,
``url(self.endpoint).getScheme()``, ``cidr(self.range).containsIP(...)`` and
their ``isQuantity``/``isURL``/``isIP``/``isCIDR`` checks. The CEL package
takes functions as Python callables but only CEL values as results, so each
typed value travels as a one-key map holding its canonical text (``{"@quantity":
"1/2"}``): equal values compare equal with ``==``, as the Kubernetes types do,
and each function below turns the map back into the value. Errors raise
``ValueError`` with the libraries' words; the rule then fails with them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vela_emulator import quantity

_QUANTITY, _URL, _IP, _CIDR = "@quantity", "@url", "@ip", "@cidr"
_INT64 = 1 << 63
IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def _tagged(value: Any, tag: str) -> str | None:
    if isinstance(value, dict) and len(value) == 1 and tag in value:
        return str(value[tag])
    return None


# ----- quantity ---------------------------------------------------------------------------


def _to_quantity(text: Any) -> dict[str, str]:
    if not isinstance(text, str):
        raise TypeError("quantity() takes a string")
    try:
        value = quantity.parse(text)
    except quantity.QuantityError as exc:
        raise ValueError(str(exc)) from None
    return {_QUANTITY: str(value)}


def _fraction(value: Any) -> Fraction:
    text = _tagged(value, _QUANTITY)
    if text is not None:
        return Fraction(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    raise TypeError("no such overload: expected a Quantity")


def _is_quantity(text: Any) -> bool:
    return isinstance(text, str) and quantity.error(text) is None


def _is_integer(value: Any) -> bool:
    number = _fraction(value)
    return number.denominator == 1 and -_INT64 <= number < _INT64


def _as_integer(value: Any) -> int:
    if not _is_integer(value):
        raise ValueError("cannot convert value to integer")
    return int(_fraction(value))


def _sign(value: Any) -> int:
    number = _fraction(value)
    return (number > 0) - (number < 0)


def _compare(a: Any, b: Any) -> int:
    left, right = _fraction(a), _fraction(b)
    return (left > right) - (left < right)


QUANTITY: dict[str, Callable[..., Any]] = {
    "quantity": _to_quantity,
    "isQuantity": _is_quantity,
    "sign": _sign,
    "isInteger": _is_integer,
    "asInteger": _as_integer,
    "asApproximateFloat": lambda value: float(_fraction(value)),
    "add": lambda a, b: {_QUANTITY: str(_fraction(a) + _fraction(b))},
    "sub": lambda a, b: {_QUANTITY: str(_fraction(a) - _fraction(b))},
    "compareTo": _compare,
    "isLessThan": lambda a, b: _compare(a, b) < 0,
    "isGreaterThan": lambda a, b: _compare(a, b) > 0,
}


# ----- URL ----------------------------------------------------------------------------------


def _parse_url(text: Any) -> Any:
    """Go's ``url.ParseRequestURI``: an absolute URI or an absolute path, no fragment."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"URL parse error during conversion from string: {text!r}")
    parts = urlsplit(text)
    absolute = bool(parts.scheme) and (bool(parts.netloc) or parts.path.startswith("/"))
    if not (absolute or text.startswith("/")) or " " in text:
        raise ValueError(
            f'URL parse error during conversion from string: parse "{text}": invalid URI for request'
        )
    return parts


def _url(value: Any) -> Any:
    text = _tagged(value, _URL)
    if text is None:
        raise TypeError("no such overload: expected a URL")
    return urlsplit(text)


def _to_url(text: Any) -> dict[str, str]:
    _parse_url(text)
    return {_URL: str(text)}


def _is_url(text: Any) -> bool:
    try:
        _parse_url(text)
    except ValueError:
        return False
    return True


def _host(value: Any) -> str:
    netloc = str(_url(value).netloc)
    return netloc.rpartition("@")[2]


def _hostname(value: Any) -> str:
    host = _host(value)
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host
    return host.partition(":")[0]


def _port(value: Any) -> str:
    host = _host(value)
    rest = host[host.index("]") + 1 :] if host.startswith("[") and "]" in host else host
    return rest.partition(":")[2]


URL: dict[str, Callable[..., Any]] = {
    "url": _to_url,
    "isURL": _is_url,
    "getScheme": lambda value: _url(value).scheme,
    "getHost": _host,
    "getHostname": _hostname,
    "getPort": _port,
    "getEscapedPath": lambda value: _url(value).path,
    "getQuery": lambda value: parse_qs(_url(value).query, keep_blank_values=True),
}


# ----- IP and CIDR --------------------------------------------------------------------------


def _parse_ip(text: Any) -> IP:
    """``netip.ParseAddr`` as the Kubernetes library takes it: no zones, no IPv4 in IPv6."""
    if not isinstance(text, str) or "%" in text:
        raise ValueError(f"IP Address {text!r} parse error during conversion from string")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"IP Address {text!r} parse error during conversion from string") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise ValueError(f"IPv4-mapped IPv6 address {text!r} is not allowed")
    return address


def _parse_cidr(text: Any) -> Network:
    if not isinstance(text, str) or "/" not in text:
        raise ValueError(f"network address {text!r} parse error during conversion from string")
    address, _, prefix = text.partition("/")
    _parse_ip(address)
    try:
        return ipaddress.ip_interface(f"{address}/{int(prefix)}")
    except ValueError:
        raise ValueError(
            f"network address {text!r} parse error during conversion from string"
        ) from None


def _ip_of(value: Any) -> IP:
    text = _tagged(value, _IP)
    if text is not None:
        return ipaddress.ip_address(text)
    if isinstance(value, str):
        return _parse_ip(value)
    raise TypeError("no such overload: expected an IP")


def _cidr_of(value: Any) -> Network:
    text = _tagged(value, _CIDR)
    if text is not None:
        return ipaddress.ip_interface(text)
    if isinstance(value, str):
        return _parse_cidr(value)
    raise TypeError("no such overload: expected a CIDR")


def _ip(value: Any) -> dict[str, str]:
    """``ip(string)``, or ``cidr.ip()``: the address of a CIDR (not masked)."""
    if _tagged(value, _CIDR) is not None:
        return {_IP: str(_cidr_of(value).ip)}
    return {_IP: str(_parse_ip(value))}


def _valid(parse: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def check(text: Any) -> bool:
        try:
            parse(text)
        except ValueError:
            return False
        return True

    return check


def _link_local_multicast(address: IP) -> bool:
    if address.version == 4:
        return address in ipaddress.ip_network("224.0.0.0/24")
    return address in ipaddress.ip_network("ff02::/16")


def _global_unicast(address: IP) -> bool:
    """Go's ``IsGlobalUnicast``: private ranges count, as they do there."""
    return not (
        address.is_unspecified
        or address.is_loopback
        or address.is_multicast
        or address.is_link_local
        or address == ipaddress.ip_address("255.255.255.255")
    )


def _contains_cidr(network: Any, other: Any) -> bool:
    inner = _cidr_of(other).network
    outer = _cidr_of(network).network
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


IP_LIBRARY: dict[str, Callable[..., Any]] = {
    "ip": _ip,
    "isIP": _valid(_parse_ip),
    "family": lambda value: _ip_of(value).version,
    "isUnspecified": lambda value: _ip_of(value).is_unspecified,
    "isLoopback": lambda value: _ip_of(value).is_loopback,
    "isLinkLocalMulticast": lambda value: _link_local_multicast(_ip_of(value)),
    "isLinkLocalUnicast": lambda value: _ip_of(value).is_link_local,
    "isGlobalUnicast": lambda value: _global_unicast(_ip_of(value)),
    "cidr": lambda text: {_CIDR: str(_parse_cidr(text))},
    "isCIDR": _valid(_parse_cidr),
    "containsIP": lambda network, address: _ip_of(address) in _cidr_of(network).network,
    "containsCIDR": _contains_cidr,
    "masked": lambda network: {_CIDR: str(_cidr_of(network).network)},
    "prefixLength": lambda network: _cidr_of(network).network.prefixlen,
}


def _is_canonical(text: Any) -> bool:
    """``ip.isCanonical(string)``: the text is the address as it prints."""
    return str(_parse_ip(text)) == str(text)


IP_LIBRARY["ip.isCanonical"] = _is_canonical

FUNCTIONS: dict[str, Callable[..., Any]] = {**QUANTITY, **URL, **IP_LIBRARY}
