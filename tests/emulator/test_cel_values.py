"""The Kubernetes CEL quantity, URL and IP/CIDR libraries, expression by expression."""

from __future__ import annotations

from typing import Any

import cel
import pytest
from vela_emulator.celfunctions import FUNCTIONS


def _run(expression: str) -> Any:
    return cel.compile(expression).execute(cel.Context(variables={}, functions=FUNCTIONS))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("quantity('500m').isLessThan(quantity('1'))", True),
        ("quantity('1') == quantity('1000m')", True),
        ("quantity('2Gi').compareTo(quantity('2048Mi'))", 0),
        ("quantity('1.5').isInteger()", False),
        ("quantity('3k').asInteger()", 3000),
        ("quantity('1').add(quantity('500m')) == quantity('1500m')", True),
        ("quantity('1').sub(1).sign()", 0),
        ("quantity('250m').asApproximateFloat()", 0.25),
        ("isQuantity('lots')", False),
        ("url('https://u@example.com:8080/a/b?x=1').getHost()", "example.com:8080"),
        ("url('https://[::1]:80/').getHostname()", "::1"),
        ("url('https://example.com:8080/a').getPort()", "8080"),
        ("url('https://example.com/a%20b').getEscapedPath()", "/a%20b"),
        ("url('https://example.com/?x=1&x=2').getQuery()", {"x": ["1", "2"]}),
        ("isURL('not a url')", False),
        ("isURL('/just/a/path')", True),
        ("ip('10.0.0.1').family()", 4),
        ("ip('::1').isLoopback()", True),
        ("ip('10.1.2.3').isGlobalUnicast()", True),  # private ranges count, as in Go
        ("ip('fe80::1').isLinkLocalUnicast()", True),
        ("ip('224.0.0.1').isLinkLocalMulticast()", True),
        ("isIP('1.2.3')", False),
        ("isIP('::ffff:1.2.3.4')", False),  # no IPv4-mapped IPv6
        ("ip.isCanonical('::0:1')", False),
        ("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", True),
        ("cidr('10.0.0.0/8').containsIP('11.1.2.3')", False),
        ("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", True),
        ("cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8')", True),
        ("cidr('10.1.2.3/8').ip() == ip('10.1.2.3')", True),
        ("cidr('10.0.0.0/8').prefixLength()", 8),
        ("isCIDR('10.0.0.0/33')", False),
    ],
)
def test_typed_value_functions(expression: str, expected: Any) -> None:
    assert _run(expression) == expected


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("quantity('lots')", "quantities must match the regular expression"),
        ("url('x y')", "invalid URI for request"),
        ("ip('1.2.3')", "parse error during conversion from string"),
        ("quantity('1.5').asInteger()", "cannot convert value to integer"),
    ],
)
def test_bad_values_are_evaluation_errors(expression: str, words: str) -> None:
    with pytest.raises(RuntimeError, match=words):
        _run(expression)
