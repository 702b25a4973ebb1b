"""The learner's study day: rollover hour in the local zone, right on the days the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.days import Calendar, local_zone
from serverless_study.errors import UsageError

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "hour", "named", "start", "end", "hours"),
    [
        # Berlin springs forward 2025-03-30 02:00 CET -> 03:00 CEST; the case: midnight is 23:00Z, not 22:00Z.
        (BERLIN, 0, date(2025, 3, 30), "2025-03-29T23:00", "2025-03-30T22:00", 23),
        (BERLIN, 4, date(2025, 3, 29), "2025-03-29T03:00", "2025-03-30T02:00", 23),
        (BERLIN, 4, date(2025, 3, 30), "2025-03-30T02:00", "2025-03-31T02:00", 24),
        # Berlin falls back 2025-10-26 03:00 CEST -> 02:00 CET.
        (BERLIN, 0, date(2025, 10, 26), "2025-10-25T22:00", "2025-10-26T23:00", 25),
        (BERLIN, 4, date(2025, 10, 25), "2025-10-25T02:00", "2025-10-26T03:00", 25),
        # New York springs forward 2025-03-09 02:00 EST -> 03:00 EDT; a 2 am rollover that day begins at the change.
        (NEW_YORK, 4, date(2025, 3, 8), "2025-03-08T09:00", "2025-03-09T08:00", 23),
        (NEW_YORK, 2, date(2025, 3, 9), "2025-03-09T07:00", "2025-03-10T06:00", 23),
        # New York falls back 2025-11-02 02:00 EDT -> 01:00 EST; a 1 am rollover is the first 1 am.
        (NEW_YORK, 4, date(2025, 11, 1), "2025-11-01T08:00", "2025-11-02T09:00", 25),
        (NEW_YORK, 1, date(2025, 11, 2), "2025-11-02T05:00", "2025-11-03T06:00", 25),
    ],
)
def test_day_bounds_follow_the_zone_on_clock_change_days(
    zone: ZoneInfo, hour: int, named: date, start: str, end: str, hours: int
) -> None:
    day = Calendar(zone, hour).named(named)
    assert (day.start, day.end) == (z(start), z(end))
    assert day.end - day.start == timedelta(hours=hours)
    assert day.start.tzinfo is UTC


@pytest.mark.parametrize("hour", [0, 1, 2, 3, 4, 23])
@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_every_moment_falls_in_exactly_one_day(zone: ZoneInfo, hour: int) -> None:
    calendar = Calendar(zone, hour)
    for first, last in (("2025-03-01", "2025-04-05"), ("2025-10-20", "2025-11-10")):  # both clock changes
        moment, seen = z(f"{first}T00:00"), set()
        previous = calendar.day_of(moment)
        while moment < z(f"{last}T00:00"):
            day = calendar.day_of(moment)
            assert day.start <= moment < day.end
            assert day == previous or (day.start == previous.end and day.date == previous.date + timedelta(1))
            assert timedelta(hours=23) <= day.end - day.start <= timedelta(hours=25)
            seen.add(day.date)
            previous, moment = day, moment + timedelta(minutes=20)
        assert len(seen) >= (date.fromisoformat(last) - date.fromisoformat(first)).days


def test_before_the_rollover_hour_it_is_still_yesterday() -> None:
    calendar = Calendar(BERLIN, 4)
    late = datetime(2025, 7, 2, 3, 59, tzinfo=BERLIN)
    assert calendar.day_of(late).date == date(2025, 7, 1)
    assert calendar.day_of(late + timedelta(minutes=1)).date == date(2025, 7, 2)
    with pytest.raises(UsageError, match="--day-starts"):
        Calendar(BERLIN, 24)


def test_the_local_zone_comes_from_tz_then_etc_localtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert local_zone({"TZ": "Europe/Berlin"}) == BERLIN
    assert local_zone({"TZ": ":America/New_York"}) == NEW_YORK
    with pytest.raises(UsageError, match="TZ='Mars/Olympus' is not a known time zone"):
        local_zone({"TZ": "Mars/Olympus"})
    import serverless_study.days as days

    # /etc/localtime is a compiled zone file; copy New York's so the test does not depend on the machine's zone.
    source = next(Path(p) / "America" / "New_York" for p in TZPATH if Path(p).is_dir())
    fake = tmp_path / "localtime"
    fake.write_bytes(source.read_bytes())
    monkeypatch.setattr(days, "LOCALTIME", fake)
    zone = local_zone({})
    assert datetime(2025, 7, 1, 12, tzinfo=zone).utcoffset() == timedelta(hours=-4)
    assert datetime(2025, 12, 1, 12, tzinfo=zone).utcoffset() == timedelta(hours=-5)
    monkeypatch.setattr(days, "LOCALTIME", tmp_path / "missing")
    assert local_zone({}) is UTC


def test_a_bad_tz_or_day_start_is_a_one_line_usage_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Special")
    result = runner.invoke(app, ["stats"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: TZ='Nowhere/Special' is not a known time zone (e.g. Europe/Berlin)"
    monkeypatch.setenv("TZ", "UTC")
    result = runner.invoke(app, ["--day-starts", "24", "stats"], catch_exceptions=False)
    assert result.exit_code == 2 and "--day-starts" in result.stderr and "Traceback" not in result.output
