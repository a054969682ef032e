"""Bounded sets that depend only on their members: which members to keep once there are
too many, chosen by a stable hash, whatever the order or batching they came in (so parts of
a file merged in order equal one pass)."""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b
from typing import Iterable


def stable_hash(*parts: str) -> int:
    """A 64-bit hash of the parts, the same in every process (unlike ``hash``)."""
    return int.from_bytes(blake2b("\0".join(parts).encode("utf-8", "surrogatepass"),
                                  digest_size=8).digest(), "big")


@dataclass
class HashSample:
    """Which members to keep once more than ``capacity`` were seen: those whose stable hash
    is below ``2**64 >> shift``, the shift growing by one until they fit. The kept members
    are then exactly the members seen below the smallest such limit: the same whatever the
    order or batching they came in."""

    capacity: int
    shift: int = 0

    def over(self, count: int, recheck: bool = False) -> bool:
        """Whether ``thinned`` has members to look at: past ``capacity``, or ``recheck``
        under a limit (callers ask first: listing the members costs, every batch)."""
        return count > self.capacity or (recheck and self.shift > 0)

    def admits(self, *parts: str) -> bool:
        return self.shift == 0 or stable_hash(*parts) >> (64 - self.shift) == 0

    def thinned(self, members: Iterable[tuple[str, ...]], count: int,
                recheck: bool = False) -> set[tuple[str, ...]]:
        """The members to drop: those the limit does not admit (looked at only when
        ``recheck``, or past ``capacity``), then more as the shift grows until at most
        ``capacity`` of the ``count`` members are left."""
        if not self.over(count, recheck):
            return set()
        hashes = {member: stable_hash(*member) for member in members}
        dropped = {m for m, h in hashes.items() if self.shift and h >> (64 - self.shift)}
        while count - len(dropped) > self.capacity and self.shift < 64:
            self.shift += 1
            dropped.update(m for m, h in hashes.items() if h >> (64 - self.shift))
        return dropped

    def widest(self, other: HashSample) -> None:
        """Take the other sample's limit when it is the lower one."""
        self.shift = max(self.shift, other.shift)
