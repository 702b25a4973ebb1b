"""`exam` through the real Typer app: plain line mode with piped answers, a controlled clock, Ctrl-C, the terminal."""

from __future__ import annotations

import contextlib
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cards import generate_cards
from serverless_study.cli import app
from serverless_study.cli.context import Env
from serverless_study.exam import Exam, ExamSettings
from serverless_study.loader import load_topics
from serverless_study.model import Grade, Review
from serverless_study.scheduler import Scheduler
from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES
from .golden import assert_golden

QUIZ = str(FIXTURES / "quiz")
NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
SMALL = ("--seed", "4", "--questions", "5", "--minutes", "20", "--topic", "functions", "--topic", "tracing")
# The answers to SMALL's questions, in order: right; flagged, then wrong; skipped; wrong pick; wrong pick (a mix-up).
# Then Enter reviews the flagged and the skipped: right, right; then Enter submits.
SCRIPT = "a micro VM\nf\nTCP port 2000\ns\n3\n4\n\nudp port 2000\n1\n\n"


class Clock:
    """A clock that moves only when told: each line the learner types takes `step`."""

    def __init__(self, step: timedelta = timedelta(0)) -> None:
        self.now, self.step = NOW, step

    def __call__(self) -> datetime:
        return self.now


class Typing(io.StringIO):
    """Piped answers that take time to type, or a Ctrl-C at the n-th line."""

    def __init__(self, text: str, clock: Clock, *, interrupt_at: int | None = None) -> None:
        super().__init__(text)
        self.clock, self.interrupt_at, self.lines = clock, interrupt_at, 0

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.lines += 1
        if self.lines == self.interrupt_at:
            raise KeyboardInterrupt
        self.clock.now += self.clock.step
        return super().readline()


def sit(data_dir: Path, text: str, *args: str, clock: Clock | None = None, interrupt_at: int | None = None):  # type: ignore[no-untyped-def]
    """Run `exam` with piped answers; (exit code, what it printed, its errors)."""
    clock = clock or Clock()
    out, err = io.StringIO(), io.StringIO()
    env = Env(data_dir=data_dir, stdin=Typing(text, clock, interrupt_at=interrupt_at), stdout=out, stderr=err)
    env.clock = clock
    result = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "--content", QUIZ, "exam", *args], obj=env, catch_exceptions=False
    )
    return result.exit_code, out.getvalue(), err.getvalue() + result.output


def scored(data_dir: Path):  # type: ignore[no-untyped-def]
    with Store.open(data_dir / DB_NAME) as store:
        return store.scored_exams(10)


def outcomes(data_dir: Path) -> list[str]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(data_dir / DB_NAME)) as conn, conn:
        return [r[0] for r in conn.execute("SELECT outcome FROM exam ORDER BY id")]


def test_a_scripted_plain_exam_matches_its_golden(data_dir: Path) -> None:
    code, out, err = sit(data_dir, SCRIPT, *SMALL)
    assert code == 0, err
    assert_golden("exam-plain.txt", out)
    (exam,) = scored(data_dir)
    assert exam.outcome == "submitted"
    assert [(a.correct, a.flagged) for a in exam.answers] == [
        (True, False),
        (True, True),
        (True, False),
        (False, False),
        (False, False),
    ]
    topics = ["functions", "tracing"]
    assert exam.settings == {"questions": 5, "minutes": 20, "pass_mark": 72, "topics": topics, "seed": 4}


