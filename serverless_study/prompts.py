"""Questions put to the learner: questionary in a terminal. The only questionary import."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol, cast

from serverless_study.model import Grade
from serverless_study.sanitize import sanitized
from serverless_study.store import HoldKind

# --- prompts -------------------------------------------------------------------------------------------------------
# A Prompter asks one thing at a time. None means the learner quit (q, end of input, or too many answers that fit
# nothing); UNDO means "take back my previous answer"; Ctrl-C raises KeyboardInterrupt in both implementations so
# that the session can tell an interruption (exit 130) from a clean quit (exit 0).


class _Token:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_Undo = _Token
UNDO = _Token("UNDO")  # take back an answer
CONTINUE = _Token("CONTINUE")  # go on to the next question (after a wrong answer: the miss is saved as Again)
OVERRIDE = _Token("OVERRIDE")  # "I was right": a typed answer judged wrong counts as right after all
FLAG = _Token("FLAG")  # exam: flag (or unflag) this question to come back to it before submitting
SKIP = _Token("SKIP")  # exam: leave this question unanswered for now
SUBMIT = _Token("SUBMIT")  # exam: hand it in now
REVIEW = _Token("REVIEW")  # exam: go back to the flagged and unanswered questions
TIMEOUT = _Token("TIMEOUT")  # a prompt given a time limit (a timed exam) ended unanswered when it ran out
GRADE_NAMES = {Grade.AGAIN: "Again", Grade.HARD: "Hard", Grade.GOOD: "Good", Grade.EASY: "Easy"}
GRADE_KEYS = {Grade.AGAIN: "a", Grade.HARD: "h", Grade.GOOD: "g", Grade.EASY: "e"}


@dataclass(frozen=True)
class Action:
    """One entry of the prompt after a verdict: the keys that pick it at once, its name, and what the prompt returns.

    The shell lists the actions it offers (ratings, continue, undo, quit); an action of a later feature (override,
    suspend, bury) is one more entry, not another prompt.
    """

    keys: tuple[str, ...]  # single keys that pick it at once ("h", "2"); Enter picks the default action
    label: str
    value: object  # a Grade, CONTINUE, UNDO, OVERRIDE, a HoldKind (suspend, bury), or None for quit
    note: str = ""  # e.g. when the card comes back
    primary: bool = True  # primary actions are the choices; the others follow a separator


def rating(grade: Grade, note: str = "") -> Action:
    """The action that rates with `grade`, picked by its initial or its number (as in Anki: 1 Again … 4 Easy)."""
    return Action((GRADE_KEYS[grade], str(int(grade))), GRADE_NAMES[grade], grade, note)


UNDO_ACTION = Action(("u",), "Undo this answer", UNDO, primary=False)
QUIT_ACTION = Action(("q",), "Quit", None, primary=False)
OVERRIDE_ACTION = Action(("o",), "Override: I was right", OVERRIDE, primary=False)
SUSPEND_ACTION = Action(("s",), "Suspend this card", HoldKind.SUSPENDED, primary=False)
BURY_ACTION = Action(("b",), "Bury it until tomorrow", HoldKind.BURIED, primary=False)
FLAG_ACTION = Action(("f",), "Flag for review (or unflag)", FLAG, primary=False)
SKIP_ACTION = Action(("s",), "Skip for now", SKIP, primary=False)
SUBMIT_ACTION = Action(("q",), "Submit the exam", SUBMIT, primary=False)


def _key_hint(actions: Sequence[Action], default: Action) -> str:
    """ "Enter = Good, h/g/e or 2/3/4, u undo, q quit": the keys of every action, ratings grouped."""
    rated = [a for a in actions if isinstance(a.value, Grade)]
    parts = [f"Enter = {default.label}"]
    if rated:
        parts.append("/".join(a.keys[0] for a in rated) + " or " + "/".join(a.keys[1] for a in rated))
    parts += [f"{a.keys[0]} {a.label.split()[0].lower().rstrip(':')}" for a in actions if a.keys and a not in rated]
    return ", ".join(parts)


class Prompter(Protocol):
    plain: bool

    def choose(
        self,
        message: str,
        choices: Sequence[str],
        *,
        undo: bool = False,
        extra: Sequence[Action] = (),
        timeout: float | None = None,
    ) -> int | _Token | None:
        """The index of the chosen choice, or the value of an `extra` action picked by its key.

        `timeout` (seconds): a terminal prompt ends with TIMEOUT when it runs out; a line prompt cannot be cut short
        while it waits for a line, so the caller checks its clock after the answer.
        """

    def text(
        self, message: str, *, undo: bool = False, extra: Sequence[Action] = (), timeout: float | None = None
    ) -> str | _Token | None:
        """A typed line ("" when the learner just presses Enter), or the value of an `extra` action's key."""

    def act(self, message: str, actions: Sequence[Action], *, default: Action, timeout: float | None = None) -> object:
        """The value of the chosen action (Enter picks `default`); None when the learner quits or input ends."""

    def discard_typeahead(self) -> None:
        """Forget keys typed before now (in a terminal), so a stray Enter cannot answer the next prompt."""


