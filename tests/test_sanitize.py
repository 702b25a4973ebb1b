"""Terminal control characters: the loader refuses them, and every renderer passes content through one sanitiser."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from serverless_study import anki, render, textview
from serverless_study.answers import Verdict
from serverless_study.days import Calendar
from serverless_study.holds import Named, Scope
from serverless_study.loader import load_topics, parse_text
from serverless_study.model import (
    Card,
    CardKind,
    CardState,
    Comparison,
    Concept,
    Fact,
    Grade,
    Image,
    Layer,
    Phase,
    Question,
    Row,
    Sequence,
    Step,
    Topic,
)
from serverless_study.prompts import CONTINUE
from serverless_study.sanitize import FORBIDDEN, char_name, clean, cleaned
from serverless_study.session import Held, Outcome, Progress, TopicSummary, Waiting
from serverless_study.stats import Confusion, Leech, Stats, TopicStats
from serverless_study.store import HoldKind

from .conftest import REPO
from .golden import render as render_rich
from .sessions import tracing_session

# One of each class: C0 (ESC, BEL), DEL, C1 (CSI, NEL), bidi override and isolate.
BAD = "\x1b]0;PWNED\x07\x1b[2J\x7f\x9b\x85\u202e\u2066"
MARKUP = "[bold]x[/bold]"


def evil(label: str) -> str:
    return f"{label} {BAD} {MARKUP}"


# --- the sanitiser -------------------------------------------------------------------------------------------------


def test_char_names_are_unicode_names_or_aliases() -> None:
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
        label = char_name(chr(code))
        assert label.startswith(f"U+{code:04X} ")
        assert unicodedata.lookup(label.split(" ", 1)[1]) == chr(code), label
    assert char_name("\x1b") == "U+001B ESCAPE"


def test_clean_defuses_every_forbidden_character_and_keeps_the_rest() -> None:
    every = "".join(chr(c) for c in range(0x2100))
    out = clean(every)
    assert FORBIDDEN.search(out) is None and len(out) == len(every)
    changed = [ord(a) for a, b in zip(every, out, strict=True) if a != b]
    assert changed == [
        *range(0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
    assert clean("ab\x1b[2Jc") == "ab␛[2Jc"  # the learner sees what was there, the terminal does nothing
    assert clean("a\u202eb\x9bc") == "a\ufffdb\ufffdc"
    plain = "nothing to do here"
    assert clean(plain) is plain
    topic = Topic("t", "T", facts=(Fact("f", "p", "a"),))
    assert cleaned(topic) is topic  # nothing to clean: no copy


def test_clean_finds_a_forbidden_character_in_otherwise_printable_text() -> None:
    # clean() trusts str.isprintable() for text without tabs or line breaks: no forbidden character may pass it
    for char in (chr(c) for c in range(0x2100)):
        if FORBIDDEN.match(char):
            assert clean(f"a{char}b") != f"a{char}b", char_name(char)


def test_the_loader_refuses_in_a_file_what_clean_defuses_except_line_breaks() -> None:
    from serverless_study.sanitize import forbidden_in_file

    every = [chr(c) for c in range(0x2100)]
    in_file = {c for c in every if forbidden_in_file().match(c)}
    assert in_file == {c for c in every if FORBIDDEN.match(c)} - {"\r"}


def test_the_ascii_shortcut_agrees_with_the_file_pattern() -> None:
    from serverless_study.sanitize import forbidden_in_file, may_hold_forbidden

    for code in range(0x80):
        text = f"id: a\ntitle: x{chr(code)}y\n"
        assert may_hold_forbidden(text) == bool(forbidden_in_file().search(text)), hex(code)
    assert may_hold_forbidden("caf\u00e9")  # not ASCII: the regex decides


def test_cleaned_reaches_into_nested_values() -> None:
    topic = evil_topic()
    out = cleaned(topic)
    assert any(FORBIDDEN.search(s) for s in _strings(topic))
    assert not any(FORBIDDEN.search(s) for s in _strings(out))
    assert out.facts[0].location == topic.facts[0].location  # a NamedTuple stays one


def _strings(value: Any) -> list[str]:
    import dataclasses

    if isinstance(value, str):
        return [value]
    if isinstance(value, Path):
        return [str(value)]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    return []


# --- the loader refuses them ---------------------------------------------------------------------------------------

TEMPLATE = """\
id: t
title: {title}
concepts:
  - id: c
    term: {term}
    definition: {definition}
