"""Saved settings: `settings.toml` in the data directory, validated per key; option > setting > default."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from serverless_study.days import DAY_STARTS
from serverless_study.defaults import (
    DEFAULT_RETENTION,
    EXAM_PASS_MARK,
    LEARNING_STEPS_MINUTES,
    LEECH_LAPSES,
    MAXIMUM_INTERVAL,
    NEW_PER_DAY,
    RELEARNING_STEPS_MINUTES,
    REVIEWS_PER_DAY,
)
from serverless_study.errors import UsageError

SETTINGS_FILE = "settings.toml"
FSRS_PARAMETER_COUNT = 21  # FSRS-6, as both the `fsrs` package and fsrs-rs use
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SettingsError(UsageError):
    """A setting that cannot be used: names the key, and the file and line when it came from the file."""


class Source(str, Enum):
    OPTION = "option"
    SETTING = "setting"
    DEFAULT = "default"


@dataclass(frozen=True)
class Spec:
    """One setting: its default, what it means, and how to check a value (ValueError says what is wrong)."""

    key: str
    default: Any
    help: str
    check: Callable[[Any], Any]  # a TOML value → the value used; ValueError with a reason when it is not valid
    from_text: Callable[[str], Any]  # a command-line string → a TOML value (then `check`ed)
    option: str = ""  # the command-line option that overrides it, named in its errors


def _number(value: Any, kind: type) -> float | int:
    # bool is an int in Python, but `true` is no number of cards
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise ValueError(f"must be {'a whole number' if kind is int else 'a number'}, not {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    return value


def _int_in(low: int, high: int | None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        n = int(_number(value, int))
        if n < low or (high is not None and n > high):
            raise ValueError(f"must be {_range_text(low, high)}, not {n}")
        return n

    return check


def _range_text(low: float, high: float | None) -> str:
    return f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"


def _retention(value: Any) -> float:
    r = float(_number(value, float))
    if not 0.7 <= r <= 0.99:
        raise ValueError(f"must be between 0.7 and 0.99, not {r:g}")
    return r


def parse_duration(text: str) -> timedelta:
    """ "30s", "1m", "10m", "1h", "1d" → a timedelta; ValueError otherwise."""
    m = _DURATION.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f'{_show(text)} is not a duration such as "1m", "10m", "1h" or "1d"')
    amount = float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    if amount <= 0:
        raise ValueError(f"{_show(text)} is not a positive duration")
    return timedelta(seconds=amount)


def duration_text(step: timedelta) -> str:
    """The shortest exact form of a step: 600 s → "10m"."""
    seconds = step.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{int(seconds // _UNIT_SECONDS[unit])}{unit}"
    return f"{seconds:g}s"


def _steps(value: Any) -> tuple[timedelta, ...]:
    if not isinstance(value, list):
        raise ValueError(f'must be a list of durations such as ["1m", "10m"], not {_show(value)}')
    return tuple(parse_duration(v) for v in value)


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be {' or '.join(repr(a) for a in allowed)}, not {_show(value)}")
        return str(value)

    return check


def _parameters(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != FSRS_PARAMETER_COUNT:
        raise ValueError(f"must be a list of {FSRS_PARAMETER_COUNT} numbers (written by `optimize`)")
    return tuple(float(_number(v, float)) for v in value)


def _show(value: Any) -> str:
    try:
        return _toml(value)
    except TypeError:
        return repr(value)


# --- from the command line ------------------------------------------------------


def _text_number(text: str) -> int | float | str:
    with contextlib.suppress(ValueError):
        return int(text)
    with contextlib.suppress(ValueError):
        return float(text)
    return text


def _text_list(text: str) -> list[str]:
    """`1m 10m`, `1m,10m` and `["1m", "10m"]` all mean the list of those two; `[]` or "" the empty list."""
    inner = text.strip().removeprefix("[").removesuffix("]")
    return [part.strip().strip("\"'") for part in re.split(r"[\s,]+", inner) if part.strip().strip("\"'")]


def _text_numbers(text: str) -> list[int | float | str]:
    return [_text_number(part) for part in _text_list(text)]


SPECS: dict[str, Spec] = {
    s.key: s
    for s in (
        Spec("desired_retention", DEFAULT_RETENTION,
             "probability of recall to schedule for, 0.7-0.99 (quiz --retention)", _retention, _text_number,
             "--retention"),
        Spec("new_per_day", NEW_PER_DAY, "new cards a day (quiz --new)", _int_in(0, None), _text_number, "--new"),
        Spec("reviews_per_day", REVIEWS_PER_DAY, "reviews a day (quiz --reviews)", _int_in(0, None), _text_number,
             "--reviews"),
        Spec("day_starts", DAY_STARTS, "hour of local time (0-23) at which a study day begins", _int_in(0, 23),
             _text_number, "--day-starts"),
        Spec("learning_steps", tuple(f"{m}m" for m in LEARNING_STEPS_MINUTES),
             "waits between the first answers to a new card", _steps, _text_list),
        Spec("relearning_steps", tuple(f"{m}m" for m in RELEARNING_STEPS_MINUTES), "waits after a forgotten review",
             _steps, _text_list),
        Spec("maximum_interval", MAXIMUM_INTERVAL, "longest interval between reviews, in days",
             _int_in(1, MAXIMUM_INTERVAL), _text_number),
        Spec("leech_threshold", LEECH_LAPSES, "lapses that make a card a leech", _int_in(1, None), _text_number),
        Spec("leech_action", "list", 'what happens to a leech: "list" (in stats) or "suspend"',
             _choice("list", "suspend"), str),
        Spec("exam_pass_mark", EXAM_PASS_MARK, "pass mark of a practice exam, in percent (exam --pass)",
             _int_in(0, 100), _text_number, "--pass"),
        Spec("fsrs_parameters", None, "personal FSRS parameters (written by optimize; none = FSRS defaults)",
             _parameters, _text_numbers),
    )
}  # fmt: skip


# Saved and checked already, but read by features this version does not have yet: `config` says so, so that a saved
# value never looks as if it were in force. Remove an entry when its feature lands.
_NOT_YET_USED: dict[str, str] = {}


def not_in_effect(key: str, value: Any) -> str | None:
    """Why a saved value changes nothing yet, or None when it is in force."""
    return _NOT_YET_USED.get(key)


@dataclass(frozen=True)
class Settings:
    """Every setting's value in force, and where each came from."""

    desired_retention: float = DEFAULT_RETENTION
    new_per_day: int = NEW_PER_DAY
    reviews_per_day: int = REVIEWS_PER_DAY
    day_starts: int = DAY_STARTS
    learning_steps: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in LEARNING_STEPS_MINUTES)
    relearning_steps: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in RELEARNING_STEPS_MINUTES)
    maximum_interval: int = MAXIMUM_INTERVAL
    leech_threshold: int = LEECH_LAPSES
    leech_action: str = "list"
    exam_pass_mark: int = EXAM_PASS_MARK
    fsrs_parameters: tuple[float, ...] | None = None
    sources: Mapping[str, Source] = field(default_factory=dict)

    def source(self, key: str) -> Source:
        return self.sources.get(key, Source.DEFAULT)


