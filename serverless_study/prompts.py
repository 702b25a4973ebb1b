"""Questions put to the learner: questionary in a terminal. The only questionary import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any, Protocol, cast

from serverless_study.model import Grade
from serverless_study.sanitize import sanitized

# --- prompts -------------------------------------------------------------------------------------------------------
# A Prompter asks one thing at a time. None means the learner quit (q, end of input, or too many answers that fit
# nothing); UNDO means "take back my previous answer"; Ctrl-C raises KeyboardInterrupt in both implementations so
# that the session can tell an interruption (exit 130) from a clean quit (exit 0).


class _Undo:
    def __repr__(self) -> str:
        return "UNDO"


UNDO = _Undo()
GRADE_NAMES = {Grade.AGAIN: "Again", Grade.HARD: "Hard", Grade.GOOD: "Good", Grade.EASY: "Easy"}
GRADE_KEYS = {Grade.AGAIN: "a", Grade.HARD: "h", Grade.GOOD: "g", Grade.EASY: "e"}


class Prompter(Protocol):
    plain: bool

    def choose(self, message: str, choices: Sequence[str], *, undo: bool = False) -> int | _Undo | None:
        """The index of the chosen choice."""

    def text(self, message: str, *, undo: bool = False) -> str | _Undo | None:
        """A typed line ("" when the learner just presses Enter)."""

    def rate(self, message: str, options: Sequence[tuple[Grade, str]], *, default: Grade = Grade.GOOD) -> Grade | None:
        """One of the offered grades; each option carries a hint such as when the card comes back."""


class LinePrompter:
    """Plain line mode for pipes, scripts and screen readers: one line per answer, numbers for choices."""

    plain = True

    def __init__(self, stdin: IO[str], stdout: IO[str], *, retries: int = 3) -> None:
        self.stdin, self.stdout, self.retries = stdin, stdout, retries

    @sanitized  # the question, choices and hints shown may come from content
    def choose(self, message: str, choices: Sequence[str], *, undo: bool = False) -> int | _Undo | None:
        self._say(message)
        for n, choice in enumerate(choices, 1):
            self._say(f"  {n}. {choice}")
        keys = f"1-{len(choices)}" + (", u to undo" if undo else "") + ", q to quit"
        hint = f"Please type a number from 1 to {len(choices)}" + (", u to undo" if undo else "") + " or q to quit."

        def parse(line: str) -> int | _Undo | bool | None:
            if undo and line == "u":
                return UNDO
            # ASCII digits only: str.isdigit() is also true of "²" and "٣", which int() then refuses or misreads
            if line.isascii() and line.isdigit() and 1 <= int(line) <= len(choices):
                return int(line) - 1
            # The choice's own text works too: handy for scripts, and for anyone who would rather type it.
            texts = [c.strip().casefold() for c in choices]
            return texts.index(line) if line in texts else False

        return cast("int | _Undo | None", self._ask(f"Choice ({keys}): ", hint, parse))

    @sanitized  # the question, choices and hints shown may come from content
    def text(self, message: str, *, undo: bool = False) -> str | _Undo | None:
        keys = "u to undo, q to quit" if undo else "q to quit"
        line = self._read(f"{message} ({keys}): ")
        if line is None or line.strip().lower() == "q":
            return None
        if undo and line.strip().lower() == "u":
            return UNDO
        return line.strip()

    @sanitized  # the question, choices and hints shown may come from content
    def rate(self, message: str, options: Sequence[tuple[Grade, str]], *, default: Grade = Grade.GOOD) -> Grade | None:
        # Numbers are the grade values (as in Anki: 1 Again … 4 Easy) and letters their initials.
        listing = ", ".join(f"{int(g)} {GRADE_NAMES[g]}" + (f" ({when})" if when else "") for g, when in options)
        self._say(f"{message}: {listing}.")
        keys = "/".join(GRADE_KEYS[g] for g, _ in options)
        hint = (
            f"Please type {', '.join(str(int(g)) for g, _ in options)} or {keys}; Enter means "
            f"{GRADE_NAMES[default]}; q quits."
        )

        def parse(line: str) -> Grade | bool | None:
            if line == "":
                return default
            for grade, _when in options:
                if line in (str(int(grade)), GRADE_KEYS[grade], GRADE_NAMES[grade].lower()):
                    return grade
            return False

        return cast(
            "Grade | None", self._ask(f"Rating (Enter = {GRADE_NAMES[default]}, {keys}, q to quit): ", hint, parse)
        )

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
    def choose(self, message: str, choices: Sequence[str], *, undo: bool = False) -> int | _Undo | None:
        import questionary

        options: list[Any] = [questionary.Choice(title=c, value=i) for i, c in enumerate(choices)]
        if undo:
            options += [
                questionary.Separator(),
                questionary.Choice("Undo previous answer", value=UNDO, shortcut_key=False),
            ]
        question = questionary.select(
            message,
            choices=options,
            use_shortcuts=len(choices) <= 9,
            use_jk_keys=False,
            instruction="(arrows or number, Enter" + (", u undo" if undo else "") + ", Ctrl-C quit)",
            **self.app_options,
        )
        if undo:
            _bind(question, {"u": UNDO})
        return cast("int | _Undo | None", question.unsafe_ask())

    @sanitized  # the question, choices and hints shown may come from content
    def text(self, message: str, *, undo: bool = False) -> str | _Undo | None:
        import questionary

        answer: str = questionary.text(
            message, instruction="(u undo)" if undo else None, **self.app_options
        ).unsafe_ask()
        if undo and answer.strip().lower() == "u":
            return UNDO
        return answer.strip()

    @sanitized  # the question, choices and hints shown may come from content
    def rate(self, message: str, options: Sequence[tuple[Grade, str]], *, default: Grade = Grade.GOOD) -> Grade | None:
        import questionary

        choices = [
            questionary.Choice(f"{GRADE_NAMES[g]}" + (f"  ({when})" if when else ""), value=g, shortcut_key=False)
            for g, when in options
        ]
        letters = "/".join(GRADE_KEYS[g] for g, _ in options)
        question = questionary.select(
            message,
            choices=choices,
            default=next(c for c in choices if c.value == default),
            instruction=f"(Enter = {GRADE_NAMES[default]}, or {letters})",
            use_jk_keys=False,
            **self.app_options,
        )
        _bind(question, {GRADE_KEYS[g]: g for g, _ in options})
        return cast("Grade | None", question.unsafe_ask())


def _bind(question: Any, keys: dict[str, Any]) -> None:
    """Keys that answer a select at once (the select's own bindings only move its pointer)."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    extra = KeyBindings()
    for key, value in keys.items():
        extra.add(key, eager=True)(lambda event, value=value: event.app.exit(result=value))
    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, extra])