def test_an_exam_never_changes_the_schedule_or_the_review_log(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:  # one card already studied, so there is a schedule to keep
        scheduler = Scheduler()
        state = scheduler.review(None, "tracing/x-ray/choice", Grade.GOOD, NOW - timedelta(days=2))
        review = Review("tracing/x-ray/choice", NOW - timedelta(days=2), Grade.GOOD, "AWS X-Ray", True, 0)
        store.record(review, state, previous=None, topic_id="tracing")
        before = (store.reviews_total(), store.schedule_rows(), store.history())
    code, _out, err = sit(data_dir, SCRIPT, *SMALL)
    assert code == 0, err
    with Store.open(data_dir / DB_NAME) as store:
        assert (store.reviews_total(), store.schedule_rows(), store.history()) == before
        assert store.reviews_total() == 1


def test_each_answer_is_on_disk_before_the_next_question_is_read(data_dir: Path) -> None:
    import sqlite3

    seen: list[int] = []

    class Watching(Typing):
        def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
            if (data_dir / DB_NAME).exists():
                with contextlib.closing(sqlite3.connect(data_dir / DB_NAME)) as conn, conn:
                    seen.append(conn.execute("SELECT count(answer) FROM exam_answer").fetchone()[0])
            return super().readline()

    out = io.StringIO()
    env = Env(data_dir=data_dir, stdin=Watching("a micro VM\nudp 2000\n1\n", Clock()), stdout=out, clock=Clock())
    args = ["--data-dir", str(data_dir), "--content", QUIZ, "exam", *SMALL]
    assert CliRunner().invoke(app, args, obj=env, catch_exceptions=False).exit_code == 0
    assert seen[:4] == [0, 1, 2, 3]


def test_small_topics_give_fewer_questions_and_say_so(data_dir: Path) -> None:
    code, out, _err = sit(data_dir, "", "--topic", "tracing", "--questions", "40", "--minutes", "0")
    assert code == 0
    assert "Practice exam: 5 questions (Tracing 5), untimed, pass mark 72%." in out
    assert "Only 5 questions can be drawn from these topics (one per item), not 40." in out
    assert "Question 1 of 5 · untimed (Tracing)" in out


def test_time_runs_out_on_an_injected_clock(data_dir: Path) -> None:
    # Each answer takes 25 s on a one-minute exam: two answers count, the third comes too late.
    clock = Clock(step=timedelta(seconds=25))
    one_minute = (*SMALL[:4], "--minutes", "1", *SMALL[6:])
    code, out, err = sit(data_dir, "a micro VM\nudp 2000\n1\n3\n4\n", *one_minute, clock=clock)
    assert code == 0, err
    assert "Question 2 of 5 · 0:35 left (Tracing)" in out
    assert "Time is up. That last answer came too late and does not count." in out
    assert "Time is up: the exam was submitted. 2 of 5 right: 40%." in out
    assert "Question 4 of 5" not in out
    (exam,) = scored(data_dir)
    assert exam.outcome == "timed_out"
    assert [a.answer for a in exam.answers] == ["a micro VM", "udp 2000", None, None, None]


def test_time_is_checked_before_each_question_too(data_dir: Path) -> None:
    clock = Clock(step=timedelta(minutes=2))
    # The answer to question 1 arrives late (2 minutes into a 1-minute exam): nothing more is asked.
    code, out, _err = sit(data_dir, "a micro VM\n", *SMALL[:4], "--minutes", "1", *SMALL[6:], clock=clock)
    assert code == 0 and out.count("Question ") == 1 and "0 of 5 right" in out


def test_q_submits_early_and_end_of_input_submits(data_dir: Path) -> None:
    code, out, _err = sit(data_dir, "a micro VM\nq\n", *SMALL)
    assert code == 0 and "Exam submitted. 1 of 5 right: 20%." in out and "Question 3 of 5" not in out
    code, out, _err = sit(data_dir, "a micro VM\n", *SMALL)
    assert code == 0 and "Exam submitted. 1 of 5 right: 20%." in out
    assert outcomes(data_dir) == ["submitted", "submitted"]
    assert "Not answered. The answer is: UDP port 2000" in out  # every miss is listed, unanswered ones too


def test_ctrl_c_saves_the_exam_as_incomplete_and_exits_130(data_dir: Path) -> None:
    code, out, _err = sit(data_dir, "a micro VM\nf\n", *SMALL, interrupt_at=3)
    assert code == 130
    assert "Exam interrupted: saved as incomplete (1 of 5 answered), not scored." in out
    assert "Exam submitted" not in out
    assert outcomes(data_dir) == ["incomplete"]
    assert scored(data_dir) == []
    with Store.open(data_dir / DB_NAME) as store:
        assert store.last_exam_misses() == []  # an unscored exam is not what --from-exam drills


def test_the_pass_mark_comes_from_the_option_then_the_setting_then_the_default(data_dir: Path) -> None:
    _code, out, _err = sit(data_dir, "", *SMALL)
    assert "pass mark 72%" in out
    CliRunner().invoke(app, ["--data-dir", str(data_dir), "config", "exam_pass_mark", "50"], catch_exceptions=False)
    _code, out, _err = sit(data_dir, "", *SMALL)
    assert "pass mark 50%" in out
    _code, out, _err = sit(data_dir, "", *SMALL, "--pass", "90")
    assert "pass mark 90%" in out
    assert [e.settings["pass_mark"] for e in scored(data_dir)] == [72, 50, 90]
    listing = CliRunner().invoke(app, ["--data-dir", str(data_dir), "config"], catch_exceptions=False).output
    assert "not used yet" not in listing.split("exam_pass_mark", 1)[1].splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--questions", "0"], "error: --questions must be at least 1, not 0\n"),
        (["--minutes", "-1"], "error: --minutes must be 0 (untimed) or more, not -1\n"),
        (["--pass", "101"], "error: --pass: must be between 0 and 100, not 101\n"),
        (["--topic", "nope"], "error: no topic matches 'nope'; topics: "),
    ],
)
def test_bad_options_are_one_line_usage_errors(data_dir: Path, args: list[str], message: str) -> None:
    code, out, err = sit(data_dir, "", *args)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_stats_shows_the_last_exams_and_the_trend(data_dir: Path) -> None:
    sit(data_dir, "", *SMALL)  # 0 of 5
    sit(data_dir, SCRIPT, *SMALL)  # 3 of 5
    runner = CliRunner()
    text = runner.invoke(app, ["--data-dir", str(data_dir), "--content", QUIZ, "stats"], catch_exceptions=False)
    assert "Practice exams (last 2):" in text.output
    assert ": 3 of 5 (60%), not passed at 72%, predicted 22%" in text.output
    assert "Trend: 0% → 60% (+60 points)." in text.output
    raw = runner.invoke(app, ["--data-dir", str(data_dir), "--content", QUIZ, "stats", "--json"])
    exams = json.loads(raw.output)["exams"]
    assert [(e["correct"], e["score"], e["passed"], e["predicted"]) for e in exams] == [
        (0, 0.0, False, 0.2167),
        (3, 0.6, False, 0.2167),
    ]
    assert exams[1]["topics"] == {
        "functions": {"questions": 3, "correct": 2},
        "tracing": {"questions": 2, "correct": 1},
    }
    assert exams[1]["started_at"] == NOW.isoformat()


