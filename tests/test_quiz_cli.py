"""`quiz` and `undo` through the real Typer app in plain line mode (CliRunner input is not a terminal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.days import Calendar
from serverless_study.model import CardKind, CardState, Grade, Phase, Review
from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES
from .sessions import tracing_session

UTC_DAYS = Calendar(UTC, day_starts=0)  # study days from midnight to midnight UTC
QUIZ = str(FIXTURES / "quiz")


def quiz(runner: CliRunner, data_dir: Path, text: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app,
        ["--data-dir", str(data_dir), "--content", QUIZ, "quiz", "--seed", "1", *args],
        input=text,
        catch_exceptions=False,
    )


def reviews(data_dir: Path) -> list[tuple[str, Grade, str]]:
    with Store.open(data_dir / DB_NAME) as store:
        return [(r.review.card_id, r.review.grade, r.review.answer) for r in store.history()]


def test_a_whole_plain_session(runner: CliRunner, data_dir: Path) -> None:
    # Two new cards (a concept's and a fact's: kinds take turns); each answered right with Enter (= Good) twice:
    # once new, once at its 10-minute step.
    text = "AWS X-Ray\n\nUDP port 2000\n\nAWS X-Ray\n\nudp 2000\n\n"
    result = quiz(runner, data_dir, text, "--topic", "tracing", "--new", "2")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Question 1 (Tracing; 2 of 2 new · 0 learning · 0 reviews left)" in out
    # The new count keeps its total while cards move to learning and back: no "2 of 3", "3 of 5".
    assert "Question 3 (Tracing; 0 of 2 new · 2 learning · 0 reviews left)" in out
    assert "Which term matches this definition?" in out and "  1. " in out
    assert out.count("Correct.") == 4
    # Learning steps within the learn-ahead say what happens: the card is asked again before the session ends.
    assert "How hard was it: 2 Hard (again this session), 3 Good (again this session), 4 Easy (in " in out
    assert "Session over. 4 answered, 4 correct." in out
    assert "Tracing: 4 answered, 4 correct, next due in " in out
    assert "\x1b" not in out  # no colour or cursor codes when piped
    assert [(cid, g) for cid, g, _ in reviews(data_dir)] == [
        ("tracing/x-ray/choice", Grade.GOOD),
        ("tracing/daemon-port/typed", Grade.GOOD),
        ("tracing/x-ray/choice", Grade.GOOD),
        ("tracing/daemon-port/typed", Grade.GOOD),
    ]
    with Store.open(data_dir / DB_NAME) as store:
        assert store.state("tracing/x-ray/choice").phase is Phase.REVIEW  # type: ignore[union-attr]
    again = quiz(runner, data_dir, "", "--topic", "tracing", "--new", "2")
    assert again.exit_code == 0 and "Nothing to ask: today's 2 new cards are used (" in again.output


def test_wrong_answers_show_the_answer_and_need_no_rating(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "Handler\nq\n", "--topic", "tracing")
    assert result.exit_code == 0
    assert "Wrong. The answer is: AWS X-Ray" in result.output
    assert "You picked Handler: The method in your code that Lambda calls" in result.output  # what the wrong pick means
    assert "AWS X-Ray: A service that collects traces" in result.output  # the explanation from the content
    assert "This card comes back again this session." in result.output
    assert "Next (Enter = Continue, s suspend, b bury, u undo, q quit): " in result.output
    assert "Session over. 1 answered, 0 correct." in result.output
    assert reviews(data_dir) == [("tracing/x-ray/choice", Grade.AGAIN, "Handler")]


def test_ratings_hard_and_easy(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "AWS X-Ray\nh\nUDP port 2000\ne\nq\n", "--topic", "tracing")
    assert result.exit_code == 0
    assert [g for _, g, _ in reviews(data_dir)] == [Grade.HARD, Grade.EASY]


def test_typed_answers(runner: CliRunner, data_dir: Path) -> None:
    # New cards take turns by kind of item: a concept, a fact, a concept, a fact, a concept.
    text = "AWS X-Ray\n\nudp port 2000\n\nSegment\n\nx-amzn-trace-id\n\nq\n"
    result = quiz(runner, data_dir, text, "--topic", "tracing")
    assert result.exit_code == 0, result.output
    assert "On which port does the X-Ray daemon listen?" in result.output
    assert "Your answer (Enter if you don't know) (u to undo, q to quit): " in result.output
    assert [(a, g) for _, g, a in reviews(data_dir)][1::2] == [
        ("udp port 2000", Grade.GOOD),
        ("x-amzn-trace-id", Grade.GOOD),
    ]


def test_an_empty_line_after_a_miss_only_continues(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "Handler\n\n\nq\n", "--topic", "tracing")
    assert result.exit_code == 0
    # The first Enter only continued; the second answered the next question (an empty answer: "don't know").
    assert reviews(data_dir) == [
        ("tracing/x-ray/choice", Grade.AGAIN, "Handler"),
        ("tracing/daemon-port/typed", Grade.AGAIN, ""),
    ]
    assert result.output.count("Next (Enter = Continue, ") == 2  # (after the typed miss, o overrides too)


def test_u_after_a_verdict_takes_that_answer_back(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "Handler\nu\nAWS X-Ray\n\nq\n", "--topic", "tracing")
    assert result.exit_code == 0
    assert "Taken back: here is the question again." in result.output
    assert result.output.count("Which term matches this definition?\nA service that collects traces") == 2
    assert reviews(data_dir) == [("tracing/x-ray/choice", Grade.GOOD, "AWS X-Ray")]


def test_u_undoes_the_previous_answer_and_asks_it_again(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "Handler\n\nu\nAWS X-Ray\n\nq\n", "--topic", "tracing")
    assert result.exit_code == 0
    assert "Undone: your previous answer (tracing/x-ray/choice) is forgotten; here it is again." in result.output
    assert result.output.count("Which term matches this definition?\nA service that collects traces") == 2
    assert reviews(data_dir) == [("tracing/x-ray/choice", Grade.GOOD, "AWS X-Ray")]


def test_q_and_end_of_input_end_cleanly_with_a_summary(runner: CliRunner, data_dir: Path) -> None:
    for text in ("q\n", ""):
        result = quiz(runner, data_dir, text, "--topic", "tracing")
        assert result.exit_code == 0
        assert "Session over. 0 answered, 0 correct." in result.output
    assert reviews(data_dir) == []


def test_a_right_answer_left_unrated_at_end_of_input_is_not_saved(runner: CliRunner, data_dir: Path) -> None:
    for text in ("AWS X-Ray\n", "AWS X-Ray\nq\n"):
        result = quiz(runner, data_dir, text, "--topic", "tracing")
        assert result.exit_code == 0
        assert "Session over. 0 answered, 0 correct." in result.output
        assert "1 answer not rated, not saved." in result.output
    assert reviews(data_dir) == []


def test_input_that_fits_no_prompt_is_reasked_then_the_session_ends(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "7\n7\n7\n7\n", "--topic", "tracing")
    assert result.exit_code == 0
    assert result.output.count("Please type a number from 1 to 4") == 3
    assert "ending the session" in result.output and "Session over. 0 answered" in result.output


def test_an_empty_quiz_says_which_limit_stopped_it(runner: CliRunner, data_dir: Path) -> None:
    from serverless_study.cards import generate_cards
    from serverless_study.loader import load_topics

    quiz(runner, data_dir, "AWS X-Ray\ne\n", "--topic", "tracing", "--new", "1")  # Easy: not back today
    result = quiz(runner, data_dir, "", "--topic", "tracing", "--new", "1")
    tracing = [c for c in generate_cards(load_topics([FIXTURES / "quiz"]).topics) if c.topic_id == "tracing"]
    assert result.exit_code == 0
    assert result.output == (
        f"Nothing to ask: today's 1 new card is used ({len(tracing) - 1} more wait); `--new 2` to see more.\n"
    )
    assert "Nothing to ask: --limit 0" in quiz(runner, data_dir, "", "--limit", "0").output


def test_a_topic_quiz_says_when_a_topics_share_of_new_cards_is_used(runner: CliRunner, data_dir: Path) -> None:
    quiz(runner, data_dir, "AWS X-Ray\ne\n", "--topic", "tracing", "--new", "2")  # one tracing card, rated Easy
    result = quiz(runner, data_dir, "q\n", "--topic", "tracing", "--topic", "functions", "--new", "2")
    assert result.exit_code == 0
    assert "Tracing: its share of today's new cards (1 card) is used; the other chosen topics get the rest." in (
        result.output
    )
    assert "Question 1 (Functions; 1 of 1 new" in result.output


def test_limit_and_new_options(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "q\n", "--topic", "functions", "--limit", "3")
    assert "Question 1 (Functions; 3 of 3 new" in result.output
    result = quiz(runner, data_dir, "q\n", "--topic", "functions", "--topic", "tracing", "--new", "4")
    assert "of 4 new · 0 learning" in result.output and "Question 1 (" in result.output


def test_a_recall_card_is_self_rated(runner: CliRunner, data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:  # the choice card was learned long ago: its recall sibling is next
        past = datetime.now(UTC) - timedelta(days=3)
        state = CardState("tracing/x-ray/choice", Phase.REVIEW, None, 30.0, 5.0, past + timedelta(days=30), past)
        store.record(Review(state.card_id, past, Grade.GOOD, "", True, 0), state, previous=None, topic_id="tracing")
    result = quiz(runner, data_dir, "traces requests\n2\nq\n", "--topic", "tracing", "--new", "1")
    assert "What is AWS X-Ray?" in result.output
    assert "Answer:\nA service that collects traces" in result.output
    assert "How well did you recall it: 1 Again (again this session), 2 Hard (" in result.output
    assert reviews(data_dir)[-1] == ("tracing/x-ray/recall", Grade.HARD, "traces requests")


def test_a_leech_shows_its_note(runner: CliRunner, data_dir: Path) -> None:
    now = datetime.now(UTC)
    with Store.open(data_dir / DB_NAME) as store:
        state = CardState(
            "tracing/daemon-port/typed",
            Phase.REVIEW,
            None,
            2.0,
            9.0,
            now - timedelta(hours=1),
            now - timedelta(days=3),
            lapses=7,
            reps=20,
        )
        store.record(
            Review(state.card_id, now - timedelta(days=3), Grade.GOOD, "", True, 0),
            state,
            previous=state,
            topic_id="tracing",
        )
    result = quiz(runner, data_dir, "8080\nq\n", "--topic", "tracing", "--new", "0")
    assert "Leech: you have forgotten this card 8 times. Read its note again:" in result.output
    assert "Q On which port does the X-Ray daemon listen?\nA UDP port 2000" in result.output
    stats = runner.invoke(app, ["--data-dir", str(data_dir), "--content", QUIZ, "stats"], catch_exceptions=False)
    assert "Leeches (1): tracing/daemon-port/typed (8 lapses)" in stats.output


def test_undo_command(runner: CliRunner, data_dir: Path) -> None:
    quiz(runner, data_dir, "AWS X-Ray\n\nq\n", "--topic", "tracing", "--new", "1")
    quiz(runner, data_dir, "AWS X-Ray\nh\nq\n", "--topic", "tracing", "--new", "1")
    with Store.open(data_dir / DB_NAME) as store:
        answered = store.history()[-1].review.reviewed_at.astimezone()
    args = ["--data-dir", str(data_dir), "--content", QUIZ, "undo"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0
    # The question and the learner's local time, not the card id and UTC.
    assert result.output == f"Undid your answer to “Tracing: AWS X-Ray” (Hard, answered today at {answered:%H:%M}).\n"
    assert [g for _, g, _ in reviews(data_dir)] == [Grade.GOOD]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert "Undid your answer to “Tracing: AWS X-Ray” (Good," in result.output
    assert reviews(data_dir) == []
    result = runner.invoke(app, ["--data-dir", str(data_dir), "undo"], catch_exceptions=False)
    assert result.exit_code == 0 and "Nothing to undo" in result.output


def test_answer_times_are_named_in_local_time() -> None:
    from serverless_study.cli.quiz import local_time_text

    moment = datetime(2026, 11, 28, 16, 28, tzinfo=UTC)
    local = moment.astimezone()
    assert local_time_text(moment, moment + timedelta(minutes=5)) == f"today at {local:%H:%M}"
    earlier = moment - timedelta(days=3)
    assert local_time_text(earlier, moment) == f"on {earlier.astimezone():%Y-%m-%d} at {earlier.astimezone():%H:%M}"


def test_a_corrupt_database_is_an_error_and_left_alone(runner: CliRunner, data_dir: Path) -> None:
    data_dir.mkdir()
    db = data_dir / DB_NAME
    db.write_bytes(b"not sqlite at all" * 100)
    for command in (["quiz", "--topic", "tracing"], ["stats"], ["undo"]):
        result = runner.invoke(
            app, ["--data-dir", str(data_dir), "--content", QUIZ, *command], input="q\n", catch_exceptions=False
        )
        assert result.exit_code == 1
        assert f"error: {db} is not a serverless-study database" in result.stderr
        assert "Traceback" not in result.output
    assert db.read_bytes() == b"not sqlite at all" * 100


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--retention", "1.5"], "--retention: must be between 0.7 and 0.99"),
        (["--topic", "no-such-topic"], "no topic matches 'no-such-topic'"),
        (["--limit", "-1"], "-1"),
    ],
)
def test_bad_options_are_usage_errors(runner: CliRunner, data_dir: Path, args: list[str], message: str) -> None:
    result = quiz(runner, data_dir, "", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_terminal_mode_drives_real_questionary_prompts(data_dir: Path) -> None:
    """The terminal shell with questionary reading keys from a pipe: answer, rate with Enter, then Ctrl-C."""
    import io

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from serverless_study.cli.context import Env
    from serverless_study.cli.quiz import QuizShell
    from serverless_study.prompts import QuestionaryPrompter

    now = datetime.now(UTC)
    out = io.StringIO()
    env = Env(data_dir=data_dir, stdout=out)
    with Store.open(data_dir / DB_NAME) as store, create_pipe_input() as keys:
        session = tracing_session(store, now, UTC_DAYS)
        first = session.next_question(now)
        assert first is not None
        keys.send_text(str(first.choices.index(first.answer) + 1) + "\r" + "\r" + "\x03")
        code = QuizShell(env, session, QuestionaryPrompter(input=keys, output=DummyOutput()), plain=False).run()
        assert code == 130
        assert [(r.review.card_id, r.review.grade) for r in store.history()] == [(first.card_id, Grade.GOOD)]
    shown = out.getvalue()
    assert "Which term matches this definition?" in shown and "✔ Correct" in shown
    assert "Session interrupted: answers so far" in shown and "Tracing" in shown


def test_quiz_views_match_their_goldens() -> None:
    from serverless_study import render, textview
    from serverless_study.answers import Verdict
    from serverless_study.model import Question
    from serverless_study.session import Progress, TopicSummary

    from .golden import assert_golden

    now = datetime(2025, 1, 6, 9, tzinfo=UTC)
    q = Question(
        "tracing/x-ray/choice",
        CardKind.CHOICE,
        "Which term matches this definition?\nA service that collects traces of requests.",
        ("Segment", "AWS X-Ray", "Handler"),
        "AWS X-Ray",
        explanation="AWS X-Ray: a service that collects traces of requests.",
        glosses=("The record of the work one service did for a request.", "", ""),
    )
    p = Progress(3, 12, 4, 1, 6, 10)
    rows = [
        TopicSummary("functions", "Functions", 5, 4, now + timedelta(minutes=10)),
        TopicSummary("tracing", "Tracing", 3, 1, now + timedelta(days=3)),
    ]
    wrong = Verdict(False, "AWS X-Ray")
    terminal = "".join(
        rendered(v)
        for v in (
            render.question_view(q, p, "Tracing"),
            render.feedback_view(wrong, q, "Segment", "again this session"),
            render.summary_view(rows, now, interrupted=True),
        )
    )
    plain = "\n".join(
        (
            textview.question_text(q, p, "Tracing"),
            textview.feedback_text(wrong, q, "Segment", "again this session"),
            textview.summary_text(rows, now, unrated=1),
        )
    )
    assert_golden("quiz-terminal.txt", terminal)
    assert_golden("quiz-plain.txt", plain + "\n")


def rendered(renderable: object) -> str:
    from .golden import render

    return render(renderable)  # type: ignore[arg-type]


class Scripted:
    """A Prompter that answers every question right and then acts out `at_rating` at the n-th rating prompt."""

    plain = True

    def __init__(self, session, ratings: list) -> None:  # type: ignore[no-untyped-def]
        self.session, self.ratings = session, ratings

    def choose(self, message, choices, *, undo=False):  # type: ignore[no-untyped-def]
        q = self.session.pending.question
        return list(choices).index(q.answer)

    def text(self, message, *, undo=False):  # type: ignore[no-untyped-def]
        return self.session.pending.question.answer

    def act(self, message, actions, *, default):  # type: ignore[no-untyped-def]
        action = self.ratings.pop(0)
        if action == "ctrl-c":
            raise KeyboardInterrupt
        return action

    def discard_typeahead(self) -> None:
        pass


def scripted_shell(data_dir: Path, ratings: list):  # type: ignore[no-untyped-def]
    import io

    from serverless_study.cli.context import Env
    from serverless_study.cli.quiz import QuizShell

    now = datetime.now(UTC)
    store = Store.open(data_dir / DB_NAME)
    session = tracing_session(store, now, UTC_DAYS)
    out = io.StringIO()
    return QuizShell(Env(data_dir=data_dir, stdout=out), session, Scripted(session, ratings), plain=True), store, out


def test_ctrl_c_at_the_rating_of_a_right_answer_saves_no_invented_rating(data_dir: Path) -> None:
    shell, store, out = scripted_shell(data_dir, [Grade.EASY, "ctrl-c"])
    with store:
        assert shell.run() == 130
        assert [r.review.grade for r in store.history()] == [Grade.EASY]
        assert "Session interrupted. 1 answered, 1 correct." in out.getvalue()
        assert "1 answer not rated, not saved." in out.getvalue()


def test_quitting_at_a_rating_ends_the_session_with_the_answer_unsaved(data_dir: Path) -> None:
    shell, store, out = scripted_shell(data_dir, [None])
    with store:
        assert shell.run() == 0
        assert list(store.history()) == []
        assert "Session over. 0 answered, 0 correct.\n1 answer not rated, not saved." in out.getvalue()


def test_every_view_the_quiz_shows_exists_in_both_forms() -> None:
    """QuizShell.show dispatches by name; a missing `<view>_view` would only fail in a real terminal."""
    import re

    from serverless_study import render, textview
    from serverless_study.cli import quiz as quiz_module

    names = set(re.findall(r'self\.show\("(\w+)"', Path(quiz_module.__file__).read_text(encoding="utf-8")))
    assert names == {"question", "feedback", "reveal", "leech", "summary"}
    for name in names:
        assert callable(getattr(render, f"{name}_view")) and callable(getattr(textview, f"{name}_text")), name


def test_odd_digits_are_reasked_never_a_traceback(runner: CliRunner, data_dir: Path) -> None:
    result = quiz(runner, data_dir, "²\n٣\nq\n", "--topic", "tracing")
    assert result.exit_code == 0, result.output
    assert result.output.count("Please type a number from 1 to") == 2
    assert "Traceback" not in result.output and reviews(data_dir) == []


def test_undo_after_another_terminal_answered_the_card_keeps_both_answers(data_dir: Path) -> None:
    """Terminal A answers, terminal B answers the same card, A presses u: B's answer must not be wiped out."""
    shell, store, out = scripted_shell(data_dir, [Grade.GOOD])
    session = shell.session
    first = session.next_question(datetime.now(UTC))
    assert first is not None
    session.answer(first, datetime.now(UTC), given=first.answer)
    with Store.open(data_dir / DB_NAME) as other:  # terminal B
        b_before = other.state(first.card_id)
        later = datetime.now(UTC) + timedelta(minutes=10)
        b_after = session.scheduler.review(b_before, first.card_id, Grade.GOOD, later)
        other.record(
            Review(first.card_id, later, Grade.GOOD, "b", True, 0), b_after, previous=b_before, topic_id="tracing"
        )
    shell.prompter = UndoThenQuit(session)
    assert shell.run() == 0
    assert f"Cannot undo: {first.card_id} has been reviewed again since; your answer stays." in out.getvalue()
    assert [r.review.answer for r in store.history()] == [first.answer, "b"]
    store.close()


class UndoThenQuit(Scripted):
    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, [])
        self.turns = iter(["u", None])

    def choose(self, message, choices, *, undo=False):  # type: ignore[no-untyped-def]
        from serverless_study.prompts import UNDO

        return UNDO if next(self.turns) == "u" else None

    def text(self, message, *, undo=False):  # type: ignore[no-untyped-def]
        return self.choose(message, (), undo=undo)