class LinePrompter:
    """Plain line mode for pipes, scripts and screen readers: one line per answer, numbers for choices."""

    plain = True

    def __init__(self, stdin: IO[str], stdout: IO[str], *, retries: int = 3) -> None:
        self.stdin, self.stdout, self.retries = stdin, stdout, retries

    @sanitized  # the question, choices and hints shown may come from content
    def choose(
        self,
        message: str,
        choices: Sequence[str],
        *,
        undo: bool = False,
        extra: Sequence[Action] = (),
        timeout: float | None = None,
    ) -> int | _Token | None:
        self._say(message)
        for n, choice in enumerate(choices, 1):
            self._say(f"  {n}. {choice}")
        more = (", u to undo" if undo else "") + _extra_hint(extra)
        keys = f"1-{len(choices)}{more}"
        head, _, last = f"Please type a number from 1 to {len(choices)}{more}".rpartition(", ")
        hint = f"{head} or {last}."

        def parse(line: str) -> int | _Token | bool | None:
            if undo and line == "u":
                return UNDO
            if line in (keyed := _extra_keys(extra)):
                return keyed[line]
            # ASCII digits only: str.isdigit() is also true of "²" and "٣", which int() then refuses or misreads
            if line.isascii() and line.isdigit() and 1 <= int(line) <= len(choices):
                return int(line) - 1
            # The choice's own text works too: handy for scripts, and for anyone who would rather type it.
            texts = [c.strip().casefold() for c in choices]
            return texts.index(line) if line in texts else False

        return cast("int | _Token | None", self._ask(f"Choice ({keys}): ", hint, parse))

    @sanitized  # the question, choices and hints shown may come from content
    def text(
        self, message: str, *, undo: bool = False, extra: Sequence[Action] = (), timeout: float | None = None
    ) -> str | _Token | None:
        keys = ("u to undo, " if undo else "") + _extra_hint(extra).removeprefix(", ")
        line = self._read(f"{message} ({keys}): ")
        if line is None:
            return None
        key = line.strip().lower()
        if key in (keyed := _extra_keys(extra)):
            return keyed[key]
        if key == "q":
            return None
        if undo and key == "u":
            return UNDO
        return line.strip()

    @sanitized  # the question, choices and hints shown may come from content
    def act(self, message: str, actions: Sequence[Action], *, default: Action, timeout: float | None = None) -> object:
        listed = [a for a in actions if a.primary and a.keys]
        if listed:  # ratings: "How hard was it: 2 Hard (6 min), 3 Good (10 min), 4 Easy (3 days)."
            items = (f"{a.keys[-1]} {a.label}" + (f" ({a.note})" if a.note else "") for a in listed)
            self._say(f"{message}: {', '.join(items)}.")
        hint = f"Please press Enter or type one of: {_key_hint(actions, default)}."

        def parse(line: str) -> object:
            if line == "":
                return default.value
            for action in actions:
                if line in action.keys or line == action.label.casefold():
                    return action.value
            return False

        return self._ask(f"{'Rating' if listed else 'Next'} ({_key_hint(actions, default)}): ", hint, parse)

    def discard_typeahead(self) -> None:
        """Plain mode reads lines as they come: a script's answers are not typed ahead by accident."""

    def _ask(self, prompt: str, hint: str, parse: Any) -> Any:
        for attempt in range(self.retries + 1):
            line = self._read(prompt)
            if line is None or line.strip().lower() == "q":
                return None
            result = parse(line.strip().casefold())
            if result is not False:
                return result
            if attempt < self.retries:
                self._say(hint)
        self._say("Too many answers I could not use; ending the session.")
        return None

    def _say(self, line: str) -> None:
        print(line, file=self.stdout)

    def _read(self, prompt: str) -> str | None:
        """One line from stdin (None at end of input); the prompt is flushed first so a reader sees it."""
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if line == "":
            self._say("")
            return None
        return line.rstrip("\r\n")


