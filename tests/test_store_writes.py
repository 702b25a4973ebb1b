"""Writes that must not be lost: two processes answering at once, a COMMIT that fails, a file system without WAL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from serverless_study.errors import StoreError
from serverless_study.model import CardState, Grade, Phase, Review
from serverless_study.scheduler import Scheduler
from serverless_study.store import DB_NAME, Store

from .conftest import FIXTURES, REPO

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

# A learner in one terminal: the real session engine on the real database, answering everything it is asked.
CHILD = textwrap.dedent(
    """
    import random, sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from serverless_study.cards import generate_cards
    from serverless_study.days import Calendar
    from serverless_study.loader import load_topics
    from serverless_study.model import Grade
    from serverless_study.scheduler import Scheduler
    from serverless_study.session import Limits, Session
    from serverless_study.store import Store

    content, db, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    topics = load_topics([content]).topics
    now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    rng = random.Random(seed)
    with Store.open(db) as store:
        session = Session.start(store, generate_cards(topics), {t.id: t for t in topics}, Scheduler(), rng,
                                now=now, day=Calendar(UTC).day_of(now), limits=Limits(new_per_day=12))
        print("ready", flush=True)
        # One answer per line from the parent, which writes to both processes at once: they answer together.
        while sys.stdin.readline() and (q := session.next_question(now)) is not None:
            grade = rng.choice([Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.EASY])
            given = q.answer if grade is not Grade.AGAIN else "no idea"
            session.answer(q, now, given=given, grade=grade)
            now += timedelta(seconds=rng.randint(20, 400))
            print("answered", flush=True)
    print("done", flush=True)
    """
)


def replay(store: Store, card_id: str) -> CardState | None:
    """The card's state rebuilt from its review log alone."""
    scheduler, state = Scheduler(), None
    for logged in store.history(card_id):
        state = scheduler.review(state, card_id, logged.review.grade, logged.review.reviewed_at)
    return state


@pytest.mark.slow
def test_two_processes_answering_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / DB_NAME
    Store.open(db).close()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(FIXTURES / "quiz"), str(db), str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for seed in (1, 2)
    ]
    for child in children:  # both have built their queue from the same stored states
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    answered, running = 0, list(children)
    while running:  # each round, every learner still studying answers one question, at the same time
        for child in running:
            assert child.stdin is not None
            child.stdin.write("next\n")
            child.stdin.flush()
        for child in list(running):
            assert child.stdout is not None
            if child.stdout.readline() == "answered\n":
                answered += 1
            else:
                running.remove(child)
    for child in children:
        _out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
    with Store.open(db) as store:
        log = store.history()
        assert len(log) == answered > 30
        card_ids = {r.review.card_id for r in log}
        assert len(card_ids) < answered  # the two learners answered the same cards
        for card_id in sorted(card_ids):
            stored, rebuilt = store.state(card_id), replay(store, card_id)
            assert stored is not None and rebuilt is not None
            assert (stored.phase, stored.due, stored.reps, stored.lapses) == (
                rebuilt.phase,
                rebuilt.due,
                rebuilt.reps,
                rebuilt.lapses,
            ), card_id
            assert stored.stability == pytest.approx(rebuilt.stability) and stored.difficulty == pytest.approx(
                rebuilt.difficulty
            )
            for logged in store.history(card_id)[1:]:
                assert logged.previous is not None  # each answer saw the one before it