# --- the terminal: real questionary prompts ------------------------------------------------------------------------


def terminal_exam(data_dir: Path, keys_for, *, minutes: int = 0, clock=lambda: NOW):  # type: ignore[no-untyped-def]
    """Sit a 3-question tracing exam through questionary reading keys from a pipe; (code, screen, store answers)."""
    import threading

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from serverless_study.cli.exam import ExamShell, RichViews
    from serverless_study.prompts import QuestionaryPrompter

    topics = load_topics([FIXTURES / "quiz"]).topics
    out = io.StringIO()
    env = Env(data_dir=data_dir, stdout=out, clock=clock)
    with Store.open(data_dir / DB_NAME) as store, create_pipe_input() as keys:
        exam = Exam.start(
            store,
            generate_cards(topics),
            {t.id: t for t in topics},
            Scheduler(),
            random.Random(2),
            settings=ExamSettings(questions=3, minutes=minutes, topics=("tracing",)),
            now=NOW,
        )
        keys.send_text(keys_for(exam))
        prompter = QuestionaryPrompter(input=keys, output=DummyOutput())
        watchdog = threading.Timer(20, keys.send_text, ("\x03",))  # a prompt left waiting fails the test, not hangs
        watchdog.start()
        try:
            code = ExamShell(env, exam, prompter, RichViews(env)).run()
        finally:
            watchdog.cancel()
        saved = store.scored_exams(10)
    return code, out.getvalue(), saved, exam


