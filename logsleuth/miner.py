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
   a position where they take exactly two tokens (``Link ok`` / ``Link error``), not both
   placeholders, splits the cluster, recursively; positions with more tokens, or only
   placeholders, are variables (``<*>``). This is what finds word variables (users, hosts)
   without merging messages
   that differ in one word.

Identical masked messages are one shape, so a flood of one message costs a dict lookup.
"""

from __future__ import annotations

import hashlib
import re
from operator import eq, itemgetter
from dataclasses import dataclass, field
from typing import Callable

WILDCARD = "<*>"
SIMILARITY = 0.5           # share of equal positions for a message to join a cluster
MAX_TOKENS = 120           # tokens of a message that are mined (the rest is dropped)
LOW_CARDINALITY = 2        # a position with this many values splits a cluster
SHAPES_PER_CLUSTER = 256   # distinct masked messages a cluster keeps for that comparison
MEMO_SIZE = 100_000        # raw and masked messages remembered (then forgotten at once)

# Byte patterns (2-3x faster than str ones in CPython), each starting with a digit or a
# literal so the engine skips ahead, and each skipped when its needle is not in the block;
# <dur> runs after <n>, on the placeholder itself.
_TYPED_MASKS: tuple[tuple[re.Pattern[bytes], bytes, bytes], ...] = (
    (re.compile(rb"\d\d(?:\d\d[-/]\d\d[-/]\d\d[T ]\d\d)?:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"),
     b"<time>", b":"),
    (re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
     b"<uuid>", b"-"),
    (re.compile(rb"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?::\d+)?"), b"<ip>", b"."),
    (re.compile(rb"(?:hskey|tskey|nodekey|mkey|discokey|privkey)[-:][\w-]+"), b"<key>", b"key"),
    (re.compile(rb"0x[0-9a-fA-F]+|\d(?=[0-9a-fA-F]{5})[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*"), b"<hex>",
     b""),
    (re.compile(rb"\d+(?:\.\d+)*"), b"<n>", b""),
    (re.compile(rb"<n>(?:ns|us|ms|s|m|h)(?![A-Za-z])"), b"<dur>", b"<n>"),
)


def mask(text: str) -> str:
    """Typed placeholders for the values a message shows by their form alone (times,
    UUIDs, IPv4 addresses, keys, hex ids, numbers — also inside a token — and durations).
    ``text`` may hold many messages, one a line: no mask crosses a newline.

    >>> mask("dial tcp 10.0.0.12:5432 after 350ms (attempt_0020)")
    'dial tcp <ip> after <dur> (attempt_<n>)'
    """
    data = text.encode("utf-8", "surrogatepass")      # a JSON "\\ud800" is a lone surrogate
    for pattern, placeholder, needle in _TYPED_MASKS:
        if needle in data:
            data = pattern.sub(placeholder, data)
    return data.decode("utf-8", "surrogatepass")


def template_id(template: str) -> str:
    """A short id that depends on the template's text only (stable run to run)."""
    return hashlib.blake2b(template.encode("utf-8"), digest_size=6).hexdigest()


def _is_variable(token: str) -> bool:
    return "<" in token and ">" in token


@dataclass(slots=True)
class Template:
    """One mined template: its tokens, how many messages it covers, and its shapes."""

    tokens: list[str]
    count: int
    shapes: list[int]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def id(self) -> str:
        return template_id(self.text)


@dataclass(slots=True)
class _Cluster:
    """Shapes that the leaf search put together: their common tokens (``<*>`` where they
    differ) and the shapes themselves (at most ``SHAPES_PER_CLUSTER``)."""

    tokens: list[str]
    shapes: list[int] = field(default_factory=list)
    firsts: dict[int, dict[str, int]] = field(default_factory=dict)

    def first_with(self, position: int, shapes: list[tuple[str, ...]]) -> dict[str, int]:
        """Each token at ``position`` → the first of this full cluster's shapes holding it
        (a full cluster takes no more shapes, so this is built once)."""
        found = self.firsts.get(position)
        if found is None:
            found = self.firsts[position] = {}
            for shape in self.shapes:
                found.setdefault(shapes[shape][position], shape)
        return found

    def similarity(self, tokens: tuple[str, ...]) -> float:
        """Share of positions where the message has this cluster's constant token."""
        return sum(map(eq, self.tokens, tokens)) / len(tokens)

    def absorb(self, tokens: tuple[str, ...]) -> None:
        for i, (mine, theirs) in enumerate(zip(self.tokens, tokens)):
            if mine != theirs:
                self.tokens[i] = WILDCARD