def resolve(saved: Mapping[str, Any], options: Mapping[str, Any] | None = None) -> Settings:
    """Settings from checked saved values and command-line options: an option (not None) wins, then the file."""
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for key, spec in SPECS.items():
        option = (options or {}).get(key)
        if option is not None:
            try:
                values[key], sources[key] = spec.check(_plain(option)), Source.OPTION
            except ValueError as exc:
                raise SettingsError(f"{spec.option or key}: {exc}") from None
        elif key in saved:
            values[key], sources[key] = saved[key], Source.SETTING
        elif spec.default is not None:
            values[key], sources[key] = spec.check(_plain(spec.default)), Source.DEFAULT
    return Settings(**values, sources=sources)


def spec_of(key: str, where: str = "") -> Spec:
    """The setting called `key`, or SettingsError listing the known ones."""
    spec = SPECS.get(key)
    if spec is None:
        prefix = f"{where}: " if where else ""
        raise SettingsError(f"{prefix}{key}: unknown setting (known: {', '.join(SPECS)})")
    return spec


def checked(key: str, value: Any, where: str = "") -> Any:
    """The value to use for `key`, or SettingsError naming the key (and `where`, file:line, when given)."""
    spec = spec_of(key, where)
    prefix = f"{where}: " if where else ""
    try:
        return spec.check(_plain(value))
    except ValueError as exc:
        raise SettingsError(f"{prefix}{key}: {exc}") from None


def parse(text: str, file: str) -> dict[str, Any]:
    """The checked values of a settings file's text; SettingsError with file:line for broken TOML or a bad value."""
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(_toml_error(file, text, exc)) from None
    return {key: checked(key, value, f"{file}:{_line_of(text, key)}") for key, value in raw.items()}


def _toml_error(file: str, text: str, exc: Exception) -> str:
    # tomllib says "Expected '=' after a key in a key/value pair (at line 3, column 9)", or "(at end of document)"
    message = str(exc)
    m = re.search(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$", message)
    if m is None:
        return f"{file}: {message}"
    line = m.group(1) or max(1, len(text.rstrip().splitlines()))
    return f"{file}:{line}: {message[: m.start()]}"


def _line_of(text: str, key: str) -> int:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return 0


def from_text(key: str, text: str) -> Any:
    """A value typed on the command line (`config KEY VALUE`), checked; SettingsError naming the key."""
    return checked(key, spec_of(key).from_text(text))


def dumps(values: Mapping[str, Any]) -> str:
    """TOML for checked values, one `key = value` line each, in the order of SPECS."""
    lines = ["# serverless-study settings: `serverless-study config` lists them; edit here or with `config KEY VALUE`."]
    lines += [f"{key} = {_toml(to_plain(key, values[key]))}" for key in SPECS if key in values]
    return "\n".join(lines) + "\n"


def to_plain(key: str, value: Any) -> Any:
    """A checked value back in its file form: steps as duration strings, tuples as lists."""
    if key in ("learning_steps", "relearning_steps"):
        return [duration_text(step) for step in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def value_text(key: str, value: Any) -> str:
    """How `config` shows a value: as it would be written in the file; "none" when unset."""
    return "none" if value is None else _toml(to_plain(key, value))


# --- the file -------------------------------------------------------------------


def read(path: Path) -> dict[str, Any]:
    """The checked values saved in `path` ({} when there is no file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read ({exc})") from None
    return parse(text, str(path))


def save(path: Path, key: str, value: Any) -> None:
    """Set one key (checked already) in the file, keeping the others; a file that cannot be parsed is not touched."""
    values = read(path)
    values[key] = value
    _write(path, values)


def unset(path: Path, key: str) -> bool:
    """Remove one key from the file; False when it was not set there."""
    spec_of(key)
    values = read(path)
    if key not in values:
        return False
    del values[key]
    _write(path, values)
    return True


def _write(path: Path, values: Mapping[str, Any]) -> None:
    from serverless_study.fsutil import atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, dumps(values).encode("utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot write ({exc.strerror or exc})") from None