comparisons:
  - id: cmp
    title: Table
    columns: [A, B]
    rows:
      - id: r
        cells: [{cell}, b]
sequences:
  - id: s
    title: Steps
    steps: [{step}, two]
facts:
  - id: f
    prompt: {prompt}
    answer: {answer}
"""
LINES = {"title": 2, "term": 5, "definition": 6, "cell": 13, "step": 17, "prompt": 20, "answer": 21}
CLASSES = {
    "C0": ("\\e", "\x1b"),
    "C0 bell": ("\\a", "\x07"),
    "DEL": ("\\x7f", "\x7f"),
    "C1": ("\\x9b", "\x9b"),
    "C1 NEL": ("\\N", "\x85"),
    "bidi override": ("\\u202e", "\u202e"),
    "bidi isolate": ("\\u2066", "\u2066"),
}


def pack_text(field: str, value: str) -> str:
    values = {name: "ok" for name in LINES}
    values[field] = value
    return TEMPLATE.format(**values)


@pytest.mark.parametrize("field", list(LINES))
@pytest.mark.parametrize("kind", list(CLASSES))
def test_an_escaped_control_character_is_refused_where_it_is(field: str, kind: str) -> None:
    escape, char = CLASSES[kind]
    topic, problems = parse_text(pack_text(field, f'"Thing{escape} here"'), "p.yaml", Path("."))
    assert topic is None
    assert [str(p) for p in problems] == [
        f"p.yaml:{LINES[field]}: forbidden character {char_name(char)} "
        "(terminal controls and bidi overrides are not allowed)"
    ]


@pytest.mark.parametrize("field", list(LINES))
@pytest.mark.parametrize("char", ["\x1b", "\x7f", "\x9b", "\u202e", "\u2069"])
def test_a_raw_control_character_is_refused_where_it_is(field: str, char: str) -> None:
    topic, problems = parse_text(pack_text(field, f"Thing{char} here"), "p.yaml", Path("."))
    assert topic is None
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (LINES[field], f"forbidden character {char_name(char)}")
    ]


def test_escapes_are_found_on_the_right_line_of_a_long_string_and_in_comments() -> None:
    text = 'id: t\ntitle: T\nfacts:\n  - id: f\n    prompt: "one\n      two \\e[2J\n      three"\n    answer: a\n'
    _, problems = parse_text(text, "p.yaml", Path("."))
    assert [(p.line, p.message[:40]) for p in problems] == [(6, "forbidden character U+001B ESCAPE (termi")]
    _, problems = parse_text("# a comment \x1b[2J\n" + pack_text("title", "ok"), "p.yaml", Path("."))
    assert [p.line for p in problems] == [1]


def test_escapes_that_make_harmless_text_and_backslashes_outside_double_quotes_are_fine() -> None:
    for value in ['"tab\\there\\nnew line \\u00e9 \\x41"', "'single \\e quoted'", "plain \\e text", '"a \\\\e b"']:
        topic, problems = parse_text(pack_text("prompt", value), "p.yaml", Path("."))
        assert problems == [] and topic is not None, value


def test_crlf_line_endings_are_not_control_characters(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_bytes(pack_text("title", "Windows").replace("\n", "\r\n").encode())
    result = load_topics([tmp_path])
    assert result.problems == [] and result.topics[0].title == "Windows"


def test_a_pack_with_control_characters_fails_check_and_is_not_shown(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from serverless_study.cli import app

    (tmp_path / "t.yaml").write_text(pack_text("term", '"Thing\\e]52;c;ZXZpbA==\\a"'))
    result = runner.invoke(app, ["check", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"{tmp_path / 't.yaml'}:5: forbidden character U+001B ESCAPE" in result.stdout
    learn = runner.invoke(app, ["--content", str(tmp_path), "learn", "--all"], catch_exceptions=False)
    assert "\x1b" not in learn.output and "ZXZpbA" not in learn.output


def test_the_shipped_content_has_no_control_characters() -> None:
    for path in sorted((REPO / "content").glob("*.yaml")):
        assert FORBIDDEN.search(path.read_text(encoding="utf-8")) is None, path


# --- every renderer passes content through the sanitiser -----------------------------------------------------------


def evil_topic() -> Topic:
    return Topic(
        id="evil",
        title=evil("title"),
        summary=evil("summary"),
        concepts=(Concept("c", evil("term"), evil("definition"), (evil("point"),), (evil("alias"),)),),
        comparisons=(
            Comparison(
                "t", evil("table"), (evil("col1"), evil("col2")), (Row("r", (evil("c1"), evil("c2")), evil("row")),)
            ),
        ),
        sequences=(Sequence("s", evil("steps"), (Step(evil("one"), evil("detail")), Step(evil("two")))),),
        facts=(Fact("f", evil("prompt"), evil("answer"), (evil("accept"),), evil("why"), f"A {{{{gap{BAD}}}}} here"),),
        images=(
            Image(
                Path(f"/pack/pic{BAD}.svg"),
                evil("caption"),
                evil("src"),
                layers=(Layer(evil("stack title"), (evil("top"), evil("bottom"))),),
            ),
        ),
        source="evil.yaml",
    )


def view_arguments() -> dict[str, tuple[Any, ...]]:
    """Arguments for every public view, all carrying control characters and markup."""
    topic = evil_topic()
    now = datetime(2025, 1, 6, 9, tzinfo=UTC)
    q = Question(
        "evil/f/typed",
        CardKind.CHOICE,
        evil("question"),
        (evil("a"), evil("b")),
        evil("a"),
        (),
        evil("ex"),
        glosses=(evil("gloss a"), evil("gloss b")),
    )
    p = Progress(1, 2, 1, 0, 1)
    verdict = Verdict(False, evil("expected"), evil(f"you typed {BAD}"))
    state = CardState("evil/f/typed", Phase.RELEARNING, 0, 1.0, 5.0, now, now, lapses=8, reps=9)
    card = Card("evil/f/typed", "evil", "f", CardKind.TYPED, "h")
    outcome = Outcome(card, q, evil("given"), verdict, Grade.AGAIN, None, state, True, topic.facts[0], 1, True)
    held = Held(Card(evil("card"), "evil", "f", CardKind.TYPED, "h"), HoldKind.SUSPENDED, None, None, ())
    rows = [TopicSummary("evil", evil("title"), 1, 0, now + timedelta(days=1))]
    stats = Stats(
        [TopicStats("evil", evil("title"), 1, 0, 0, 1, 1, 0.5)],
        1,
        0,
        0,
        1,
        1,
        1,
        1.0,
        1,
        [("2025-01-07", 1)],
        [Leech("evil/f/typed", "evil", 8)],
        confusions=[Confusion(evil("expected"), evil("confused"), 2)],
    )
    return {
        "topic": (topic,),
        "topics": ([topic],),
        "image": (topic.images[0],),
        "layers": (topic.images[0].layers,),
        "comparison": (topic.comparisons[0],),
        "sequence": (topic.sequences[0],),
        "item": (topic.concepts[0],),
        "question": (q, p, evil("topic")),
        "feedback": (verdict, q, evil("b"), evil("back")),
        "pick": (q, evil("b")),
        "verdict": (verdict, q),
        "reveal": (q,),
        "leech": (outcome,),
        "summary": (rows, now),
        "stats": (stats,),
        "duration": (timedelta(minutes=5),),
        "when": (now, now - timedelta(hours=1)),
        "progress": (p,),
        "comes_back": (timedelta(minutes=5),),
        "count": (2,),
        "waiting": (Waiting(3, 20, 4, 200, False),),
        "share": (evil("title"), 2),
        "held": (held,),
        "card_id": (evil("card"),),
        "cram": (2, True),
        "drill": (2,),
        "named": ([Named(evil("item"), Scope.ITEM, (evil("card"), evil("card2")))],),
        **exam_arguments(q, card, verdict, now),
    }


def exam_arguments(q: Question, card: Card, verdict: Verdict, now: datetime) -> dict[str, tuple[Any, ...]]:
    from serverless_study.exam import Ending, ExamPlan, ExamQuestion, ExamResult, Missed, TopicScore
    from serverless_study.scores import ExamSummary

    asked = ExamQuestion(3, card, q, 0.5, evil("given"), verdict, flagged=True)
    missed = [Missed(3, evil("topic"), q, evil("given"), verdict), Missed(4, evil("topic"), q, None, verdict)]
    result = ExamResult(Ending.TIMED_OUT, 4, 1, 3, 72, 0.4, [TopicScore("evil", evil("title"), 4, 1)], missed)
    summary = ExamSummary(now, "submitted", 4, 3, 72, 0.5, {"evil": {"questions": 4, "correct": 3}})
    return {
        "clock": (timedelta(minutes=5),),
        "exam_plan": (ExamPlan(30, 4, 45, 72, [(evil("title"), 4)], 0.25),),
        "exam_question": (asked, 30, evil("topic"), timedelta(minutes=5)),
        "exam_result": (result,),
        "missed": (missed[0],),
        "exams": ([summary, summary], UTC),
    }


VIEW_ARGS = {
    "topic_view": "topic",
    "topic_text": "topic",
    "topics_table": "topics",
    "topics_text": "topics",
    "comparison_table": "comparison",
    "sequence_view": "sequence",
    "item_view": "item",
    "item_text": "item",
    "item_lines": "item",
    "diagram_view": "image",
    "image_lines": "image",
    "diagram_lines": "layers",
    "question_view": "question",
    "question_text": "question",
    "feedback_view": "feedback",
    "feedback_text": "feedback",
    "verdict_text": "verdict",
    "reveal_view": "reveal",
    "reveal_text": "reveal",
    "leech_view": "leech",
    "leech_text": "leech",
    "summary_view": "summary",
    "summary_text": "summary",
    "stats_view": "stats",
    "stats_text": "stats",
    "duration_text": "duration",
    "when_text": "when",
    "progress_text": "progress",
    "pick_text": "pick",
    "comes_back_text": "comes_back",
    "unrated_text": "count",
    "nothing_to_ask_text": "waiting",
    "share_used_text": "share",
    "held_text": "held",
    "unheld_text": "held",
    "leech_suspended_text": "card_id",
    "cram_text": "cram",
    "named_cards_text": "named",
    "drill_text": "drill",
    "clock_text": "clock",
    "exam_intro_text": "exam_plan",
    "exam_intro_view": "exam_plan",
    "exam_question_text": "exam_question",
    "exam_question_view": "exam_question",
    "exam_result_text": "exam_result",
    "exam_result_view": "exam_result",
    "missed_text": "missed",
    "exams_text": "exams",
    "exams_view": "exams",
}
NOT_VIEWS = {"make_console"}  # takes a stream, shows no content
NO_CONTENT = {  # numbers only
    "duration_text",
    "when_text",
    "progress_text",
    "comes_back_text",
    "unrated_text",
    "nothing_to_ask_text",
    "cram_text",
    "drill_text",
    "clock_text",
    "exams_text",  # dates and numbers only
    "exams_view",
}


def public_functions(module: Any) -> dict[str, Any]:
    return {
        name: fn
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__
    }


@pytest.mark.parametrize("module", [render, textview], ids=["render", "textview"])
def test_every_public_view_is_sanitised(module: Any) -> None:
    views = public_functions(module)
    assert set(views) - NOT_VIEWS <= set(VIEW_ARGS), "a new view: give it evil arguments in VIEW_ARGS"
    for name, fn in views.items():
        if name not in NOT_VIEWS:
            assert getattr(fn, "__sanitized__", False), f"{module.__name__}.{name} is not @sanitized"


@pytest.mark.parametrize("name", sorted(VIEW_ARGS))
def test_no_view_lets_a_control_character_through(name: str) -> None:
    fn = getattr(render, name, None) or getattr(textview, name)
    out = fn(*view_arguments()[VIEW_ARGS[name]])
    text = "\n".join(out) if isinstance(out, list) else out if isinstance(out, str) else render_rich(out, width=300)
    assert FORBIDDEN.search(text) is None, (name, text)
    if name not in NO_CONTENT:
        assert MARKUP in text, (name, text)  # shown literally, never as markup


def test_terminal_rendering_carries_only_richs_own_styles() -> None:
    from .test_render import FakeTerminal

    out = FakeTerminal()
    console = render.make_console(out, terminal=True, width=200)
    console.print(render.topic_view(evil_topic()))
    console.print(render.feedback_view(*view_arguments()["feedback"]))
    text = out.getvalue()
    assert "\x1b[2J" not in text and "\x1b]" not in text and "\x07" not in text
    assert "\u202e" not in text and "\x9b" not in text
    assert MARKUP in text and "␛[2J" in text


def test_the_anki_export_is_sanitised() -> None:
    export = anki.build_export([evil_topic()], deck=f"Deck{BAD}")
    assert FORBIDDEN.search(export.csv_text().replace("\t", " ")) is None
    for note in export.notes:
        assert not any(FORBIDDEN.search(f) for f in (*note.fields, note.deck))
    assert "[bold]x[/bold]" in export.csv_text()


def test_line_prompts_show_content_sanitised() -> None:
    from serverless_study.prompts import Action, LinePrompter, rating

    out = io.StringIO()
    prompter = LinePrompter(io.StringIO("2\nanswer\x1b[2J\n3\n"), out)
    assert prompter.choose(evil("which"), [evil("a"), evil("b")]) == 1
    assert prompter.text(evil("type")) == "answer\x1b[2J"  # what the learner typed is data: kept as typed
    good = rating(Grade.GOOD, evil("soon"))
    assert prompter.act(evil("rate"), [good, Action(("u",), evil("undo"), None)], default=good) == Grade.GOOD
    assert FORBIDDEN.search(out.getvalue()) is None and "␛" in out.getvalue()


def test_questionary_prompts_show_content_sanitised() -> None:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.plain_text import PlainTextOutput

    from serverless_study.prompts import QuestionaryPrompter

    screen = io.StringIO()
    with create_pipe_input() as keys:
        keys.send_text("2\r")
        prompter = QuestionaryPrompter(input=keys, output=PlainTextOutput(screen))
        assert prompter.choose(evil("which"), [evil("a"), evil("b")]) == 1
    shown = screen.getvalue()
    assert "which" in shown and "␛" in shown
    assert "\x1b]0;PWNED" not in shown and "\u202e" not in shown and "\x9b" not in shown


def test_error_lines_are_sanitised(tmp_path: Path) -> None:
    from serverless_study.cli.context import Env

    err = io.StringIO()
    env = Env(data_dir=tmp_path, stderr=err)
    env.error(f"no topic matches {BAD}")
    env.warn(f"{BAD} problem")
    assert FORBIDDEN.search(err.getvalue()) is None and "error: no topic matches ␛" in err.getvalue()


SANITISED_MODULES = [
    "render",
    "textview",
    "anki",
    "prompts",
    "cli/context",
    "cli/check",
    "cli/export",
    "cli/quiz",
    "cli/exam",
]


@pytest.mark.parametrize("module", SANITISED_MODULES)
def test_each_renderer_imports_the_sanitiser(module: str) -> None:
    tree = ast.parse((REPO / "serverless_study" / f"{module}.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "serverless_study.sanitize"
        for alias in node.names
    }
    assert imported & {"clean", "sanitized"}, f"serverless_study/{module}.py does not use serverless_study.sanitize"


def test_the_architecture_test_sees_a_missing_sanitiser(tmp_path: Path) -> None:
    views = public_functions(textview)
    undecorated = inspect.unwrap(views["topic_text"])
    assert not getattr(undecorated, "__sanitized__", False)
    assert FORBIDDEN.search(undecorated(evil_topic())) is not None  # without the decorator, ESC gets through


# --- what the learner types is data too ----------------------------------------------------------------------------

TYPED = "\x1b[2J[bold]x[/bold]"


def test_a_typed_answer_is_stored_as_typed_and_never_printed_raw_in_line_mode(runner, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from serverless_study.cli import app
    from serverless_study.store import DB_NAME, Store

    from .conftest import FIXTURES

    # Right, wrong, wrong; then the second typed fact answered with a screen-clearing escape and markup.
    text = f"AWS X-Ray\n\nSegment\n\nAWS X-Ray\n\n{TYPED}\nq\n"
    args = ["--data-dir", str(data_dir), "--content", str(FIXTURES / "quiz"), "quiz", "--seed", "1"]
    result = runner.invoke(app, [*args, "--topic", "tracing"], input=text, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Store.open(data_dir / DB_NAME) as store:
        assert [r.review.answer for r in store.history()][3] == TYPED
    assert "\x1b" not in result.output
    assert "Wrong. The answer is: UDP port 2000" in result.output


def test_a_typed_answer_is_stored_as_typed_and_never_printed_raw_in_a_terminal(data_dir: Path) -> None:

    from serverless_study.cli.context import Env
    from serverless_study.cli.quiz import QuizShell
    from serverless_study.store import DB_NAME, Store

    from .test_render import FakeTerminal

    class Typist:
        """Answers every question with TYPED, the first choice with a wrong option and later ones rightly."""

        plain = False
        session: Any = None
        chosen = 0

        def choose(self, message, choices, *, undo=False):  # type: ignore[no-untyped-def]
            self.chosen += 1
            right = self.session.pending.question.answer
            return next(i for i, c in enumerate(choices) if (c == right) == (self.chosen > 1))

        def text(self, message, *, undo=False):  # type: ignore[no-untyped-def]
            return TYPED

        def act(self, message, actions, *, default):  # type: ignore[no-untyped-def]
            # Go on after a miss; quit at the first rating (a right answer), as a learner leaving would.
            return None if any(isinstance(a.value, Grade) for a in actions) else CONTINUE

        def discard_typeahead(self) -> None:
            pass

    now = datetime.now(UTC)
    out = FakeTerminal()
    with Store.open(data_dir / DB_NAME) as store:
        session = tracing_session(store, now, Calendar(UTC, 0))
        typist = Typist()
        typist.session = session
        shell = QuizShell(Env(data_dir=data_dir, stdout=out), session, typist, plain=False)  # type: ignore[arg-type]
        shell.run()
        typed = [r.review.answer for r in store.history() if r.review.card_id.endswith("/typed")]
    assert typed and set(typed) == {TYPED}
    shown = out.getvalue()
    assert "\x1b[" in shown  # Rich's own colours: this really is the terminal path
    assert "\x1b[2J" not in shown


@pytest.mark.parametrize("plain", [True, False], ids=["plain", "terminal"])
def test_feedback_that_quotes_the_typed_answer_shows_it_as_data(plain: bool) -> None:
    from .test_render import FakeTerminal

    q = Question("t/f/typed", CardKind.TYPED, "Which port?", answer="2000")
    verdict = Verdict(True, "2000", f"accepted, though you typed {TYPED}")
    if plain:
        text = textview.feedback_text(verdict, q)
    else:
        out = FakeTerminal()
        render.make_console(out, terminal=True, width=100).print(render.feedback_view(verdict, q))
        text = out.getvalue()
    assert "\x1b[2J" not in text and "though you typed ␛[2J[bold]x[/bold]" in text


def test_a_file_full_of_control_characters_is_told_in_a_few_lines() -> None:
    text = pack_text("prompt", "x") + "# " + "\x1b" * 5000 + "\n"
    _, problems = parse_text(text, "p.yaml", Path("."))
    assert len(problems) == 21 and str(problems[-1]) == "p.yaml:22: and 4980 more forbidden characters"


def test_the_anki_package_is_sanitised() -> None:
    from serverless_study.apkg import build_package
    from serverless_study.model import Source

    topic = evil_topic()
    topic = dataclasses.replace(topic, sources=(Source(f"https://example.com/{BAD}", "2025-01"),))
    package = build_package([topic], deck=f"Deck{BAD}")
    texts = [
        *(f for note in package.notes for f in note.fields),
        *(d.name for d in package.decks),
        *(d.description for d in package.decks),
    ]
    assert texts and not any(FORBIDDEN.search(t) for t in texts)
    assert any("[bold]x[/bold]" in t for t in texts) and any("example.com/␛" in t for t in texts)