def right_keys(q) -> str:  # type: ignore[no-untyped-def]
    if q.question.choices:  # a number points at the choice, Enter picks it
        return str(q.question.choices.index(q.question.answer) + 1) + "\r"
    return q.question.answer + "\r"


def key(q, k: str) -> str:  # type: ignore[no-untyped-def]
    """An action key: at once in a select; typed as the whole answer at a text prompt (so "Fargate" can be typed)."""
    return k if q.question.choices else k + "\r"


def test_terminal_mode_flag_review_and_submit(data_dir: Path) -> None:
    def keys(exam: Exam) -> str:
        first, second, third = exam.questions
        # Flag the first, then answer it; skip the second; answer the third. Enter at "Next" reviews the flagged
        # and the skipped: answer both; then q submits.
        return (
            key(first, "f")
            + right_keys(first)
            + key(second, "s")
            + right_keys(third)
            + "\r"
            + right_keys(first)
            + right_keys(second)
            + "q"
        )

    code, shown, saved, _exam = terminal_exam(data_dir, keys)
    assert code == 0, shown
    assert "Question 1 of 3 · untimed · flagged" in shown
    assert "You have answered 2 of 3: 1 flagged, 1 unanswered." in shown
    assert "Exam submitted. 3 of 3 right: 100%. Passed (pass mark 72%). Predicted 8%: 92" in shown
    (stored,) = saved
    assert [(a.correct, a.flagged) for a in stored.answers] == [(True, True), (True, False), (True, False)]
    assert "\x1b" not in shown  # a StringIO is no terminal: no colour codes


def test_terminal_mode_ctrl_c_saves_an_incomplete_exam(data_dir: Path) -> None:
    code, shown, saved, _exam = terminal_exam(data_dir, lambda exam: right_keys(exam.questions[0]) + "\x03")
    assert code == 130
    assert "Exam interrupted: saved as incomplete (1 of 3 answered), not scored." in shown
    assert saved == [] and outcomes(data_dir) == ["incomplete"]


def test_terminal_mode_submits_itself_when_the_time_runs_out_at_a_prompt(data_dir: Path) -> None:
    # A millisecond before the end of a one-minute exam, no key pressed: the prompt ends and the exam is submitted.
    almost = lambda: NOW + timedelta(seconds=59, microseconds=999_000)  # noqa: E731
    code, shown, saved, _exam = terminal_exam(data_dir, lambda exam: "", minutes=1, clock=almost)
    assert code == 0, shown
    assert "Question 1 of 3 · 0:00 left" in shown
    assert "Time is up: the exam was submitted. 0 of 3 right: 0%." in shown
    assert [e.outcome for e in saved] == ["timed_out"]


def test_terminal_views_match_their_golden() -> None:
    from serverless_study import render
    from serverless_study.exam import Ending
    from serverless_study.scores import exam_history

    from .golden import render as rendered

    topics = load_topics([FIXTURES / "quiz"]).topics
    with Store.open(":memory:") as store:
        exam = Exam.start(
            store,
            generate_cards(topics),
            {t.id: t for t in topics},
            Scheduler(),
            random.Random(4),
            settings=ExamSettings(questions=5, minutes=20, topics=("functions", "tracing")),
            now=NOW,
        )
        exam.answer(1, "a micro VM")
        exam.answer(2, "TCP port 2000")
        exam.flag(2)
        exam.answer(4, "Lambda")
        exam.answer(5, "Segment")
        views = [
            render.exam_intro_view(exam.plan()),
            render.exam_question_view(exam.questions[1], 5, "Tracing", timedelta(minutes=12, seconds=5)),
            render.exam_result_view(exam.finish(NOW + timedelta(minutes=9), Ending.SUBMITTED)),
            render.exams_view(exam_history(store) * 2, UTC),
        ]
    assert_golden("exam-terminal.txt", "".join(rendered(v) for v in views))
