"""Suspend, unsuspend and bury: the commands, the `s` and `b` keys after a verdict, `u`, and leech_action."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from serverless_study.cards import generate_cards
from serverless_study.cli.context import Env
from serverless_study.cli.quiz import QuizShell
from serverless_study.days import Calendar
from serverless_study.errors import UsageError
from serverless_study.holds import LeechAction, Scope, card_ids, resolve
from serverless_study.loader import load_topics
from serverless_study.model import CardState, Grade, Phase, Question, Review
from serverless_study.prompts import QuestionaryPrompter
from serverless_study.scheduler import Scheduler
from serverless_study.session import Held, Limits, Session, askable
from serverless_study.stats import Catalogue, compute
from serverless_study.store import DB_NAME, HoldKind, Store

from .conftest import FIXTURES
from .sessions import run_at

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)  # a Monday noon; study days start at 4 am UTC
DAYS = Calendar(UTC, day_starts=4)
TOPICS = load_topics([FIXTURES / "quiz"]).topics
CARDS = generate_cards(TOPICS)
TRACING = [c.id for c in CARDS if c.topic_id == "tracing"]
ENTER, CTRL_C = "\r", "\x03"


def run(data_dir: Path, *args: str, text: str = "", now: datetime = NOW) -> tuple[int, str, str]:
    return run_at(now, data_dir, *args, text=text)


def held(data_dir: Path, now: datetime = NOW) -> dict[str, HoldKind]:
    with Store.open(data_dir / DB_NAME) as store:
        return {cid: h.kind for cid, h in store.holds(now).items()}


def start(store: Store, now: datetime = NOW, **kwargs: Any) -> Session:
    return Session.start(
        store,
        CARDS,
        {t.id: t for t in TOPICS},
        Scheduler(),
        random.Random(1),
        now=now,
        day=DAYS.day_of(now),
        topic_ids=["tracing"],
        **kwargs,
    )


def queued(store: Store, now: datetime = NOW) -> set[str]:
    session = start(store, now)
    return set(session.main) | {cid for _due, cid in session.learning}


# --- which cards an id names ----------------------------------------------------------------------------------------


def test_an_id_names_a_card_an_item_or_a_topic() -> None:
    named = resolve(["tracing/daemon-port/typed", "tracing/x-ray", "Functions"], CARDS, TOPICS)
    assert [(n.id, n.what) for n in named] == [
        ("tracing/daemon-port/typed", Scope.CARD),
        ("tracing/x-ray", Scope.ITEM),
        ("functions", Scope.TOPIC),  # by its title, as --topic finds it
    ]
    assert named[1].card_ids == ("tracing/x-ray/choice", "tracing/x-ray/recall")
    assert card_ids(resolve(["tracing", "tracing/x-ray"], CARDS, TOPICS)) == TRACING  # each card once
    with pytest.raises(UsageError, match="'tracing/x-ra': no card, item"):
        resolve(["tracing/x-ray", "tracing/x-ra"], CARDS, TOPICS)
    gone = resolve(["old/removed/typed"], CARDS, TOPICS, known={"old/removed/typed"})
    assert gone[0].card_ids == ("old/removed/typed",)  # a held card whose content is gone can be unsuspended


def test_a_topic_alias_names_the_topic() -> None:
    from serverless_study.paths import shipped_content_dir

    shipped = load_topics([shipped_content_dir()]).topics
    (named,) = resolve(["xray"], generate_cards(shipped), shipped)
    assert (named.id, named.what) == ("x-ray", Scope.TOPIC) and len(named.card_ids) > 10


def test_an_unknown_id_is_one_line_exit_2_and_nothing_is_held(data_dir: Path) -> None:
    for command in ("suspend", "bury", "unsuspend"):
        code, out, err = run(data_dir, command, "tracing/x-ray", "tracing/nope")
        assert code == 2 and out == ""
        assert err == "error: 'tracing/nope': no card, item (topic/item) or topic has this id\n"
        assert held(data_dir) == {}


# --- the commands, and what a held card is left out of -------------------------------------------------------------


def test_suspend_and_unsuspend_round_trip_through_the_commands(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "suspend", "tracing/x-ray", "tracing/daemon-port/typed")
    assert code == 0
    assert out == (
        "Suspended 3 cards (item tracing/x-ray; tracing/daemon-port/typed); "
        "`serverless-study unsuspend tracing/x-ray tracing/daemon-port/typed` asks again.\n"
    )
    assert held(data_dir) == dict.fromkeys(
        ["tracing/daemon-port/typed", "tracing/x-ray/choice", "tracing/x-ray/recall"], HoldKind.SUSPENDED
    )
    with Store.open(data_dir / DB_NAME) as store:
        assert queued(store).isdisjoint(held(data_dir))  # never picked as new cards
        assert queued(store)
    code, out, _ = run(data_dir, "stats", "--json")
    figures = json.loads(out)
    assert figures["suspended"] == 3 and figures["buried"] == 0
    assert figures["suspended_cards"] == ["tracing/x-ray/choice", "tracing/x-ray/recall", "tracing/daemon-port/typed"]
    tracing = next(t for t in figures["topics"] if t["id"] == "tracing")
    assert tracing["new"] == len(TRACING) - 3  # a suspended card is not a new card a quiz could introduce
    assert (
        "Suspended (3): tracing/x-ray/choice, tracing/x-ray/recall, tracing/daemon-port/typed"
        in run(data_dir, "stats")[1]
    )
    code, out, _ = run(data_dir, "unsuspend", "tracing/x-ray/choice")
    assert code == 0 and out == "Unsuspended tracing/x-ray/choice: asked again when due.\n"
    assert set(held(data_dir)) == {"tracing/x-ray/recall", "tracing/daemon-port/typed"}
    assert run(data_dir, "unsuspend", "tracing")[
        1
    ] == "Unsuspended 9 cards (topic tracing) (7 of them were not held)" + (": asked again when due.\n")
    assert (
        run(data_dir, "unsuspend", "tracing")[1]
        == "Nothing to do: 9 cards (topic tracing) is not suspended or buried.\n"
    )
    assert held(data_dir) == {}


def test_a_held_card_is_left_out_of_due_counts_and_the_forecast(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        for n, card_id in enumerate(["tracing/x-ray/choice", "tracing/segment/choice", "tracing/subsegment/choice"]):
            state = CardState(card_id, Phase.REVIEW, None, 5.0, 5.0, NOW - timedelta(hours=1), NOW - timedelta(days=5))
            store.record(Review(card_id, NOW - timedelta(days=5 + n), Grade.GOOD, "", True, 0), state, previous=None,
                         topic_id="tracing")  # fmt: skip
        store.hold(["tracing/x-ray/choice"], HoldKind.SUSPENDED, now=NOW)
        store.hold(["tracing/segment/choice"], HoldKind.BURIED, now=NOW, until=DAYS.day_of(NOW).end)
        figures = compute(
            store, Catalogue.of(CARDS, {t.id: t for t in TOPICS}), Scheduler(), now=NOW, calendar=DAYS, new_per_day=20
        )
        assert "tracing/subsegment/choice" in queued(store)
        assert queued(store).isdisjoint({"tracing/x-ray/choice", "tracing/segment/choice"})
    assert figures.due_today == 1  # only the card that is neither suspended nor buried
    assert [n for _day, n in figures.forecast[:2]] == [1, 1]  # the buried one is due tomorrow; the suspended never
    assert figures.suspended == ["tracing/x-ray/choice"] and figures.buried == ["tracing/segment/choice"]


def test_bury_lasts_until_the_learners_next_day_starts(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "bury", "tracing/daemon-port")
    assert code == 0
    assert out == "Buried 2 cards (item tracing/daemon-port) until your next study day (on 2025-03-11 at 04:00).\n"
    rollover = datetime(2025, 3, 11, 4, tzinfo=UTC)
    assert set(held(data_dir, rollover - timedelta(microseconds=1))) == {"tracing/daemon-port/typed",
                                                                          "tracing/daemon-port/cloze"}  # fmt: skip
    assert held(data_dir, rollover) == {}
    with Store.open(data_dir / DB_NAME) as store:
        assert "tracing/daemon-port/typed" not in askable(store, CARDS, now=rollover - timedelta(minutes=1))
        assert "tracing/daemon-port/typed" in askable(store, CARDS, now=rollover)
        store.hold(["tracing/x-ray/choice"], HoldKind.SUSPENDED, now=NOW)
    code, out, _ = run(data_dir, "bury", "tracing/x-ray")  # a bury never shortens a suspension
    assert out.endswith("(on 2025-03-11 at 04:00); 1 suspended stays suspended.\n")
    assert held(data_dir, rollover + timedelta(days=30))["tracing/x-ray/choice"] is HoldKind.SUSPENDED
    with Store.open(data_dir / DB_NAME) as store:
        assert store.holds(rollover, ["tracing/x-ray/choice", "tracing/daemon-port/cloze"]).keys() == {
            "tracing/x-ray/choice"
        }


def test_a_bury_after_midnight_lasts_until_the_rollover_hour_of_that_morning(data_dir: Path) -> None:
    night = datetime(2025, 3, 11, 1, tzinfo=UTC)  # still Monday's study day
    assert run(data_dir, "bury", "tracing/x-ray/choice", now=night)[1].endswith("(today at 04:00).\n")
    assert held(data_dir, datetime(2025, 3, 11, 4, tzinfo=UTC)) == {}


# --- in a session: s, b and u ---------------------------------------------------------------------------------------


def test_suspend_bury_and_undo_round_trip_in_a_session(data_dir: Path) -> None:
    with Store.open(data_dir / DB_NAME) as store:
        session = start(store)
        first = session.next_question(NOW)
        assert first is not None
        session.answer(first, NOW, given="nothing like it")  # a miss: relearning, back in this session
        assert any(cid == first.card_id for _due, cid in session.learning)
        hold = session.hold(first.card_id, HoldKind.SUSPENDED, NOW)
        assert hold.unsaved is None and not any(cid == first.card_id for _due, cid in session.learning)
        assert set(store.holds(NOW)) == {first.card_id}
        assert session.undo() is hold
        assert store.holds(NOW) == {} and any(cid == first.card_id for _due, cid in session.learning)
        assert [r.review.card_id for r in store.history()] == [first.card_id]  # the miss stays until undone too
        session.undo()
        assert store.history() == [] and session.next_question(NOW) == first
        # A right answer left unrated, then buried: nothing saved; undo asks the same question again.
        buried = session.hold(first.card_id, HoldKind.BURIED, NOW)
        assert buried.unsaved is not None and store.history() == []
        assert store.holds(NOW)[first.card_id].until == DAYS.day_of(NOW).end
        second = session.next_question(NOW)
        assert second is not None and second.card_id != first.card_id
        assert session.undo() is buried
        assert session.next_question(NOW) == first and store.holds(NOW) == {}
        session.answer(first, NOW, given=first.answer)
        assert session.next_question(NOW) == second  # the question that was on screen comes back next


def run_shell(data_dir: Path, keys_for: Any) -> tuple[int, list[tuple[str, Grade]], dict[str, HoldKind], str]:
    """A tracing session through real questionary prompts fed by pipe input; the clock stands at NOW."""
    out = io.StringIO()
    with Store.open(data_dir / DB_NAME) as store, create_pipe_input() as keys:
        session = start(store)
        first = session.next_question(NOW)
        assert first is not None
        keys.send_text(keys_for(first))
        prompter = QuestionaryPrompter(input=keys, output=DummyOutput())
        env = Env(data_dir=data_dir, stdout=out, clock=lambda: NOW)
        code = QuizShell(env, session, prompter, plain=False).run()
        saved = [(r.review.card_id, r.review.grade) for r in store.history()]
        holds = {cid: h.kind for cid, h in store.holds(NOW).items()}
    return code, saved, holds, out.getvalue()


def pick(q: Question, *, correct: bool) -> str:
    return str(next(i for i, c in enumerate(q.choices) if (c == q.answer) is correct) + 1)


def test_s_after_a_miss_in_a_terminal_suspends_and_keeps_the_miss(data_dir: Path) -> None:
    code, saved, holds, shown = run_shell(data_dir, lambda q: pick(q, correct=False) + ENTER + "s" + CTRL_C)
    assert code == 130
    assert saved == [("tracing/x-ray/choice", Grade.AGAIN)]
    assert holds == {"tracing/x-ray/choice": HoldKind.SUSPENDED}
    assert "Suspended tracing/x-ray/choice: it is not asked again until" in shown
    assert shown.count("╭─ Tracing") == 2  # the next question came


def test_b_after_a_right_answer_buries_without_saving_and_u_takes_it_back(data_dir: Path) -> None:
    code, saved, holds, shown = run_shell(
        data_dir, lambda q: pick(q, correct=True) + ENTER + "b" + "u" + ENTER + CTRL_C
    )
    assert code == 130
    assert saved == [] and holds == {}
    assert "Buried tracing/x-ray/choice until your next study day; this answer was not rated, not saved" in shown
    assert "Undone: tracing/x-ray/choice is no longer buried; here is its question again." in shown
    assert shown.count("╭─ Tracing") == 3  # the first question, the second (typed: u and Enter), the first again


def test_s_and_b_in_plain_mode(data_dir: Path) -> None:
    code, out, _ = run(data_dir, "quiz", "--topic", "tracing", "--seed", "1", text="Handler\ns\nUDP port 2000\nb\nq\n")
    assert code == 0, out
    assert "Next (Enter = Continue, s suspend, b bury, u undo, q quit): " in out
    assert "Rating (Enter = Good, h/g/e or 2/3/4, s suspend, b bury, u undo, q quit): " in out
    assert held(data_dir) == {"tracing/x-ray/choice": HoldKind.SUSPENDED, "tracing/daemon-port/typed": HoldKind.BURIED}
    # Next session: X-Ray's recall card (its choice card is suspended): reveal, suspend, then u at the next question.
    code, out, _ = run(data_dir, "quiz", "--topic", "tracing", "--seed", "1", text="\ns\nu\nq\n")
    assert "Suspended tracing/x-ray/recall: it is not asked again until" in out
    assert "Undone: tracing/x-ray/recall is no longer suspended; here is its question again." in out
    assert held(data_dir) == {"tracing/x-ray/choice": HoldKind.SUSPENDED, "tracing/daemon-port/typed": HoldKind.BURIED}


# --- leech_action ---------------------------------------------------------------------------------------------------


def almost_a_leech(data_dir: Path) -> None:
    """The daemon-port card, due now, one lapse short of a leech."""
    with Store.open(data_dir / DB_NAME) as store:
        state = CardState("tracing/daemon-port/typed", Phase.REVIEW, None, 2.0, 9.0, NOW - timedelta(hours=1),
                          NOW - timedelta(days=3), lapses=7, reps=20)  # fmt: skip
        store.record(Review(state.card_id, NOW - timedelta(days=3), Grade.GOOD, "", True, 0), state, previous=state,
                     topic_id="tracing")  # fmt: skip


@pytest.mark.parametrize("action", ["suspend", "list"])
def test_leech_action(data_dir: Path, action: str) -> None:
    almost_a_leech(data_dir)
    assert run(data_dir, "config", "leech_action", action)[0] == 0
    code, out, _ = run(data_dir, "quiz", "--topic", "tracing", "--new", "0", text="8080\n\n")
    assert code == 0
    assert "Leech: you have forgotten this card 8 times. Read its note again:" in out
    said = "Suspended: it will not be asked again until `serverless-study unsuspend tracing/daemon-port/typed`."
    if action == "suspend":
        assert out.count(said) == 1
        assert held(data_dir) == {"tracing/daemon-port/typed": HoldKind.SUSPENDED}
        assert out.count("\nQuestion ") == 1  # not asked again at its relearning step
    else:
        assert said not in out and held(data_dir) == {}
        assert out.count("\nQuestion ") == 2  # relearned in the session


def test_undoing_the_answer_that_made_a_leech_lifts_its_suspension(data_dir: Path) -> None:
    almost_a_leech(data_dir)
    with Store.open(data_dir / DB_NAME) as store:
        session = start(store, leech_action=LeechAction.SUSPEND, limits=Limits(new_per_day=0))
        q = session.next_question(NOW)
        assert q is not None and q.card_id == "tracing/daemon-port/typed"
        outcome = session.answer(q, NOW, given="8080")
        assert outcome.leech and outcome.suspended and set(store.holds(NOW)) == {q.card_id}
        assert session.undo() is outcome
        assert store.holds(NOW) == {} and store.state(q.card_id).lapses == 7  # type: ignore[union-attr]


def test_undo_text_names_what_was_undone() -> None:
    from serverless_study.cli.quiz import undone_text

    card = CARDS[0]
    assert undone_text(None) == "Nothing to undo."
    assert undone_text(Held(card, HoldKind.BURIED, None, None, ())) == f"Undone: {card.id} is no longer buried."


def test_holds_of_many_cards_are_filtered_the_same_way_as_a_few(data_dir: Path) -> None:
    ids = [f"synth/f{n:04d}/typed" for n in range(1200)]
    with Store.open(data_dir / DB_NAME) as store:
        store.hold(ids[::2], HoldKind.SUSPENDED, now=NOW)
        for asked in (ids[:40], ids[:1000]):  # looked up by key, then filtered after one pass
            assert sorted(store.holds(NOW, asked)) == sorted(set(asked) & set(ids[::2]))
        assert store.release(ids) == 600 and store.holds(NOW) == {}


def test_stats_lists_at_most_twenty_held_cards_and_json_all(data_dir: Path) -> None:
    run(data_dir, "suspend", "functions")
    text = run(data_dir, "stats")[1]
    functions = [c.id for c in CARDS if c.topic_id == "functions"]
    assert f"Suspended ({len(functions)}): {', '.join(functions[:20])} and {len(functions) - 20} more" in text
    assert json.loads(run(data_dir, "stats", "--json")[1])["suspended_cards"] == functions
