"""Both prompters: the plain line reader with scripted text, questionary through prompt_toolkit's pipe input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from serverless_study.model import Grade
from serverless_study.prompts import (
    CONTINUE,
    QUIT_ACTION,
    UNDO,
    UNDO_ACTION,
    Action,
    LinePrompter,
    QuestionaryPrompter,
    rating,
)

CHOICES = ["Lambda", "Fargate", "EC2", "Batch"]
RATINGS = [rating(Grade.HARD, "6 min"), rating(Grade.GOOD, "10 min"), rating(Grade.EASY, "3 days")]
OBJECTIVE = [*RATINGS, UNDO_ACTION, QUIT_ACTION]
SELF_RATED = [rating(Grade.AGAIN, "1 min"), *OBJECTIVE]
GOOD = RATINGS[1]
AFTER_MISS = [Action((), "Continue", CONTINUE), UNDO_ACTION, QUIT_ACTION]


class Recorder(io.StringIO):
    """stdout that notes what had been written each time it was flushed."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def line(text: str) -> tuple[LinePrompter, Recorder]:
    out = Recorder()
    return LinePrompter(io.StringIO(text), out), out


# --- plain line mode ---------------------------------------------------------------------------------------------


def test_choices_are_numbered_and_answered_by_number_or_text() -> None:
    p, out = line("3\nfargate\n")
    assert p.choose("Which?", CHOICES) == 2
    assert "  1. Lambda\n  2. Fargate\n  3. EC2\n  4. Batch\n" in out.getvalue()
    assert out.flushed[0].endswith("Choice (1-4, q to quit): ")  # the prompt is out before the read
    assert p.choose("Which?", CHOICES) == 1


def test_q_quits_and_end_of_input_ends_cleanly() -> None:
    assert line("q\n")[0].choose("Which?", CHOICES) is None
    assert line("")[0].choose("Which?", CHOICES) is None
    assert line("")[0].text("Answer") is None
    assert line(" Q \n")[0].act("Rate", OBJECTIVE, default=GOOD) is None
    assert line("")[0].act("Next", AFTER_MISS, default=AFTER_MISS[0]) is None


def test_u_undoes_only_when_offered() -> None:
    assert line("u\n")[0].choose("Which?", CHOICES, undo=True) is UNDO
    assert line("u\n")[0].text("Answer", undo=True) is UNDO
    assert line("u\n")[0].text("Answer") == "u"
    p, out = line("u\n1\n")
    assert p.choose("Which?", CHOICES) == 0 and "Please type a number from 1 to 4 or q to quit." in out.getvalue()


def test_input_that_fits_no_prompt_is_reasked_a_few_times_then_ends() -> None:
    p, out = line("7\n0\nfour\n2\n")
    assert p.choose("Which?", CHOICES) == 1
    assert out.getvalue().count("Please type a number from 1 to 4") == 3
    p, out = line("7\n7\n7\n7\n1\n")
    assert p.choose("Which?", CHOICES) is None
    assert "ending the session" in out.getvalue()


def test_text_answers_are_stripped_and_may_be_empty() -> None:
    p, out = line("  15 minutes \n\n")
    assert p.text("Your answer") == "15 minutes"
    assert p.text("Your answer") == ""
    assert out.getvalue().startswith("Your answer (q to quit): ")


def test_ratings_by_enter_number_letter_or_name() -> None:
    p, out = line("\n4\nh\nhard\nu\n1\n")
    assert p.act("How hard", OBJECTIVE, default=GOOD) is Grade.GOOD
    assert p.act("How hard", OBJECTIVE, default=GOOD) is Grade.EASY
    assert p.act("How hard", OBJECTIVE, default=GOOD) is Grade.HARD
    assert p.act("How hard", OBJECTIVE, default=GOOD) is Grade.HARD
    assert p.act("How hard", OBJECTIVE, default=GOOD) is UNDO
    assert "How hard: 2 Hard (6 min), 3 Good (10 min), 4 Easy (3 days)." in out.getvalue()
    assert "Rating (Enter = Good, h/g/e or 2/3/4, u undo, q quit): " in out.getvalue()
    assert p.act("How hard", OBJECTIVE, default=GOOD) is None  # "1" (Again) is not offered for a right answer
    assert "Please press Enter or type one of: Enter = Good, h/g/e or 2/3/4, u undo, q quit." in out.getvalue()
    assert line("a\n")[0].act("Recall", SELF_RATED, default=GOOD) is Grade.AGAIN


def test_after_a_miss_an_empty_line_only_continues() -> None:
    p, out = line("\nAWS X-Ray\n\n")
    assert p.act("Next", AFTER_MISS, default=AFTER_MISS[0]) is CONTINUE
    assert "Next (Enter = Continue, u undo, q quit): " in out.getvalue()
    # An answer typed too early is not taken as anything: the prompt asks again, and Enter continues.
    assert p.act("Next", AFTER_MISS, default=AFTER_MISS[0]) is CONTINUE
    assert "Please press Enter or type one of: Enter = Continue, u undo, q quit." in out.getvalue()


def test_plain_mode_prints_no_escape_codes() -> None:
    p, out = line("2\n\n")
    p.choose("Which?", CHOICES)
    p.act("How hard", OBJECTIVE, default=GOOD)
    assert "\x1b" not in out.getvalue()


# --- questionary, driven for real through a pipe -------------------------------------------------------------------

DOWN, ENTER, CTRL_C = "\x1b[B", "\r", "\x03"


@pytest.fixture
def keys() -> Iterator[Any]:
    with create_pipe_input() as pipe:
        yield pipe