class QuestionaryPrompter:
    """Arrow-key prompts in a terminal. `app_options` (input=, output=) let tests drive real prompts."""

    plain = False

    def __init__(self, **app_options: Any) -> None:
        self.app_options = app_options

    @sanitized  # the question, choices and hints shown may come from content
    def choose(
        self,
        message: str,
        choices: Sequence[str],
        *,
        undo: bool = False,
        extra: Sequence[Action] = (),
        timeout: float | None = None,
    ) -> int | _Token | None:
        import questionary

        shortcuts = len(choices) <= 9  # questionary numbers 1-9 itself; beyond that we number the choices
        options: list[Any] = [
            questionary.Choice(title=c if shortcuts else f"{i + 1:>{len(str(len(choices)))}}) {c}", value=i)
            for i, c in enumerate(choices)
        ]
        others = (
            [questionary.Choice("Undo the last answer, suspend or bury", value=UNDO, shortcut_key=False)]
            if undo
            else []
        )
        others += [questionary.Choice(a.label, value=a.value, shortcut_key=False) for a in extra]
        if others:
            options += [questionary.Separator(), *others]
        keys = (", u undo" if undo else "") + "".join(f", {a.keys[0]} {_verb(a)}" for a in extra if a.keys)
        question = questionary.select(
            message,
            choices=options,
            use_shortcuts=shortcuts,
            use_jk_keys=False,
            instruction=f"(arrows or number, Enter{keys}, Ctrl-C quit)",
            **self.app_options,
        )
        if not shortcuts:
            _bind_numbers(question, len(choices))
        _bind(question, ({"u": UNDO} if undo else {}) | _extra_keys(extra))
        _time_limit(question, timeout)
        return cast("int | _Token | None", question.unsafe_ask())

    @sanitized  # the question, choices and hints shown may come from content
    def text(
        self, message: str, *, undo: bool = False, extra: Sequence[Action] = (), timeout: float | None = None
    ) -> str | _Token | None:
        import questionary

        keys = ["u undo"] * undo + [f"{a.keys[0]} {_verb(a)}" for a in extra if a.keys]
        question = questionary.text(message, instruction=f"({', '.join(keys)})" if keys else None, **self.app_options)
        _time_limit(question, timeout)
        answer: str | _Token = question.unsafe_ask()
        if isinstance(answer, _Token):  # TIMEOUT
            return answer
        key = answer.strip().lower()
        if key in (keyed := _extra_keys(extra)):
            return keyed[key]
        if undo and key == "u":
            return UNDO
        return answer.strip()

    @sanitized  # the question, choices and hints shown may come from content
    def act(self, message: str, actions: Sequence[Action], *, default: Action, timeout: float | None = None) -> object:
        import questionary

        def title(a: Action) -> str:
            return a.label + (f"  ({a.note})" if a.note else "")

        options: list[Any] = [questionary.Choice(title(a), value=i, shortcut_key=False) for i, a in enumerate(actions)]
        primary = [o for o, a in zip(options, actions, strict=True) if a.primary]
        others = [o for o, a in zip(options, actions, strict=True) if not a.primary]
        question = questionary.select(
            message,
            choices=[*primary, *([questionary.Separator()] if primary and others else []), *others],
            default=options[actions.index(default)],
            instruction=f"({_key_hint(actions, default)})",
            use_jk_keys=False,
            **self.app_options,
        )
        _bind(question, {key: i for i, a in enumerate(actions) for key in a.keys}, echo=True)
        _time_limit(question, timeout)
        picked = question.unsafe_ask()
        return TIMEOUT if picked is TIMEOUT else actions[cast("int", picked)].value

    def discard_typeahead(self) -> None:
        """Drop keys typed while the feedback was shown: the kernel's input queue and prompt_toolkit's type-ahead.

        Only for a real terminal: tests' pipe input is all "typed ahead" and is meant for the prompts that follow.
        """
        import os

        from prompt_toolkit.input import create_input
        from prompt_toolkit.input.typeahead import clear_typeahead

        given = self.app_options.get("input")
        fileno = getattr(given, "fileno", None) if given is not None else sys.stdin.fileno
        try:
            fd = fileno() if fileno is not None else -1
        except (OSError, ValueError):
            return
        if fd < 0 or not os.isatty(fd):
            return
        import termios

        termios.tcflush(fd, termios.TCIFLUSH)
        clear_typeahead(given if given is not None else create_input())


