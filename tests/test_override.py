"""Schema v3: confusions kept with reviews, "I was right" overrides, and what stats and the quiz do with them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cards import generate_cards
from serverless_study.cli import app
from serverless_study.days import Calendar
from serverless_study.errors import StoreError
from serverless_study.loader import load_topics
from serverless_study.model import CardKind, CardState, Grade, Phase, Review
from serverless_study.scheduler import Scheduler
from serverless_study.session import Session
from serverless_study.store import DB_NAME, Marking, Store

MONDAY = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
UTC_DAYS = Calendar(UTC, day_starts=0)  # study days from midnight to midnight UTC
PACK = """\
id: mix
title: Mix-ups
concepts:
  - id: ecs
    term: Amazon ECS
    definition: The AWS service that runs containers at scale.
    aliases: [ECS]
  - id: eks
    term: Amazon EKS
    definition: The AWS-managed Kubernetes service.
    aliases: [EKS]
  - id: ecr
    term: Amazon ECR
    definition: The AWS registry for container images.
  - id: lambda
    term: AWS Lambda
    definition: Runs code without servers.
  - id: fargate
    term: AWS Fargate
    definition: Runs containers without servers.
  - id: sqs
    term: Amazon SQS
    definition: Queues messages.
facts:
  - id: eks-what
    prompt: Which AWS service is an AWS-managed version of Kubernetes?
    answer: Amazon EKS
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "mix.yaml").write_text(PACK, encoding="utf-8")
    return folder


def session_on(store: Store, pack: Path, only: CardKind, seed: int = 1) -> Session:
    topics = load_topics([pack]).topics
    cards = [c for c in generate_cards(topics) if c.kind is only]
    return Session.start(
        store,
        cards,
        {t.id: t for t in topics},
        Scheduler(),
        random.Random(seed),
        now=MONDAY,
        day=UTC_DAYS.day_of(MONDAY),
    )


def typed_question(session: Session):  # type: ignore[no-untyped-def]
    q = session.next_question(MONDAY)
    while q is not None and q.card_id != "mix/eks-what/typed":
        session.answer(q, MONDAY, given=q.answer)
        q = session.next_question(MONDAY)
    assert q is not None
    return q


# --- store -------------------------------------------------------------------------------------------------------


def review(card_id: str, grade: Grade = Grade.AGAIN) -> Review:
    return Review(card_id, MONDAY, grade, "Amazon ECS", grade is not Grade.AGAIN, 10)


def state(card_id: str, phase: Phase = Phase.LEARNING) -> CardState:
    return CardState(card_id, phase, 0, 1.0, 5.0, MONDAY + timedelta(minutes=1), MONDAY, 0, 1)


def test_confusions_are_counted_and_undo_takes_them_back(tmp_path: Path) -> None:
    with Store.open(tmp_path / DB_NAME) as store:
        mark = Marking("Amazon EKS", "Amazon ECS")
        store.record(review("m/a/typed"), state("m/a/typed"), previous=None, topic_id="m", marking=mark)
        store.record(review("m/b/typed"), state("m/b/typed"), previous=None, topic_id="m", marking=mark)
        last = store.record(
            review("m/c/typed"), state("m/c/typed"), previous=None, topic_id="m", marking=Marking("SQS", "SNS")
        )
        assert store.confusions() == [("Amazon EKS", "Amazon ECS", 2), ("SQS", "SNS", 1)]
        assert store.confusions(limit=1) == [("Amazon EKS", "Amazon ECS", 2)]
        store.undo(last)
        assert store.confusions() == [("Amazon EKS", "Amazon ECS", 2)]


def test_a_replacing_record_is_one_transaction_and_never_updates_the_log(tmp_path: Path) -> None:
    with Store.open(tmp_path / DB_NAME) as store:
        wrong = store.record(review("m/a/typed"), state("m/a/typed"), previous=None, topic_id="m")
        right = store.record(
            review("m/a/typed", Grade.GOOD),
            state("m/a/typed", Phase.REVIEW),
            previous=None,
            topic_id="m",
            marking=Marking("Amazon EKS", overridden=True),
            replaces=wrong,
        )
        assert [r.id for r in store.history()] == [right]
        assert store.override_counts() == {"m/a/typed": 1}
        with pytest.raises(StoreError, match="no longer exists"):  # and nothing is written
            store.record(review("m/a/typed"), state("m/a/typed"), previous=None, topic_id="m", replaces=999)
        other = store.record(review("m/b/typed"), state("m/b/typed"), previous=None, topic_id="m")
        store.record(review("m/b/typed"), state("m/b/typed"), previous=state("m/b/typed"), topic_id="m")
        with pytest.raises(StoreError, match="reviewed again"):  # not the card's latest review
            store.record(review("m/b/typed"), state("m/b/typed"), previous=None, topic_id="m", replaces=other)
        assert len(store.history()) == 3 and store.override_counts() == {"m/a/typed": 1}


# --- session -----------------------------------------------------------------------------------------------------


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(":memory:") as opened:
        yield opened


def test_a_wrong_answer_records_the_term_it_named(pack: Path, store: Store) -> None:
    session = session_on(store, pack, CardKind.TYPED)
    q = typed_question(session)
    outcome = session.answer(q, MONDAY, given="Amazon ECS")
    assert not outcome.verdict.correct and outcome.verdict.confused_with is not None
    assert store.confusions() == [("Amazon EKS", "Amazon ECS", 1)]


