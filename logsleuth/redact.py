"""Remove secrets from text before it can reach any output.

Pre-auth keys (48-hex legacy and ``hskey-auth-``), API keys, Tailscale keys, OIDC client
secrets, bearer tokens, passwords in URLs and DSNs, and private key material. Short public
key ids like ``[Zk3vP]`` and 64-hex node keys stay readable: they help troubleshooting.
Redaction is idempotent: redacting twice changes nothing more.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

MASK = "[REDACTED]"

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
     MASK),
    (re.compile(r"\b(hskey-(?:auth|api|authreq)-)[A-Za-z0-9_-]{6,}"), rf"\g<1>{MASK}"),
    (re.compile(r"\b(tskey-[a-z]+-)[A-Za-z0-9_-]{6,}"), rf"\g<1>{MASK}"),
    (re.compile(r"\b((?:privkey|nlpriv|mkey-priv|private_key|privateKey):)[0-9a-fA-F]{16,}"),
     rf"\g<1>{MASK}"),
    (re.compile(r"(?i)\b(bearer\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,}"), rf"\g<1>{MASK}"),
    (re.compile(r"(?i)((?:client_secret|secret|password|passwd|pass|api_key|apikey|token)"
                r"[\"']?\s*[=:]\s*[\"']?)(?!\[REDACTED\])[^\s\"',;&}]+"), rf"\g<1>{MASK}"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?!\[REDACTED\])[^@\s/]+(@)"), rf"\g<1>{MASK}\g<2>"),
    (re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{48}(?![0-9a-fA-F])"), MASK),
    (re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{8}\.[0-9A-Za-z_-]{24,}(?![0-9A-Za-z])"), MASK),
)


# Every rule needs one of these; most lines have none and skip the rules entirely.
_MAYBE_SECRET = re.compile(
    r"(?i)PRIVATE KEY|hskey-|tskey-|priv|private_key|bearer|secret|passw|pass\b|api_?key|token"
    r"|://[^/\s@]+@|[0-9a-f]{48}|\.[0-9A-Za-z_-]{24}")


def redact(text: str) -> str:
    """The text with every known secret shape replaced by ``[REDACTED]``."""
    if not _MAYBE_SECRET.search(text):
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def redact_lines(lines: list[str]) -> list[str]:
    """Each line redacted; one search over all of them finds the few that may need it."""
    block = "\n".join(lines)
    starts = list(accumulate((len(line) + 1 for line in lines), initial=0))
    hits = {bisect_right(starts, match.start()) - 1 for match in _MAYBE_SECRET.finditer(block)}
    if not hits:
        return lines
    return [redact(line) if i in hits else line for i, line in enumerate(lines)]


def redact_blocks(lines: list[str]) -> list[str]:
    """The lines with every line of a multi-line secret (a private key block, which
    ``redact`` only recognises whole in one text) replaced by ``[REDACTED]``."""
    block = "\n".join(lines)
    for pattern, _ in _RULES:
        if pattern.flags & re.S and pattern.search(block):          # may span lines
            block = pattern.sub(lambda m: "\n".join([MASK] * (m[0].count("\n") + 1)), block)
            lines = block.split("\n")
    return lines
