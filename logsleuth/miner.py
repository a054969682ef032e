"""Mine templates from log messages: online, incremental, one setting for every log.

Three steps per message, in the spirit of Drain (He et al., ICWS'17) with what the Loghub
benchmark shows it lacks:

1. Typed masks, run over a whole block of messages at once (C speed): times, UUIDs,
   addresses, keys, hex ids, durations and numbers become ``<time>``, ``<uuid>``, ``<ip>``,
   ``<key>``, ``<hex>``, ``<dur>``, ``<n>`` — also digits inside a token (``blk_<n>``).
2. A prefix tree over the token count and the first token routes each new masked message
   (a *shape*) to a small leaf of clusters; the most similar cluster (share of equal token
   positions) takes it when similar enough, else it starts a new cluster.
3. When templates are asked for, each cluster's shapes are compared position by position:
   a position where they take exactly two values (``Link ok`` / ``Link error``) splits the
   cluster, recursively; positions with more values, or only placeholders, are variables
   (``<*>``). This is what finds word variables (users, hosts) without merging messages
   that differ in one word.

Identical masked messages are one shape, so a flood of one message costs a dict lookup.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

WILDCARD = "<*>"
SIMILARITY = 0.5           # share of equal positions for a message to join a cluster
MAX_TOKENS = 120           # longer messages are cut for mining (their template says so)

_TYPED_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
                r"|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d|\d\d:\d\d:\d\d(?:[.,]\d+)?"), "<time>"),
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
     "<uuid>"),
    (re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\d.]\d)"), "<ip>"),
    (re.compile(r"\b(?:hskey|tskey|nodekey|mkey|discokey|privkey)[-:][\w-]+"), "<key>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[a-fA-F]*\d)(?=\d*[a-fA-F])[0-9a-fA-F]{8,}\b"), "<hex>"),
    (re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h)\b"), "<dur>"),
    (re.compile(r"\d+(?:\.\d+)*"), "<n>"),
)


def mask(text: str) -> str:
    """Typed placeholders for the values a single message shows by its form alone.
    ``text`` may hold many messages, one a line: no mask crosses a newline."""
    for pattern, placeholder in _TYPED_MASKS:
        text = pattern.sub(placeholder, text)
    return text


def template_id(template: str) -> str:
    """A short id that depends on the template's text only (stable run to run)."""
    return hashlib.blake2b(template.encode("utf-8"), digest_size=6).hexdigest()


def _is_variable(token: str) -> bool:
    return "<" in token and ">" in token


@dataclass(slots=True)
class Template:
    """One mined template: its tokens and the distinct masked messages it covers."""

    tokens: list[str]
    count: int = 0

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass(slots=True)
class _Cluster:
    """Shapes that a Drain-like search put together: their common tokens (``<*>`` where
    they differ) and the shapes themselves."""

    tokens: list[str]
    shapes: list[int] = field(default_factory=list)

    def similarity(self, tokens: tuple[str, ...]) -> float:
        """Share of positions where the message has this cluster's constant token."""
        return sum(1 for mine, theirs in zip(self.tokens, tokens) if mine == theirs) / len(tokens)

    def absorb(self, tokens: tuple[str, ...]) -> None:
        for i, (mine, theirs) in enumerate(zip(self.tokens, tokens)):
            if mine != theirs:
                self.tokens[i] = WILDCARD


class TemplateMiner:
    """Online template miner: add messages, then ask for each one's template."""

    def __init__(self, low_cardinality: int = 2) -> None:
        self._k = low_cardinality
        self._shapes: list[tuple[str, ...]] = []          # distinct masked token tuples
        self._counts: list[int] = []
        self._index: dict[str, int] = {}                  # masked message -> shape
        self._leaves: dict[tuple[int, str], list[_Cluster]] = {}
        self._clusters: list[_Cluster] = []
        self._templates: list[Template] | None = None
        self._template_of: list[int] = []

    def add(self, message: str) -> int:
        """The shape (index) of one message."""
        return self.add_masked(mask(message))

    def add_all(self, messages: list[str]) -> list[int]:
        """The shapes of many messages (masked in one pass: much faster than ``add``)."""
        if not messages:
            return []
        block = "\n".join(m.replace("\n", " ") for m in messages)
        return [self.add_masked(line) for line in mask(block).split("\n")]

    def add_masked(self, masked: str) -> int:
        """The shape of a message whose typed values are already masked."""
        known = self._index.get(masked)
        if known is None:
            tokens = tuple(masked.split()[:MAX_TOKENS])
            known = self._index[masked] = len(self._shapes)
            self._shapes.append(tokens)
            self._counts.append(0)
            self._place(known, tokens)
            self._templates = None
        self._counts[known] += 1
        return known

    def _place(self, shape: int, tokens: tuple[str, ...]) -> None:
        """Put a new shape into the most similar cluster of its leaf, or a new one."""
        key = (len(tokens), WILDCARD if not tokens or _is_variable(tokens[0]) else tokens[0])
        leaf = self._leaves.setdefault(key, [])
        best, best_score = None, -1.0
        for cluster in leaf:
            score = cluster.similarity(tokens) if tokens else 1.0
            if score > best_score:
                best, best_score = cluster, score
        if best is None or best_score < SIMILARITY:
            best = _Cluster(list(tokens))
            leaf.append(best)
            self._clusters.append(best)
        best.absorb(tokens)
        best.shapes.append(shape)

    def template(self, shape: int) -> str:
        return self.templates()[self._template_of[shape]].text

    def templates(self) -> list[Template]:
        if self._templates is None:
            self._templates, self._template_of = [], [0] * len(self._shapes)
            for cluster in self._clusters:
                self._split(cluster.shapes)
        return self._templates

    def _split(self, members: list[int]) -> None:
        """Split shapes of one length on their most constant-looking differing position,
        recursively; positions with many values are variables."""
        width = len(self._shapes[members[0]])
        best: tuple[int, int] | None = None
        for col in range(width):
            values = {WILDCARD if _is_variable(t) else t
                      for t in (self._shapes[m][col] for m in members)}
            if 1 < len(values) <= self._k and (best is None or len(values) < best[0]):
                best = (len(values), col)
        if best is None:
            self._emit(members)
            return
        parts: dict[str, list[int]] = {}
        col = best[1]
        for m in members:
            token = self._shapes[m][col]
            parts.setdefault(WILDCARD if _is_variable(token) else token, []).append(m)
        for part in parts.values():
            self._split(part)

    def _emit(self, members: list[int]) -> None:
        first = self._shapes[members[0]]
        tokens = [t if all(self._shapes[m][col] == t for m in members) else WILDCARD
                  for col, t in enumerate(first)]
        index = len(self._templates)
        self._templates.append(Template(tokens, sum(self._counts[m] for m in members)))
        for m in members:
            self._template_of[m] = index