class TemplateMiner:
    """Online template miner: add messages (each gets a *shape*: its distinct masked form),
    then ask for the templates; adding more afterwards is fine.

    >>> miner = TemplateMiner()
    >>> shapes = miner.add_all(["Link ok", "Link error", "user anna from 10.0.0.1",
    ...                         "user ben from 10.0.0.2", "user cleo from 10.0.0.9"])
    >>> [miner.template_of(s).text for s in shapes]
    ['Link ok', 'Link error', 'user <*> from <ip>', 'user <*> from <ip>', 'user <*> from <ip>']
    """

    def __init__(self, clean: Callable[[list[str]], list[str]] | None = None) -> None:
        """``clean`` rewrites new distinct messages before mining (e.g. redacts them)."""
        self._clean = clean
        self._shapes: list[tuple[str, ...]] = []          # distinct masked token tuples
        self._counts: list[int] = []
        self._by_masked: dict[str, int] = {}
        self._by_raw: dict[str, int] = {}
        self._leaves: dict[tuple[int, str], list[_Cluster]] = {}
        self._clusters: list[_Cluster] = []
        self._templates: list[Template] | None = None
        self._template_of: list[int] = []

    def add_all(self, messages: list[str]) -> list[int]:
        """The shapes of many messages; new ones are masked together in one pass."""
        known = self._by_raw
        if len(known) > MEMO_SIZE:
            known.clear()
        new = [m for m in dict.fromkeys(messages) if m not in known]
        if new:
            cleaned = self._clean(new) if self._clean else new
            block = mask("\n".join(m.replace("\n", " ") for m in cleaned))
            for raw, masked in zip(new, block.split("\n")):
                known[raw] = self._shape(masked)
        shapes = [known[m] for m in messages]
        counts = self._counts
        for shape in shapes:
            counts[shape] += 1
        return shapes

    def _shape(self, masked: str) -> int:
        shape = self._by_masked.get(masked)
        if shape is None:
            if len(self._by_masked) > MEMO_SIZE:
                self._by_masked.clear()
            shape = self._by_masked[masked] = self._place(tuple(masked.split()[:MAX_TOKENS]))
        return shape

    def _place(self, tokens: tuple[str, ...]) -> int:
        """The shape of a new masked message: put into the most similar cluster of its leaf
        (or a new one); a full cluster maps it to its most similar shape instead."""
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
        if len(best.shapes) >= SHAPES_PER_CLUSTER:
            return self._nearest(best, tokens)
        self._templates = None
        self._shapes.append(tokens)
        self._counts.append(0)
        best.shapes.append(len(self._shapes) - 1)
        return len(self._shapes) - 1

    def _nearest(self, cluster: _Cluster, tokens: tuple[str, ...]) -> int:
        """The cluster's shape with the most tokens equal to ``tokens`` (the first of
        those). Only the cluster's ``<*>`` positions can tell its shapes apart: at the
        others every shape, and the absorbed message, holds the cluster's token."""
        varying = [i for i, token in enumerate(cluster.tokens) if token == WILDCARD]
        if not varying:
            return cluster.shapes[0]
        if len(varying) == 1:                    # the usual case: one variable, looked up
            return cluster.first_with(varying[0], self._shapes).get(tokens[varying[0]],
                                                                    cluster.shapes[0])
        pick, shapes = itemgetter(*varying), self._shapes
        wanted = pick(tokens)
        return max(cluster.shapes, key=lambda s: sum(map(eq, pick(shapes[s]), wanted)))

    def template_of(self, shape: int) -> Template:
        """The template a shape belongs to now."""
        return self.templates()[self._template_of[shape]]

    def templates(self) -> list[Template]:
        """Every template so far, in order of first appearance of their clusters."""
        if self._templates is None:
            self._templates, self._template_of = [], [0] * len(self._shapes)
            for cluster in self._clusters:
                self._split(cluster.shapes)
        return self._templates

    def _split(self, members: list[int]) -> None:
        """Split shapes on the first position where they take exactly two tokens, not both
        placeholders, recursively; positions with more tokens, or placeholders only, are
        variables (so one plain word among many masked hosts does not split them off)."""
        for col in range(len(self._shapes[members[0]])):
            parts: dict[str, list[int]] = {}
            tokens: set[str] = set()
            for member in members:
                token = self._shapes[member][col]
                tokens.add(token)
                parts.setdefault(WILDCARD if _is_variable(token) else token, []).append(member)
                if len(tokens) > LOW_CARDINALITY:
                    break
            if len(parts) == len(tokens) == LOW_CARDINALITY:
                for part in parts.values():
                    self._split(part)
                return
        self._emit(members)

    def _emit(self, members: list[int]) -> None:
        first = self._shapes[members[0]]
        tokens = [token if all(self._shapes[m][col] == token for m in members) else WILDCARD
                  for col, token in enumerate(first)]
        assert self._templates is not None
        self._templates.append(Template(tokens, sum(self._counts[m] for m in members), members))
        for member in members:
            self._template_of[member] = len(self._templates) - 1