def terminal(pipe: Any) -> QuestionaryPrompter:
    return QuestionaryPrompter(input=pipe, output=DummyOutput())


def test_select_with_arrows_or_number_keys(keys: Any) -> None:
    keys.send_text(DOWN + ENTER)
    assert terminal(keys).choose("Which?", CHOICES) == 1
    keys.send_text("3" + ENTER)
    assert terminal(keys).choose("Which?", CHOICES) == 2


def test_select_u_undoes_when_offered(keys: Any) -> None:
    keys.send_text("u")
    assert terminal(keys).choose("Which?", CHOICES, undo=True) is UNDO
    keys.send_text(DOWN * 4 + ENTER)  # past the last choice and the separator to the undo entry
    assert terminal(keys).choose("Which?", CHOICES, undo=True) is UNDO


def test_ctrl_c_raises_keyboard_interrupt_at_every_prompt(keys: Any) -> None:
    p = terminal(keys)
    for ask in (
        lambda: p.choose("Which?", CHOICES),
        lambda: p.text("Answer"),
        lambda: p.act("Rate", OBJECTIVE, default=GOOD),
    ):
        keys.send_text(CTRL_C)
        with pytest.raises(KeyboardInterrupt):
            ask()


def test_text_prompt(keys: Any) -> None:
    keys.send_text("  15 minutes " + ENTER)
    assert terminal(keys).text("Answer") == "15 minutes"
    keys.send_text("u" + ENTER)
    assert terminal(keys).text("Answer", undo=True) is UNDO


def test_rating_defaults_to_good_and_letters_answer_at_once(keys: Any) -> None:
    keys.send_text(ENTER)
    assert terminal(keys).act("Rate", OBJECTIVE, default=GOOD) is Grade.GOOD
    keys.send_text("e")
    assert terminal(keys).act("Rate", OBJECTIVE, default=GOOD) is Grade.EASY
    keys.send_text("2")
    assert terminal(keys).act("Rate", OBJECTIVE, default=GOOD) is Grade.HARD
    keys.send_text(DOWN + ENTER)  # the pointer starts on Good
    assert terminal(keys).act("Rate", SELF_RATED, default=GOOD) is Grade.EASY
    keys.send_text("a")
    assert terminal(keys).act("Rate", SELF_RATED, default=GOOD) is Grade.AGAIN
    keys.send_text("u")
    assert terminal(keys).act("Rate", OBJECTIVE, default=GOOD) is UNDO
    keys.send_text("q")
    assert terminal(keys).act("Rate", OBJECTIVE, default=GOOD) is None


def echoed(keys: Any, typed: str, actions: list[Action], default: Action) -> tuple[object, str]:
    """The value picked and the prompt's last screen, drawn on a real Vt100 output into a string."""
    from prompt_toolkit.output.vt100 import Vt100_Output

    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: __import__("prompt_toolkit").data_structures.Size(rows=24, columns=80))
    keys.send_text(typed)
    value = QuestionaryPrompter(input=keys, output=output).act("How hard was it", actions, default=default)
    return value, screen.getvalue().rsplit("How hard was it", 1)[-1]


@pytest.mark.parametrize(
    ("typed", "shown"), [("h", "Hard  (6 min)"), ("e", "Easy  (3 days)"), (ENTER, "Good  (10 min)")]
)
def test_the_rating_picked_by_any_key_is_echoed_with_its_interval(keys: Any, typed: str, shown: str) -> None:
    value, last = echoed(keys, typed, OBJECTIVE, GOOD)
    assert isinstance(value, Grade) and shown.startswith(value.name.title())
    assert shown in last


def test_the_prompt_after_a_miss_waits_for_enter(keys: Any) -> None:
    value, last = echoed(keys, "x" + ENTER, AFTER_MISS, AFTER_MISS[0])  # other keys do nothing
    assert value is CONTINUE and "Continue" in last


def test_more_than_nine_choices_are_numbered_and_numbers_pick_them(keys: Any) -> None:
    """questionary's own shortcuts stop at 9: the 13 shipped topics are numbered 1-13 and typed numbers pick them."""
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.output.vt100 import Vt100_Output

    topics = [f"Topic {n}" for n in range(1, 14)]
    for typed, index in (("4", 3), ("13", 12), ("1", 0), ("1" + "3" + "9", 8), ("0" + "7", 6)):
        screen = io.StringIO()
        output = Vt100_Output(screen, lambda: Size(rows=40, columns=80))
        keys.send_text(typed + ENTER)
        assert QuestionaryPrompter(input=keys, output=output).choose("Which topic?", topics) == index, typed
    drawn = screen.getvalue()
    assert " 4) Topic 4" in drawn and "13) Topic 13" in drawn


@pytest.mark.parametrize("odd", ["²", "٣", "³", "\uff11", "2.0", "-1", "1 2", "½"])
def test_choices_answered_with_other_digits_or_text_are_reasked(odd: str) -> None:
    p, out = line(f"{odd}\n2\n")
    assert p.choose("Which?", CHOICES) == 1
    assert out.getvalue().count("Please type a number from 1 to 4") == 1


@pytest.mark.parametrize("odd", ["²", "٣", "\uff13"])
def test_ratings_with_other_digits_are_reasked(odd: str) -> None:
    p, out = line(f"{odd}\n3\n")
    assert p.act("How hard was it", OBJECTIVE, default=GOOD) is Grade.GOOD
    assert "Please press Enter or type one of: Enter = Good, h/g/e or 2/3/4" in out.getvalue()