def test_an_answer_is_scheduled_from_the_stored_state_not_a_stale_one(tmp_path: Path) -> None:
    """Terminal B answers a card that terminal A asked earlier; A's answer builds on B's, it does not replace it."""
    db = tmp_path / DB_NAME
    scheduler = Scheduler()
    with Store.open(db) as a, Store.open(db) as b:
        stale = None  # what A knew when it asked: a new card
        b_state = scheduler.review(None, "t/i/typed", Grade.GOOD, NOW)
        b.record(Review("t/i/typed", NOW, Grade.GOOD, "x", True, 0), b_state, previous=None, topic_id="t")
        later = NOW + timedelta(minutes=10)
        saved = a.record_answer(
            Review("t/i/typed", later, Grade.GOOD, "x", True, 0),
            lambda stored: scheduler.review(stored, "t/i/typed", Grade.GOOD, later),
            topic_id="t",
        )
        assert saved.before == b_state != stale
        assert saved.after.phase is Phase.REVIEW and saved.after.reps == 2  # graduated: B's step counted
        assert a.state("t/i/typed") == saved.after == replay(a, "t/i/typed")
        assert [r.previous for r in a.history()] == [None, b_state]


def test_a_failed_commit_leaves_the_store_usable(tmp_path: Path) -> None:
    """A deferred foreign-key violation makes COMMIT itself fail; the store must roll back and keep working."""
    db = tmp_path / DB_NAME
    with Store.open(db) as store:
        conn = store._conn
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY,"
            " parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        with pytest.raises(StoreError, match=r"refused and nothing was saved \(FOREIGN KEY"), store._tx() as tx:
            tx.execute("INSERT INTO child VALUES (1, 99)")  # accepted now, refused at COMMIT
            store._append(
                tx,
                Review("t/i/typed", NOW, Grade.GOOD, "lost", True, 0),
                CardState("t/i/typed", Phase.LEARNING, 1, 2.0, 5.0, NOW, NOW),
                previous=None,
                topic_id="t",
                content_hash="",
            )
        assert not conn.in_transaction
        assert store.history() == [] and conn.execute("SELECT count(*) FROM child").fetchone()[0] == 0
        state = CardState("t/i/typed", Phase.LEARNING, 1, 2.0, 5.0, NOW, NOW)
        store.record(Review("t/i/typed", NOW, Grade.GOOD, "kept", True, 0), state, previous=None, topic_id="t")
        assert [r.review.answer for r in store.history()] == ["kept"]
    with Store.open(db) as again:
        assert again.state("t/i/typed") == state


def test_without_wal_the_store_warns_once_and_works(tmp_path: Path) -> None:
    """On file systems without shared memory SQLite refuses WAL (the unix-none VFS behaves the same)."""
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(f"file:{path}?vfs=unix-none", uri=True, isolation_level=None)
    store = Store(conn, path)
    heard: list[str] = []
    store._prepare(heard.append)
    assert heard == [
        f"warning: {path}: this file system does not support WAL; using the slower delete journal "
        f"(readers wait for writers)"
    ]
    state = CardState("t/i/typed", Phase.LEARNING, 1, 2.0, 5.0, NOW, NOW)
    store.record(Review("t/i/typed", NOW, Grade.GOOD, "x", True, 0), state, previous=None, topic_id="t")
    assert store.state("t/i/typed") == state and store.schema_version > 0
    store.close()


def test_a_normal_store_is_in_wal_mode_without_a_warning(tmp_path: Path) -> None:
    heard: list[str] = []
    with Store.open(tmp_path / DB_NAME, warn=heard.append) as store:
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert heard == []


OPENER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from serverless_study.store import Store

    paths = [Path(p) for p in sys.argv[1:]]
    print("ready", flush=True)
    sys.stdin.readline()
    for path in paths:
        Store.open(path).close()
    print("opened", flush=True)
    """
)


@pytest.mark.slow
def test_first_runs_at_the_same_time_all_open_the_new_database(tmp_path: Path) -> None:
    """The schema is created and checked under the write lock: no opener sees half a database or 'not ours'."""
    paths = [str(tmp_path / f"db{n}" / DB_NAME) for n in range(20)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, *paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(3)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert (child.returncode, out, err) == (0, "opened\n", "")
    for path in paths:
        with Store.open(path) as store:
            assert store.schema_version > 0 and store.history() == []