def _time_limit(question: Any, seconds: float | None) -> None:
    """End the prompt with TIMEOUT after `seconds` unless it is answered first (a timed exam submits itself)."""
    if seconds is None:
        return
    app = question.application

    def start() -> None:  # runs once the prompt's event loop is up and its result future exists
        import asyncio

        future = app.future

        def expire() -> None:
            if app.future is future and future is not None and not future.done():
                app.exit(result=TIMEOUT)

        asyncio.get_running_loop().call_later(max(0.0, seconds), expire)

    app.pre_run_callables.append(start)


def _extra_keys(extra: Sequence[Action]) -> dict[str, _Token]:
    """key → value of the extra actions a question prompt offers (flag, skip, submit: tokens)."""
    return {key: cast("_Token", a.value) for a in extra for key in a.keys}


def _verb(action: Action) -> str:
    """ "Flag for review (or unflag)" → "flag": how a key hint names an action."""
    return action.label.split()[0].lower().rstrip(":")


def _extra_hint(extra: Sequence[Action]) -> str:
    """ ", f to flag, s to skip, q to submit", with "q to quit" unless an extra action takes q."""
    hints = [f"{a.keys[0]} to {_verb(a)}" for a in extra if a.keys]
    if not any("q" in a.keys for a in extra):
        hints.append("q to quit")
    return "".join(f", {h}" for h in hints)


def _bind(question: Any, keys: dict[str, Any], *, echo: bool = False) -> None:
    """Keys that answer a select at once (the select's own bindings only move its pointer).

    With `echo` the values are choice indexes: the key also points at that choice and marks the select answered, so
    the line left on screen names what was picked ("How hard was it Hard (6 min)"), as Enter would.
    """
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from questionary.prompts.common import InquirerControl

    app = question.application
    control = next((c for c in app.layout.find_all_controls() if isinstance(c, InquirerControl)), None)

    def pick(event: Any, value: Any) -> None:
        if echo and control is not None:
            control.pointed_at = next(i for i, c in enumerate(control.choices) if c.value == value)
            control.is_answered = True
        event.app.exit(result=value)

    extra = KeyBindings()
    for key, value in keys.items():
        extra.add(key, eager=True)(lambda event, value=value: pick(event, value))
    app.key_bindings = merge_key_bindings([app.key_bindings, extra])


def _bind_numbers(question: Any, count: int) -> None:
    """Digits point at the choice with that number ("1" then "3" points at 13); Enter picks it, as with 1-9."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from questionary.prompts.common import InquirerControl

    app = question.application
    control = next(c for c in app.layout.find_all_controls() if isinstance(c, InquirerControl))
    typed = [""]

    def digit(event: Any) -> None:
        number = typed[0] + event.key_sequence[0].data
        if not 1 <= int(number) <= count:  # too big to extend: start a new number with this digit
            number = event.key_sequence[0].data
        if 1 <= int(number) <= count:
            typed[0] = number
            control.pointed_at = next(i for i, c in enumerate(control.choices) if c.value == int(number) - 1)

    extra = KeyBindings()
    for d in "0123456789":
        extra.add(d, eager=True)(digit)
    app.key_bindings = merge_key_bindings([app.key_bindings, extra])
