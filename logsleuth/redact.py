"""Remove secrets from text before it can reach any output.

Pre-auth keys (48-hex legacy and ``hskey-auth-``), API keys (``hskey-api-`` and the legacy
``prefix.secret``), Tailscale keys (every ``tskey-`` form), OIDC client secrets, bearer and
basic credentials, JWTs, passwords in URLs and DSNs, ``key = value`` secrets (quoted ones
with spaces included, WireGuard ``PrivateKey``) and private key material. Short public key
ids like ``[Zk3vP]`` and 64-hex node keys stay readable: they help troubleshooting.
Redaction is idempotent, and linear in the length of the text: every repetition that can
meet another is bounded, and no rule scans ahead from every position of a long run.
"""

from __future__ import annotations

import re
from typing import Callable, Final

MASK: Final = "[REDACTED]"
_NOT_MASKED = r"(?!\[REDACTED\])"
# Every rule starts with a literal or a small character set (no look-behind, no leading
# (?i) or \b): the engine then skips ahead fast instead of trying each position, which
# keeps a hostile megabyte line at a few milliseconds per rule.
# The first letter of a key, then a look back at it: ``bypass=`` or ``mypassword=`` is no key.
_KEY_NAMES = "|".join(rf"[{c.upper()}{c}](?<![A-Za-z][{c.upper()}{c}])(?i:{rest})" for c, rest in (
    ("c", "lient_secret"), ("s", "ecret"), ("p", "assword|asswd|ass|wd|rivate_?key|reshared_?key"),
    ("a", "pi_?key"), ("t", "oken")))
# key, separator, then a "quoted value" (it may hold spaces; a \" escape opens one too),
# a 'quoted value', or a bare one
_KEY_VALUE = (rf"(?P<head>(?:{_KEY_NAMES})[\"']?[ \t]{{0,8}}[=:][ \t]{{0,8}}"
              r"(?!\\?[\"']?\[REDACTED\])(?:\\?(?P<dq>\")|\\?(?P<sq>')|[\"']?))" +
              r"(?(dq)[^\"\n]{1,512}(?P<c1>\")|(?(sq)[^'\n]{1,512}(?P<c2>')|[^\s\"'][^\s\"'&;]*))")


def _standalone(match: re.Match[str]) -> str:
    """A bare token (48-hex key, legacy API key) masked only when nothing token-like
    touches it on the left."""
    start = match.start()
    if start > 0 and (match.string[start - 1].isalnum() or match.string[start - 1] in "_.-"):
        return match[0]
    return MASK


def _legacy_api_key(match: re.Match[str]) -> str:
    """``prefix.secret`` (7 + 32 URL-safe characters): a random secret has upper case, a
    DNS name like ``cluster.postgres-production-eu-west-01-abc`` does not."""
    if not any(c.isupper() for c in match[0]):
        return match[0]
    return _standalone(match)


_RULES: Final[tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]] = (
    (re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----.*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)",
                re.S), MASK),
    (re.compile(rf"([Aa](?i:uthorization)[\"']?[ \t]{{0,8}}[=:][ \t]{{0,8}}+[\"'\[]?+"
                rf"(?:(?i:basic|bearer|digest|token|negotiate)[ \t]{{1,8}})?+){_NOT_MASKED}[^\s\"',;\]]+"),
     rf"\g<1>{MASK}"),
    (re.compile(rf"([Bb](?i:earer)[ \t]{{1,8}}){_NOT_MASKED}[A-Za-z0-9._~+/=-]{{8,}}"), rf"\g<1>{MASK}"),
    (re.compile(r"(hskey-(?:auth|api|authreq)-)[A-Za-z0-9_-]{6,}"), rf"\g<1>{MASK}"),
    (re.compile(r"(tskey-(?:[a-z]{1,16}-)?)[A-Za-z0-9_-]{6,}"), rf"\g<1>{MASK}"),
    (re.compile(r"((?:privkey|nlpriv|mkey-priv|private_key|privateKey):)[0-9a-fA-F]{16,}"),
     rf"\g<1>{MASK}"),
    (re.compile(r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), MASK),
    (re.compile(_KEY_VALUE), rf"\g<head>{MASK}\g<c1>\g<c2>"),
    (re.compile(r"[0-9a-f]{48}(?![0-9a-fA-F])"), _standalone),
    (re.compile(r"[A-Za-z0-9_-]{7}\.[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])"), _legacy_api_key),
)

_USERINFO: Final = re.compile(r"://[^/\s:@]{1,128}:")
_PORT_AND_PATH: Final = re.compile(r"\d{1,5}/")
_SPACE: Final = re.compile(r"\s")
PASSWORD_MAX: Final = 256


def _mask_userinfo(text: str) -> str:
    """``scheme://user:password@``: the password runs to the last ``@`` before the next
    space (it may hold ``/ @ ,``), unless it is a port and a path (``host:443/x?to=a@b``).
    Each ``user:`` looks at most PASSWORD_MAX characters ahead, once."""
    out, done = [], 0
    for match in _USERINFO.finditer(text):
        begin = match.end()
        if begin <= done or text.startswith(MASK, begin):
            continue
        at = text.rfind("@", begin + 1, begin + PASSWORD_MAX)
        if at < 0:
            continue
        space = _SPACE.search(text, begin, at)
        if space:
            at = text.rfind("@", begin + 1, space.start())
        if at < 0 or _PORT_AND_PATH.match(text, begin):
            continue
        out += [text[done:begin], MASK]
        done = at
    return "".join(out) + text[done:] if out else text


# Every rule needs one of these; most lines have none and skip the rules entirely. Plain
# substring tests on the lower-cased text: a case-insensitive regex alternation would try
# every position (seconds on a hostile 64 MiB bundle).
_TRIGGERS: Final = ("priv", "hskey-", "tskey-", "preshared", "bearer", "authorization", "secret",
             "pass", "pwd", "api_key", "apikey", "token", "eyj", "://")
_BARE_TOKENS: Final = (re.compile(r"[0-9a-f]{48}"), re.compile(r"\.[0-9A-Za-z_-]{24}"))


def _maybe_secret(text: str) -> bool:
    lowered = text.lower()
    return (any(trigger in lowered for trigger in _TRIGGERS)
            or any(token.search(text) for token in _BARE_TOKENS))


def redact(text: str) -> str:
    """The text with every known secret shape replaced by ``[REDACTED]``."""
    if not _maybe_secret(text):
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _mask_userinfo(text)


def redact_lines(lines: list[str]) -> list[str]:
    """Each line redacted (the cheap substring pre-check skips almost every line)."""
    return [redact(line) for line in lines]


def redact_blocks(lines: list[str]) -> list[str]:
    """The lines with every line of a multi-line secret (a private key block, which
    ``redact`` only recognises whole in one text) replaced by ``[REDACTED]``."""
    block = "\n".join(lines)
    for pattern, _ in _RULES:
        if pattern.flags & re.S and pattern.search(block):          # may span lines
            block = pattern.sub(lambda m: "\n".join([MASK] * (m[0].count("\n") + 1)), block)
            lines = block.split("\n")
    return lines
