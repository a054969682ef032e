"""Running totals of one analysis (lines, time window, services, unreadable inputs) and
the notes and input problems they reveal once the input is read."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from .envelope import service_name
from .options import Options
from .result import LineStats, iso
from .sources import Source


@dataclass
class Progress:
    """Running totals of one analysis: lines, time window, services, unreadable inputs."""
    lines: LineStats = field(default_factory=LineStats)
    first: datetime | None = None     # the analysis window: kept entries, and chunk edges
    last: datetime | None = None      # inside --since/--until
    span: tuple[datetime, datetime] | None = None   # what the input covers, filters or not
    errors: list[str] = field(default_factory=list)
    services: set[str] = field(default_factory=set)
    dropped_templates: int = 0
    last_time: dict[str, datetime] = field(default_factory=dict)   # per source
    end_offset: dict[str, int] = field(default_factory=dict)       # per uncompressed file
    future: int = 0                  # entries dated more than a day after the analysis ran
    seen_services: set[str] = field(default_factory=set)          # for --service's check
    assumed_utc: bool = False        # zone-less times read as UTC: no line said its zone

    def merge(self, later: Progress) -> None:
        """Fold in the progress over the input that follows ours."""
        for name in (f.name for f in fields(LineStats)):
            setattr(self.lines, name, getattr(self.lines, name) + getattr(later.lines, name))
        self.saw(later.first)
        self.saw(later.last)
        for moment in later.span or ():
            self.spans(moment)
        self.future += later.future
        self.assumed_utc |= later.assumed_utc
        self.errors.extend(later.errors)
        self.services |= later.services
        self.seen_services |= later.seen_services
        for name, moment in later.last_time.items():
            self.last_time[name] = max(moment, self.last_time.get(name, moment))
        self.end_offset.update(later.end_offset)

    def spans(self, moment: datetime) -> None:
        """Widen what the input is known to cover to take in ``moment``."""
        first, last = self.span or (moment, moment)
        self.span = (min(first, moment), max(last, moment))

    def saw(self, moment: datetime | None) -> None:
        """Widen the time window to take in ``moment``."""
        if moment is None:
            return
        self.first = moment if self.first is None else min(self.first, moment)
        self.last = moment if self.last is None else max(self.last, moment)


def nothing_to_analyse(sources: list[Source], progress: Progress, options: Options) -> list[str]:
    """Input problems that would otherwise pass for a clean result: no lines at all, or
    a --since/--until/--service that leaves none of them."""
    total = progress.lines.total
    if total == 0:
        resumed = any(source.offset for source in sources)   # a file that did not grow
        if resumed or progress.errors:
            return []
        return [f"no input: 0 lines read from {', '.join(s.name for s in sources)}"]
    problems = []
    first, last = progress.span or (None, None)
    kept = progress.lines.matched + progress.lines.unknown      # booked by the filter
    if not kept and ((options.since and last and last < options.since)
            or (options.until and first and first > options.until)):
        problems.append(f"0 of {total} lines in the window {_second(options.since) or 'start'}"
                        f" → {_second(options.until) or 'now'} (the input covers {iso(first)} → "
                        f"{iso(last)}): check --since/--until")
    seen = progress.seen_services
    if options.services and not any(name in seen or service_name(name) in seen
                                    for name in options.services):
        problems.append(f"0 of {total} lines from --service {', '.join(options.services)} "
                        f"(services in the input: {', '.join(sorted(seen)) or 'none named'})")
    return problems


def time_notes(progress: Progress, lang: str) -> list[str]:
    """Notes on the times read: zones assumed, entries dated in the future."""
    notes = []
    if progress.assumed_utc:
        notes.append("部分行没有时区（Go 标准日志或 syslog 时间戳），且该来源没有带时区的行：已按 UTC 读取"
                     if lang == "zh" else
                     "some lines carry no time zone (Go std-log or syslog stamps) and no "
                     "line near them did: they were read as UTC")
    if progress.future:
        notes.append(f"{progress.future} 条记录的时间在未来（最晚 {iso(progress.last)}）：服务器时钟或"
                     "日志时区有误，--since 和显示的时间可能不准"
                     if lang == "zh" else
                     f"{progress.future} entries are dated in the future (up to "
                     f"{iso(progress.last)}): the server clock or the log's time zone is "
                     "off, so --since and the times shown may mislead")
    return notes


def _second(moment: datetime | None) -> str | None:
    """ISO 8601 to the second (a relative --since carries the microseconds of now)."""
    return iso(moment.replace(microsecond=0)) if moment else None
