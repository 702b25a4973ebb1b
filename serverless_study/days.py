"""The learner's day: it starts at a rollover hour of local time (4 am by default, as Anki), DST-aware."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from serverless_study.errors import UsageError

DAY_STARTS = 4  # reviews done just after midnight still count for the evening before
LOCALTIME = Path("/etc/localtime")


@dataclass(frozen=True)
class Day:
    """One study day: [start, end) in UTC, named by the local date on which it starts."""

    date: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Calendar:
    """Study days in a time zone, each starting at `day_starts` o'clock local time."""

    zone: tzinfo
    day_starts: int = DAY_STARTS

    def __post_init__(self) -> None:
        if not 0 <= self.day_starts <= 23:
            raise UsageError(f"--day-starts must be an hour from 0 to 23, not {self.day_starts}")

    def starts(self, on: date) -> datetime:
        """When the day named `on` begins, in UTC; an hour skipped by a clock change begins at the change."""
        local = datetime.combine(on, time(self.day_starts), tzinfo=self.zone)
        # fold=0 reads a skipped wall time with the offset in force before the change: that instant is the change
        # itself, and a repeated wall time means its first occurrence.
        return local.astimezone(UTC)

    def named(self, on: date) -> Day:
        return Day(on, self.starts(on), self.starts(on + timedelta(days=1)))

    def day_of(self, moment: datetime) -> Day:
        """The study day `moment` falls in (before the rollover hour it is still the previous date's day)."""
        if moment.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        on = moment.astimezone(self.zone).date()
        if moment < self.starts(on):
            on -= timedelta(days=1)
        return self.named(on)


def local_zone(environ: Mapping[str, str]) -> tzinfo:
    """The learner's zone: `TZ` if set, else /etc/localtime (POSIX), else the Windows setting, else UTC.

    A bad `TZ` is a usage error rather than a silent UTC: a day that starts at the wrong hour is a quiet bug.
    """
    name = (environ.get("TZ") or "").lstrip(":")
    if name:
        if name.startswith("/"):
            return _from_file(Path(name), "TZ")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"TZ={name!r} is not a known time zone (e.g. Europe/Berlin)") from None
    if LOCALTIME.exists():
        return _from_file(LOCALTIME, str(LOCALTIME))
    if sys.platform == "win32":  # pragma: no cover - Windows keeps its zone in the registry, under Windows names
        import tzlocal

        return ZoneInfo(tzlocal.get_localzone_name())
    return UTC


def _from_file(path: Path, where: str) -> tzinfo:
    try:
        with path.open("rb") as f:
            return ZoneInfo.from_file(f, key=str(path))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{where}: cannot read the time zone file {path} ({exc})") from None
