"""The terminal environment a command runs in: streams, TTY flags, paths and clock, in one object."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from serverless_study.content import Content
    from serverless_study.days import Calendar, Day
    from serverless_study.loader import LoadResult
    from serverless_study.prompts import Prompter
    from serverless_study.settings import Settings

# The one --plain of every command that asks questions (quiz, exam).
PlainOption = Annotated[
    bool,
    typer.Option(
        "--plain",
        help="Plain line mode: numbered choices, one answer per line (automatic when input is not a terminal).",
    ),
]

OK, FAILURE, USAGE, INTERRUPTED = 0, 1, 2, 130


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Env:
    data_dir: Path
    extra_content: list[Path] = field(default_factory=list)
    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    environ: Any = field(default_factory=lambda: os.environ)
    clock: Callable[[], datetime] = _utcnow
    day_starts: int | None = None  # --day-starts: the hour of local time a study day begins (None: the default)
    prompt_options: dict[str, Any] = field(default_factory=dict)  # input=/output= for prompt_toolkit in tests
    pager: Any = None  # a rich.pager.Pager for long reading; None means Rich's system pager (honours $PAGER)
    launch: Callable[[str], Any] = typer.launch  # opens a file in the system's viewer (`learn --open`)
    owns_process: bool = False  # set by `main` only (never in tests): a command may end the process itself (`end`)
    _saved_settings: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def end(self, code: int) -> None:
        """End the command with exit status `code`, at once when it owns the process: without freeing, object by
        object, what it built (`check` on a 100k-fact pack spent a tenth of its time on that). Only once both streams
        are flushed; if one cannot be, the command ends the usual way."""
        if self.owns_process:
            try:
                self.stdout.flush()
                self.stderr.flush()
            except (OSError, ValueError):
                pass
            else:
                os._exit(code)
        if code:
            raise typer.Exit(code)

    @property
    def stdout_isatty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stdin_isatty(self) -> bool:
        return _isatty(self.stdin)

    @property
    def no_color(self) -> bool:
        return bool(self.environ.get("NO_COLOR"))

    @property
    def interactive(self) -> bool:
        """Both ends are a terminal: prompts with arrows and colour are possible."""
        return self.stdin_isatty and self.stdout_isatty

    @property
    def content_dirs(self) -> list[Path]:
        from serverless_study.paths import shipped_content_dir

        return [shipped_content_dir(), *self.extra_content]

    def calendar(self) -> Calendar:
        """Study days in the learner's zone (TZ, else /etc/localtime) starting at --day-starts, else the setting."""
        from serverless_study.days import Calendar, local_zone

        return Calendar(local_zone(self.environ), self.settings(day_starts=self.day_starts).day_starts)

    def today(self, now: datetime) -> Day:
        return self.calendar().day_of(now)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def anki_ledger(self) -> Path:
        """When each exported Anki note last changed, so a new package updates only the notes that did."""
        return self.data_dir / "anki-package-ledger.json"

    @property
    def settings_file(self) -> Path:
        """Saved settings (`config`), as TOML."""
        from serverless_study.settings import SETTINGS_FILE

        return self.data_dir / SETTINGS_FILE

    def settings(self, **options: Any) -> Settings:
        """The settings in force: options given (not None) over the saved file (read once) over the defaults."""
        from serverless_study.settings import read, resolve

        if self._saved_settings is None:
            self._saved_settings = read(self.settings_file)
        return resolve(self._saved_settings, options)

    def console(self) -> Console:
        from serverless_study.render import make_console

        return make_console(self.stdout, terminal=self.stdout_isatty, no_color=self.no_color)

    def err_console(self) -> Console:
        from serverless_study.render import make_console

        return make_console(self.stderr, terminal=_isatty(self.stderr), no_color=self.no_color)

    def prompter(self, plain: bool) -> Prompter:
        """Numbered line prompts when plain (pipes, screen readers); questionary in a terminal."""
        from serverless_study.prompts import LinePrompter, QuestionaryPrompter

        return LinePrompter(self.stdin, self.stdout) if plain else QuestionaryPrompter(**self.prompt_options)

    def error(self, message: str) -> None:
        """One line on stderr, never markup-interpreted; content it quotes passes through the sanitiser."""
        from serverless_study.sanitize import clean

        print(f"error: {clean(message)}", file=self.stderr)

    def warn(self, message: str) -> None:
        from serverless_study.sanitize import clean

        print(clean(message), file=self.stderr)

    def load(self, *, require: bool = True) -> LoadResult:
        """Load all content (shipped + --content packs) through the cache; report problems, keep going."""
        from serverless_study.loader import load_topics

        result = load_topics(self.content_dirs, cache_dir=self.cache_dir, now=self.clock().timestamp())
        self._report(result.problems, bool(result.topics), require)
        return result

    def content(self, *, require: bool = True) -> Content:
        """The content through its index: topics are loaded as the command asks for them; problems reported."""
        from serverless_study.content import Content

        content = Content.open(self.content_dirs, cache_dir=self.cache_dir, now=self.clock().timestamp())
        self._report(content.problems, bool(content.heads), require)
        return content

    def _report(self, problems: list[Any], loaded: bool, require: bool) -> None:
        for problem in problems:
            self.warn(str(problem))
        if require and not loaded:
            self.error("no topics could be loaded")
            raise typer.Exit(FAILURE)


def examples(*commands: str) -> str:
    """A help epilog with one example per line, never rewrapped (click's \\b marker keeps the paragraph as written)."""
    return "\b\n" + ("Example:" if len(commands) == 1 else "Examples:") + "".join(f"\n  {c}" for c in commands)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def get_env(ctx: typer.Context) -> Env:
    env = ctx.find_root().obj
    if not isinstance(env, Env):
        from serverless_study.paths import data_dir

        env = Env(data_dir=data_dir(None, os.environ))
        ctx.find_root().obj = env
    return env


@contextlib.contextmanager
def errors_handled(env: Env) -> Iterator[None]:
    """Turn project errors into one line and exit 1; Ctrl-C into exit 130; never a traceback."""
    from serverless_study.errors import StudyError, UsageError

    try:
        yield
    except UsageError as exc:
        env.error(str(exc))
        raise typer.Exit(USAGE) from None
    except StudyError as exc:
        env.error(str(exc))
        raise typer.Exit(FAILURE) from None
    except KeyboardInterrupt:
        env.warn("interrupted")
        raise typer.Exit(INTERRUPTED) from None