def test_override_turns_a_wrong_answer_into_good_and_undo_still_works(pack: Path, store: Store) -> None:
    session = session_on(store, pack, CardKind.TYPED)
    q = typed_question(session)
    wrong = session.answer(q, MONDAY, given="the Amazon Elastic Kubernetes Svc")
    assert wrong.grade is Grade.AGAIN and session.can_override()
    right = session.override(MONDAY + timedelta(seconds=5))
    assert right.grade is Grade.GOOD and right.verdict.correct
    assert [(r.review.grade, r.review.correct) for r in store.history()] == [(Grade.GOOD, True)]
    assert store.override_counts() == {"mix/eks-what/typed": 1} and not session.can_override()
    assert session.states[q.card_id] == right.after  # a new card rated Good: its learning step, not a relapse
    undone = session.undo()
    assert undone is not None and undone.review_id == right.review_id
    assert store.history() == [] and store.override_counts() == {} and store.state(q.card_id) is None
    assert session.next_question(MONDAY) == q  # asked again, as after any undo


def test_an_empty_answer_cannot_be_overridden(pack: Path, store: Store) -> None:
    session = session_on(store, pack, CardKind.TYPED)
    session.answer(typed_question(session), MONDAY, given="  ")  # "don't know": nothing to stand by
    assert not session.can_override()


def test_only_wrong_typed_answers_can_be_overridden(pack: Path, store: Store) -> None:
    session = session_on(store, pack, CardKind.CHOICE)
    q = session.next_question(MONDAY)
    assert q is not None
    session.answer(q, MONDAY, given=next(c for c in q.choices if c != q.answer))
    assert not session.can_override()
    with pytest.raises(ValueError, match="only a typed answer"):
        session.override(MONDAY)


def test_multiple_choice_prefers_the_learners_own_confusions(pack: Path, store: Store) -> None:
    store.record(
        review("mix/eks-what/typed"),
        state("mix/eks-what/typed"),
        previous=None,
        topic_id="mix",
        marking=Marking("Amazon EKS", "Amazon ECR"),
    )
    for seed in range(8):
        session = session_on(store, pack, CardKind.CHOICE, seed)
        q = session.next_question(MONDAY)
        while q is not None and q.card_id != "mix/eks/choice":
            session.answer(q, MONDAY, given=q.answer)
            q = session.next_question(MONDAY)
        assert q is not None and "Amazon ECR" in q.choices, (seed, q.choices)


# --- the shell and stats -------------------------------------------------------------------------------------------


def quiz(data_dir: Path, pack: Path, text: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app,
        ["--data-dir", str(data_dir), "--content", str(pack), "quiz", "--topic", "mix", "--seed", "1", "--new", "1"],
        input=text,
        catch_exceptions=False,
    )


def test_o_after_a_wrong_typed_answer_overrides_and_stats_json_counts_it(tmp_path: Path) -> None:
    folder = tmp_path / "only"
    folder.mkdir()
    (folder / "f.yaml").write_text(PACK.split("concepts:")[0] + "facts:" + PACK.split("facts:")[1], encoding="utf-8")
    data = tmp_path / "data"
    result = quiz(data, folder, "Amazon Elastic Kubernetes Svc\no\n4\nq\n")
    assert result.exit_code == 0, result.output
    assert "Wrong. The answer is: Amazon EKS" in result.output
    assert "Next (Enter = Continue, o override, s suspend, b bury, u undo, q quit): " in result.output
    assert "Overridden: counted as right" in result.output
    with Store.in_dir(data) as store:
        assert [(r.review.grade, r.review.correct) for r in store.history()] == [(Grade.EASY, True)]
    stats = CliRunner().invoke(
        app, ["--data-dir", str(data), "--content", str(folder), "stats", "--json"], catch_exceptions=False
    )
    assert json.loads(stats.stdout)["overrides"] == {"mix/eks-what/typed": 1}


def test_stats_lists_the_most_confused_pairs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store.in_dir(data) as store:
        for card in ("a", "b"):
            store.record(
                review(f"m/{card}/typed"),
                state(f"m/{card}/typed"),
                previous=None,
                topic_id="m",
                marking=Marking("Amazon EKS", "Amazon ECS"),
            )
    plain = CliRunner().invoke(app, ["--data-dir", str(data), "stats"], catch_exceptions=False)
    assert "Most confused: Amazon ECS for Amazon EKS (2 times)." in plain.stdout
    as_json = json.loads(CliRunner().invoke(app, ["--data-dir", str(data), "stats", "--json"]).stdout)
    assert as_json["confusions"] == [{"expected": "Amazon EKS", "confused_with": "Amazon ECS", "times": 2}]


def test_o_in_a_terminal_with_real_questionary_prompts(tmp_path: Path, pack: Path) -> None:
    """The terminal shell reading keys from a pipe: a wrong typed answer, then `o`, then Ctrl-C."""
    import io

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from serverless_study.cli.context import Env
    from serverless_study.cli.quiz import QuizShell
    from serverless_study.prompts import QuestionaryPrompter

    out = io.StringIO()
    data = tmp_path / "data"
    with Store.in_dir(data) as store, create_pipe_input() as keys:
        session = session_on(store, pack, CardKind.TYPED)
        keys.send_text("Amazon Elastic Kubernetes Svc\r" + "o" + "\r" + "\x03")  # o acts at once; Enter = Good
        code = QuizShell(
            Env(data_dir=data, stdout=out), session, QuestionaryPrompter(input=keys, output=DummyOutput()), plain=False
        ).run()
        assert code == 130
        assert [(r.review.grade, r.review.correct) for r in store.history()] == [(Grade.GOOD, True)]
        assert store.override_counts() == {"mix/eks-what/typed": 1}
    assert "Overridden: counted as right" in out.getvalue()
