"""The SQLite store: round trips, one transaction per answer, undo, migrations and refusing bad files."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serverless_study.errors import StoreError
from serverless_study.model import CardState, Grade, Phase, Review
from serverless_study.store import DB_NAME, SCHEMA_VERSION, Store, iso, parse_time

FIXTURES = Path(__file__).parent / "fixtures" / "store"
NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def state(card_id: str, due: datetime, phase: Phase = Phase.REVIEW, lapses: int = 0, reps: int = 1) -> CardState:
    return CardState(
        card_id, phase, None if phase is Phase.REVIEW else 0, 3.25, 5.5, due, due - timedelta(days=3), lapses, reps
    )


def review(card_id: str, when: datetime = NOW, grade: Grade = Grade.GOOD, answer: str = "x") -> Review:
    return Review(card_id, when, grade, answer, grade is not Grade.AGAIN, 1234)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data" / DB_NAME) as s:
        yield s


def test_a_new_database_is_created_in_wal_mode_at_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / DB_NAME
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"card_state_due", "review_log_card", "review_log_time"} <= indexes


def test_record_round_trips_the_review_and_the_state(store: Store) -> None:
    after = state("t/a/typed", NOW + timedelta(days=3), lapses=2, reps=5)
    rid = store.record(review("t/a/typed", answer="15 min"), after, previous=None, topic_id="t", content_hash="abc")
    assert store.state("t/a/typed") == after
    [logged] = store.history()
    assert logged.id == rid and logged.review == review("t/a/typed", answer="15 min")
    assert logged.phase == "new" and logged.previous is None
    assert store.started_ids() == {"t/a/typed"}


def test_each_answer_is_committed_before_record_returns(store: Store, tmp_path: Path) -> None:
    store.record(review("t/a/typed"), state("t/a/typed", NOW), previous=None, topic_id="t")
    # A second connection (another terminal, or the process after a crash) sees it at once.
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / DB_NAME)) as other:
        assert other.execute("SELECT card_id, rating, correct FROM review_log").fetchall() == [("t/a/typed", 3, 1)]


def test_the_review_log_is_append_only(store: Store, tmp_path: Path) -> None:
    store.record(review("t/a/typed"), state("t/a/typed", NOW), previous=None, topic_id="t")
    with (
        contextlib.closing(sqlite3.connect(tmp_path / "data" / DB_NAME)) as other,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        other.execute("UPDATE review_log SET rating = 4")


def test_undo_restores_the_previous_state_and_deletes_the_review(store: Store) -> None:
    first = state("t/a/typed", NOW + timedelta(days=2), reps=1)
    second = state("t/a/typed", NOW + timedelta(days=9), reps=2)
    store.record(review("t/a/typed"), first, previous=None, topic_id="t")
    store.record(review("t/a/typed", NOW + timedelta(days=2)), second, previous=first, topic_id="t")
    undone = store.undo()
    assert undone is not None and undone.previous == first and undone.phase == "review"
    assert store.state("t/a/typed") == first and len(store.history()) == 1
    store.undo()
    assert store.state("t/a/typed") is None and store.history() == []  # a new card is new again
    assert store.undo() is None


def test_undo_of_a_review_that_is_no_longer_the_cards_latest_is_refused(store: Store) -> None:
    a = store.record(review("t/a/typed"), state("t/a/typed", NOW), previous=None, topic_id="t")
    store.record(review("t/a/typed"), state("t/a/typed", NOW), previous=state("t/a/typed", NOW), topic_id="t")
    with pytest.raises(StoreError, match="reviewed again"):
        store.undo(a)
    assert len(store.history()) == 2


def test_due_is_an_ordered_limited_range_on_the_due_index(store: Store) -> None:
    for n in range(6):
        cid = f"{'ab'[n % 2]}/i{n}/typed"
        store.record(review(cid), state(cid, NOW - timedelta(hours=n)), previous=None, topic_id="ab"[n % 2])
    store.record(
        review("a/l/typed"), state("a/l/typed", NOW + timedelta(minutes=5), Phase.LEARNING), previous=None, topic_id="a"
    )
    due = store.due(NOW + timedelta(seconds=1), review=True)
    assert [s.card_id for s in due] == [f"{'ab'[n % 2]}/i{n}/typed" for n in (5, 4, 3, 2, 1, 0)]
    assert "a/i0/typed" not in [s.card_id for s in store.due(NOW, review=True)]  # due at the bound: not before it
    assert [s.card_id for s in store.due(NOW, review=True, limit=2)] == ["b/i5/typed", "a/i4/typed"]
    assert [s.card_id for s in store.due(NOW, review=True, topics=["a"])] == ["a/i4/typed", "a/i2/typed"]
    assert [s.card_id for s in store.due(NOW, review=True, keep=lambda c: c != "a/i4/typed", limit=2)] == [
        "b/i5/typed",
        "b/i3/typed",
    ]
    assert store.due(NOW, review=False) == []
    assert [s.card_id for s in store.due(NOW + timedelta(minutes=20), review=False)] == ["a/l/typed"]
    assert len(store.due(NOW, review=True, topics=["b"])) == 3


def test_counts_since_tell_new_cards_from_reviews(store: Store) -> None:
    yesterday = NOW - timedelta(days=1)
    store.record(review("t/a/typed", yesterday), state("t/a/typed", NOW), previous=None, topic_id="t")
    store.record(review("t/a/typed"), state("t/a/typed", NOW), previous=state("t/a/typed", NOW), topic_id="t")
    store.record(review("t/b/typed"), state("t/b/typed", NOW), previous=None, topic_id="t")
    assert store.counts_since(NOW - timedelta(hours=1)) == {"review": 1, "new": 1}
    assert store.review_counts([(yesterday, NOW), (NOW, NOW + timedelta(days=1))]) == [1, 2]
    assert store.any_review_between(yesterday, NOW) and not store.any_review_between(
        NOW + timedelta(seconds=1), NOW + timedelta(days=1)
    )


def test_a_v1_database_is_migrated_keeping_its_history(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "v1.sql").read_text())
    conn.close()
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        timeout = s.state("functions/timeout/typed")
        assert timeout is not None and timeout.phase is Phase.REVIEW and timeout.reps == 2
        assert timeout.due == datetime(2025, 1, 9, 9, 0, 30, tzinfo=UTC)
        xray = s.state("tracing/x-ray/recall")
        assert xray is not None and xray.phase is Phase.RELEARNING and xray.step == 0
        assert [r.review.answer for r in s.history()] == ["15 minutes", "15 min", "Handler", ""]
        assert all(r.phase is None for r in s.history())
        assert {r[1] for r in s.schedule_rows(NOW)} == {"functions", "tracing"}
        with pytest.raises(StoreError, match="before undo"):
            s.undo()  # v1 kept no previous state to go back to
        s.record(review("tracing/x-ray/recall", NOW + timedelta(days=1)), xray, previous=xray, topic_id="tracing")
        assert s.undo() is not None and len(s.history()) == 4  # new reviews can be undone
    with Store.open(path) as again:  # opening twice is a no-op
        assert again.schema_version == SCHEMA_VERSION and len(again.history()) == 4


AWARE = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.timezones(), allow_imaginary=False
)


@given(AWARE, AWARE)
def test_stored_times_round_trip_and_sort_as_text(a: datetime, b: datetime) -> None:
    # Compared in UTC: Python never calls two times in different zones equal when one falls in a DST fold.
    a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
    assert parse_time(iso(a)) == a_utc and parse_time(iso(a)).tzinfo is UTC
    assert (iso(a) < iso(b)) == (a_utc < b_utc)  # the due index and every range query rely on this


def test_a_corrupt_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "data" / DB_NAME
    path.parent.mkdir()
    garbage = b"this is not a database\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match=f"{path}.*not a serverless-study database.*untouched"):
        Store.open(path)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in path.parent.iterdir()) == [DB_NAME]  # no -wal/-shm files either


@pytest.mark.slow
def test_a_damaged_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    with Store.open(path) as s:
        for n in range(300):
            s.record(review(f"t/i{n}/typed"), state(f"t/i{n}/typed", NOW), previous=None, topic_id="t")
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)  # trash pages after the header page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=f"{path}"), Store.open(path) as s:
        s.history()


def test_another_programs_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"not a serverless-study one.*notes"):
        Store.open(path)
    assert path.read_bytes() == before


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(path)


def test_a_data_dir_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the data folder"):
        Store.open(blocker / "data" / DB_NAME)
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(StoreError, match="not a file"):
        Store.open(tmp_path / "dir.sqlite3")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """A folder nobody may write, even root (who ignores mode bits): chattr +i where the filesystem allows."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True).returncode != 0:
        pytest.skip("running as root on a filesystem without immutable folders")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder), pytest.raises(StoreError, match="read-only"):
        Store.open(folder / DB_NAME)
    assert list(folder.iterdir()) == []


def test_memory_store_for_tests() -> None:
    with Store.open(":memory:") as s:
        s.record(review("t/a/typed"), state("t/a/typed", NOW), previous=None, topic_id="t")
        assert s.reviews_total() == 1


def test_a_second_terminal_reads_while_a_session_writes(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    with Store.open(path) as writer, Store.open(path) as reader:
        writer.record(review("t/a/typed"), state("t/a/typed", NOW), previous=None, topic_id="t")
        writer._conn.execute("BEGIN IMMEDIATE")  # a write in progress holds the write lock
        writer._conn.execute("DELETE FROM card_state")
        assert reader.reviews_total() == 1 and reader.state("t/a/typed") is not None  # WAL: readers go on
        writer._conn.execute("ROLLBACK")
