"""What to analyse and how: the library's one options object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .catalog import Catalog


@dataclass
class Options:
    """What to analyse and how. All fields have sensible defaults."""

    since: datetime | None = None
    until: datetime | None = None
    services: tuple[str, ...] = ()
    lang: str = "en"
    redact: bool = True
    engine: str = "auto"
    pattern_dirs: tuple[Path, ...] = ()
    catalog: Catalog | None = None
    jobs: int = 0
    """Processes for one big plain file; 0 means one per usable core."""
    skip_until: dict[str, datetime] = field(default_factory=dict)
    """Per source name: entries at or before this time were seen by an earlier run."""
