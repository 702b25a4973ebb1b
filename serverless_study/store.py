"""The review database: one SQLite file, a versioned schema, and one committed transaction per answer."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Self

from serverless_study.errors import StoreError
from serverless_study.model import CardState, Grade, Phase, Review, utc

DB_NAME = "reviews.sqlite3"
BUSY_TIMEOUT_S = 5.0  # a second terminal (stats) waits this long for a writer instead of failing
NEW = "new"  # review_log.phase of a card's first review

# The latest schema, created whole on a new database. Times are UTC ISO-8601 with microseconds
# ("2025-01-31T09:00:00.000000+00:00"): fixed width, so text order is time order.
SCHEMA_VERSION = 4
_APPEND_ONLY = """CREATE TRIGGER review_log_append_only BEFORE UPDATE ON review_log
    BEGIN SELECT RAISE(ABORT, 'review_log is append-only'); END"""
# v3: what the judge noticed about an answer, one row per review that has something to say (deleted with it).
_MARKING = """CREATE TABLE review_marking (
        review_id      INTEGER PRIMARY KEY,  -- review_log.id
        card_id        TEXT NOT NULL,
        expected       TEXT NOT NULL DEFAULT '',  -- the answer the card wanted
        confused_with  TEXT,  -- the term of the content the learner's wrong answer named instead
        overridden     INTEGER NOT NULL DEFAULT 0  -- judged wrong, but the learner said "I was right" (o)
    )"""
# v4: how each answer was asked and what the scheduler predicted for it; held cards; practice exams.
_V4_LOG = (
    # 'cram' answers (quiz --cram, --from-exam) leave the schedule alone and stay out of retention and fitting.
    "ALTER TABLE review_log ADD COLUMN mode TEXT NOT NULL DEFAULT 'scheduled' CHECK (mode IN ('scheduled', 'cram'))",
    # The card's retrievability when it was answered (0 to 1): calibration without replaying the history.
    # NULL for a card's first review and for reviews saved before v4.
    "ALTER TABLE review_log ADD COLUMN retrievability REAL",
)
_V4_HOLD = """CREATE TABLE card_hold (
        card_id  TEXT PRIMARY KEY,  -- a card that may never have been reviewed (no card_state row)
        hold     TEXT NOT NULL CHECK (hold IN ('suspended', 'buried')),
        until    TEXT,  -- buried: when the learner's next day starts (UTC); NULL for suspended
        held_at  TEXT NOT NULL,
        CHECK ((hold = 'buried') = (until IS NOT NULL))
    )"""
_V4_EXAM = (
    """CREATE TABLE exam (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,
        finished_at TEXT,  -- NULL while it runs (or if the process died)
        outcome     TEXT NOT NULL DEFAULT 'running'
                    CHECK (outcome IN ('running', 'submitted', 'timed_out', 'incomplete')),
        settings    TEXT NOT NULL,  -- JSON: questions, minutes, pass mark, topics, seed
        predicted   REAL  -- the expected score (0 to 1) the scheduler predicted before it started
    )""",
    """CREATE TABLE exam_answer (
        exam_id    INTEGER NOT NULL REFERENCES exam (id),
        position   INTEGER NOT NULL,  -- question number, from 1
        card_id    TEXT NOT NULL,
        topic_id   TEXT NOT NULL,
        answer     TEXT,  -- NULL: not answered
        correct    INTEGER,  -- NULL: not answered
        flagged    INTEGER NOT NULL DEFAULT 0,
        predicted  REAL,  -- this card's predicted chance of a right answer
        PRIMARY KEY (exam_id, position)
    )""",
)
# Calibration (stats) without reading every review: per whole percent of predicted recall, the scheduled
# review-phase answers that had a prediction, kept up to date by triggers as reviews are saved and undone.
_V4_TALLY = (
    """CREATE TABLE recall_tally (
        percent   INTEGER PRIMARY KEY,  -- floor(100 * retrievability), 0 to 99 (100% counts as 99)
        answers   INTEGER NOT NULL,
        predicted REAL NOT NULL,  -- sum of the predicted recall of those answers
        recalled  INTEGER NOT NULL  -- how many of them were not Again
    )""",
    """CREATE TRIGGER recall_tally_add AFTER INSERT ON review_log
    WHEN new.retrievability IS NOT NULL AND new.phase = 'review' AND new.mode = 'scheduled'
    BEGIN
        INSERT INTO recall_tally (percent, answers, predicted, recalled)
        VALUES (min(CAST(new.retrievability * 100 AS INTEGER), 99), 1, new.retrievability, new.rating > 1)
        ON CONFLICT (percent) DO UPDATE SET answers = answers + 1, predicted = predicted + excluded.predicted,
            recalled = recalled + excluded.recalled;
    END""",
    """CREATE TRIGGER recall_tally_remove AFTER DELETE ON review_log
    WHEN old.retrievability IS NOT NULL AND old.phase = 'review' AND old.mode = 'scheduled'
    BEGIN
        UPDATE recall_tally SET answers = answers - 1, predicted = predicted - old.retrievability,
            recalled = recalled - (old.rating > 1)
        WHERE percent = min(CAST(old.retrievability * 100 AS INTEGER), 99);
    END""",
)
# The heatmap, the 30-day count and the total without walking the log: answers per UTC quarter hour (study days
# start on a local whole hour, which is a quarter hour in UTC in every zone), kept up to date the same way.
_QUARTER = "substr({t}, 1, 14) || printf('%02d', CAST(substr({t}, 15, 2) AS INTEGER) / 15 * 15)"
_V4_ANSWERS = (
    """CREATE TABLE answer_tally (
        quarter  TEXT PRIMARY KEY,  -- '2025-01-31T09:45': answers saved from then to the next quarter hour (UTC)
        answers  INTEGER NOT NULL
    ) WITHOUT ROWID""",
    f"""INSERT INTO answer_tally (quarter, answers)
        SELECT {_QUARTER.format(t="reviewed_at")} AS q, count(*) FROM review_log GROUP BY q""",
    f"""CREATE TRIGGER answer_tally_add AFTER INSERT ON review_log
    BEGIN
        INSERT INTO answer_tally (quarter, answers) VALUES ({_QUARTER.format(t="new.reviewed_at")}, 1)
        ON CONFLICT (quarter) DO UPDATE SET answers = answers + 1;
    END""",
    f"""CREATE TRIGGER answer_tally_remove AFTER DELETE ON review_log
    BEGIN
        UPDATE answer_tally SET answers = answers - 1 WHERE quarter = {_QUARTER.format(t="old.reviewed_at")};
    END""",
)
_V4 = (*_V4_LOG, _V4_HOLD, *_V4_EXAM, *_V4_TALLY, *_V4_ANSWERS)
SCHEMA = (
    """CREATE TABLE card_state (
        card_id      TEXT PRIMARY KEY,
        topic_id     TEXT NOT NULL,
        phase        TEXT NOT NULL CHECK (phase IN ('learning', 'review', 'relearning')),
        step         INTEGER,
        stability    REAL,
        difficulty   REAL,
        due          TEXT NOT NULL,
        last_review  TEXT,
        lapses       INTEGER NOT NULL DEFAULT 0,
        reps         INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX card_state_due ON card_state (due)",
    """CREATE TABLE review_log (
        id          INTEGER PRIMARY KEY,
        card_id     TEXT NOT NULL,
        reviewed_at TEXT NOT NULL,
        rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        answer      TEXT NOT NULL,
        correct     INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        phase       TEXT,  -- the card's phase before this review ('new' for its first); NULL if unknown
        previous    TEXT   -- the card's state before this review as JSON, so that undo can restore it
    )""",
    "CREATE INDEX review_log_card ON review_log (card_id)",
    "CREATE INDEX review_log_time ON review_log (reviewed_at)",
    _APPEND_ONLY,
    _MARKING,
    "CREATE INDEX review_marking_card ON review_marking (card_id)",
    *_V4,  # the review_log columns are added as the migration adds them, so both spell the table the same way
)

# MIGRATIONS[v] upgrades a database at user_version v to v + 1.
# v1 (first release) kept the fsrs state number, no topic, no lapse/rep counts and no undo information.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE card_state_v2 (
            card_id      TEXT PRIMARY KEY,
            topic_id     TEXT NOT NULL,
            phase        TEXT NOT NULL CHECK (phase IN ('learning', 'review', 'relearning')),
            step         INTEGER,
            stability    REAL,
            difficulty   REAL,
            due          TEXT NOT NULL,
            last_review  TEXT,
            lapses       INTEGER NOT NULL DEFAULT 0,
            reps         INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL DEFAULT ''
        )""",
        # Lapses need the phase each review was made in, which v1 did not keep: they restart at 0.
        """INSERT INTO card_state_v2 (card_id, topic_id, phase, step, stability, difficulty, due, last_review, reps)
           SELECT s.card_id, substr(s.card_id, 1, instr(s.card_id, '/') - 1),
                  CASE s.state WHEN 1 THEN 'learning' WHEN 2 THEN 'review' ELSE 'relearning' END,
                  s.step, s.stability, s.difficulty, s.due, s.last_review,
                  (SELECT count(*) FROM review_log r WHERE r.card_id = s.card_id)
           FROM card_state s""",
        "DROP TABLE card_state",
        "ALTER TABLE card_state_v2 RENAME TO card_state",
        "CREATE INDEX card_state_due ON card_state (due)",
        # Rebuilt rather than altered: v1 had no CHECK on the rating, and ALTER TABLE cannot add one.
        """CREATE TABLE review_log_v2 (
            id          INTEGER PRIMARY KEY,
            card_id     TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            answer      TEXT NOT NULL,
            correct     INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            phase       TEXT,
            previous    TEXT
        )""",
        """INSERT INTO review_log_v2 (id, card_id, reviewed_at, rating, answer, correct, duration_ms)
           SELECT id, card_id, reviewed_at, rating, answer, correct, duration_ms FROM review_log""",
        "DROP TABLE review_log",
        "ALTER TABLE review_log_v2 RENAME TO review_log",
        "CREATE INDEX review_log_card ON review_log (card_id)",
        "CREATE INDEX review_log_time ON review_log (reviewed_at)",
        _APPEND_ONLY,
    ),
    2: (_MARKING, "CREATE INDEX review_marking_card ON review_marking (card_id)"),
    3: _V4,
}

_LOG_COLUMNS = "id, card_id, reviewed_at, rating, answer, correct, duration_ms, phase, previous, mode, retrievability"
_FEW = 500  # ids looked up with one IN (...) list (SQLite allows 32766 parameters since 3.32; older ones 999)
_STATE_COLUMNS = "card_id, phase, step, stability, difficulty, due, last_review, lapses, reps"


@dataclass(frozen=True)
class Marking:
    """What the judge noticed about one answer, kept beside its review (schema v3)."""

    expected: str = ""
    confused_with: str | None = None
    overridden: bool = False


class Mode(str, Enum):
    """review_log.mode: how an answer was asked."""

    SCHEDULED = "scheduled"  # the daily queue: the answer schedules the card
    CRAM = "cram"  # quiz --cram, --from-exam: logged as activity; the card's schedule is left alone


@dataclass(frozen=True)
class ExamRow:
    """A question of a new exam, as `start_exam` saves it."""

    position: int  # from 1
    card_id: str
    topic_id: str
    predicted: float  # the chance of a right answer the scheduler predicted


@dataclass(frozen=True)
class StoredAnswer:
    position: int
    card_id: str
    topic_id: str
    answer: str | None  # None: not answered
    correct: bool | None  # None: not answered
    flagged: bool
    predicted: float | None


@dataclass(frozen=True)
class StoredExam:
    id: int
    started_at: datetime
    outcome: str  # 'submitted' or 'timed_out' (scored), 'incomplete', 'running'
    settings: dict[str, Any]  # as saved: questions, minutes, pass_mark, topics, seed
    predicted: float | None
    answers: list[StoredAnswer]


_SCORED = "('submitted', 'timed_out')"  # outcomes whose results were shown


@dataclass(frozen=True)
class LoggedReview:
    """A review_log row: the review, the phase it was made in and the state before it."""

    id: int
    review: Review
    phase: str | None  # 'new', 'learning', 'review', 'relearning'; None for reviews older than schema v2
    previous: CardState | None
    mode: Mode = Mode.SCHEDULED


class HoldKind(str, Enum):
    """Why a card is not asked: suspended until unsuspended, or buried until the learner's next day."""

    SUSPENDED = "suspended"
    BURIED = "buried"


@dataclass(frozen=True)
class Hold:
    """A card_hold row."""

    card_id: str
    kind: HoldKind
    until: datetime | None  # buried: when the learner's next day starts; None for suspended
    held_at: datetime


def iso(moment: datetime) -> str:
    """The stored form of a time: UTC, fixed width, sortable."""
    return utc(moment).isoformat(timespec="microseconds")


def _quarter(moment: datetime) -> str:
    """The answer_tally key of the quarter hour `moment` falls in (the Python twin of _QUARTER)."""
    text = iso(moment)
    return f"{text[:14]}{int(text[14:16]) // 15 * 15:02d}"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True)
class Recorded:
    """An answer as saved: its review_log id and the card's state before and after, as read and written."""

    id: int
    before: CardState | None
    after: CardState


class Store:
    """The learner's review history and card states; every write is its own committed transaction."""

    def __init__(self, conn: sqlite3.Connection, path: Path | str) -> None:
        self._conn = conn
        self.path = path

    # --- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, warn: Callable[[str], None] = lambda _message: None) -> Store:
        """Open (creating if needed) the database at `path`, or ":memory:"; never overwrites a file it can't read.

        `warn` hears about problems that do not stop the store working (no WAL on this file system).
        """
        if str(path) == ":memory:":
            store = cls(sqlite3.connect(":memory:", isolation_level=None), ":memory:")
        else:
            path = Path(path)
            _check_location(path)
            try:
                conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open {path}: {exc}") from None
            store = cls(conn, path)
        try:
            store._prepare(warn)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def in_dir(cls, data_dir: Path, *, warn: Callable[[str], None] = lambda _message: None) -> Store:
        return cls.open(data_dir / DB_NAME, warn=warn)

    def _prepare(self, warn: Callable[[str], None]) -> None:
        conn = self._conn
        try:
            conn.execute("PRAGMA schema_version").fetchone()  # reads the header: fails on a non-database
        except sqlite3.OperationalError as exc:
            raise self._cannot_open(exc) from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a serverless-study database ({exc}); it has been left untouched — "
                f"move it aside or choose another --data-dir"
            ) from None
        with self._guard():
            conn.execute("BEGIN")  # one snapshot, so the version and the tables are seen together
            try:
                version = self._schema_version_checked(conn)
            finally:
                conn.execute("COMMIT")
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA synchronous = FULL")  # an answer acknowledged is an answer kept
            if self.path != ":memory:":
                mode = self._enable_wal()
                if mode != "wal":
                    warn(
                        f"warning: {self.path}: this file system does not support WAL; "
                        f"using the slower {mode} journal (readers wait for writers)"
                    )
            if version != SCHEMA_VERSION:
                self._migrate()

    def _enable_wal(self) -> str:
        """Switch to WAL and return the journal mode SQLite settled on ('wal' unless the file system can't)."""
        # Outside any transaction: inside one SQLite leaves the mode alone and answers the old one.
        wal = "PRAGMA journal_mode = WAL"
        for _retry in range(2):
            try:
                return str(self._conn.execute(wal).fetchone()[0]).lower()
            except sqlite3.OperationalError as exc:
                # Two first runs at once: SQLite refuses at once (no busy wait) to upgrade our read lock while the
                # other holds the write lock, to avoid a deadlock. Wait for its write to end, then try again.
                if "locked" not in str(exc):
                    raise
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.execute("COMMIT")
        return str(self._conn.execute(wal).fetchone()[0]).lower()

    def _schema_version_checked(self, conn: sqlite3.Connection) -> int:
        """The schema version, refusing a database from a newer release or from another program."""
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer serverless-study (schema {version}); "
                f"upgrade serverless-study to use it"
            )
        if version == 0:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            if tables:
                raise StoreError(
                    f"{self.path} is an SQLite database but not a serverless-study one "
                    f"(it has tables {', '.join(sorted(tables))}); it has been left untouched"
                )
        return version

    def _migrate(self) -> None:
        with self._tx() as conn:
            # Decide again under the write lock: another process may have created or migrated the schema meanwhile.
            version = self._schema_version_checked(conn)
            if version == 0:
                for statement in SCHEMA:
                    conn.execute(statement)
            else:
                for v in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[v]:
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # --- writing ---------------------------------------------------------------

    def record(
        self,
        review: Review,
        state: CardState,
        *,
        previous: CardState | None,
        topic_id: str,
        content_hash: str = "",
        marking: Marking | None = None,
        replaces: int | None = None,
    ) -> int:
        """Append the review and save the card's new state in one transaction, committed before returning.

        `marking` keeps what the judge noticed (a confused term, an override). With `replaces`, that review (the
        card's latest) is taken back in the same transaction: how an override turns a wrong answer into a right one.
        """
        with self._tx() as conn:
            if replaces is not None and self._undo_in(conn, replaces) is None:
                raise StoreError(f"cannot replace review {replaces}: it no longer exists")
            rid = self._append(conn, review, state, previous=previous, topic_id=topic_id, content_hash=content_hash)
            self._mark(conn, rid, review.card_id, marking)
            return rid

    def record_answer(
        self,
        review: Review,
        schedule: Callable[[CardState | None], CardState],
        *,
        topic_id: str,
        content_hash: str = "",
        marking: Marking | None = None,
        predict: Callable[[CardState], float] | None = None,
    ) -> Recorded:
        """Save an answer, scheduling it from the card's state as stored, read under the write lock.

        Another process (a second terminal, `undo`) may have changed the card since the question was asked: the new
        state is computed from what is stored now, so no answer overwrites another. `predict` gives the card's
        predicted recall from that same state, saved with the review (a first review has none).
        """
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {_STATE_COLUMNS} FROM card_state WHERE card_id = ?", (review.card_id,)
            ).fetchone()
            before = _state(row) if row else None
            if before is not None and predict is not None:
                review = dataclasses.replace(review, retrievability=predict(before))
            after = schedule(before)
            rid = self._append(conn, review, after, previous=before, topic_id=topic_id, content_hash=content_hash)
            self._mark(conn, rid, review.card_id, marking)
            return Recorded(rid, before, after)

    def record_cram(
        self, review: Review, *, marking: Marking | None = None, replaces: int | None = None
    ) -> tuple[int, CardState | None]:
        """Log a cram answer (mode 'cram') and leave the card's state as it is: (review id, the card's state).

        With `replaces`, that cram answer is taken back in the same transaction (an override).
        """
        with self._tx() as conn:
            if replaces is not None and self._undo_in(conn, replaces) is None:
                raise StoreError(f"cannot replace review {replaces}: it no longer exists")
            row = conn.execute(
                f"SELECT {_STATE_COLUMNS} FROM card_state WHERE card_id = ?", (review.card_id,)
            ).fetchone()
            state = _state(row) if row else None
            rid = self._log(conn, review, state, mode=Mode.CRAM)
            self._mark(conn, rid, review.card_id, marking)
            return rid, state

    @staticmethod
    def _mark(conn: sqlite3.Connection, review_id: int, card_id: str, marking: Marking | None) -> None:
        """Keep what the judge noticed about a review beside it (schema v3); nothing when there is nothing to say."""
        if marking is not None:
            conn.execute(
                "INSERT INTO review_marking (review_id, card_id, expected, confused_with, overridden)"
                " VALUES (?, ?, ?, ?, ?)",
                (review_id, card_id, marking.expected, marking.confused_with, int(marking.overridden)),
            )

    @staticmethod
    def _append(
        conn: sqlite3.Connection,
        review: Review,
        state: CardState,
        *,
        previous: CardState | None,
        topic_id: str,
        content_hash: str,
    ) -> int:
        rid = Store._log(conn, review, previous, mode=Mode.SCHEDULED)
        Store._put_state(conn, state, topic_id, content_hash)
        return rid

    @staticmethod
    def _log(conn: sqlite3.Connection, review: Review, previous: CardState | None, *, mode: Mode) -> int:
        """Append a review_log row; a scheduled one keeps the state before it, which undo restores."""
        cur = conn.execute(
            "INSERT INTO review_log (card_id, reviewed_at, rating, answer, correct, duration_ms, phase, previous, mode,"
            " retrievability) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                review.card_id,
                iso(review.reviewed_at),
                int(review.grade),
                review.answer,
                int(review.correct),
                int(review.duration_ms),
                previous.phase.value if previous else NEW,
                json.dumps(_state_to_dict(previous)) if previous and mode is Mode.SCHEDULED else None,
                mode.value,
                review.retrievability,
            ),
        )
        return int(cur.lastrowid or 0)

    def undo(self, review_id: int | None = None) -> LoggedReview | None:
        """Delete a review (the latest when None) and give its card back the state it had before; None if no reviews."""
        with self._tx() as conn:
            return self._undo_in(conn, review_id)

    def _undo_in(self, conn: sqlite3.Connection, review_id: int | None) -> LoggedReview | None:
        if review_id is None:
            row = conn.execute(f"SELECT {_LOG_COLUMNS} FROM review_log ORDER BY id DESC LIMIT 1").fetchone()
        else:
            row = conn.execute(f"SELECT {_LOG_COLUMNS} FROM review_log WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            return None
        logged = _logged(row)
        card_id = logged.review.card_id
        conn.execute("DELETE FROM review_marking WHERE review_id = ?", (logged.id,))
        if logged.mode is Mode.CRAM:  # the schedule never changed: only the log row goes
            conn.execute("DELETE FROM review_log WHERE id = ?", (logged.id,))
            return logged
        latest = conn.execute(
            "SELECT max(id) FROM review_log WHERE card_id = ? AND mode = 'scheduled'", (card_id,)
        ).fetchone()[0]
        if latest != logged.id:
            raise StoreError(f"cannot undo: {card_id} has been reviewed again since")
        if logged.phase is None:
            raise StoreError("cannot undo: that review was recorded before undo was possible")
        topic = conn.execute("SELECT topic_id, content_hash FROM card_state WHERE card_id = ?", (card_id,)).fetchone()
        conn.execute("DELETE FROM review_log WHERE id = ?", (logged.id,))
        if logged.previous is None:
            conn.execute("DELETE FROM card_state WHERE card_id = ?", (card_id,))
        else:
            topic_id, content_hash = topic if topic else (card_id.split("/")[0], "")
            self._put_state(conn, logged.previous, topic_id, content_hash)
        return logged

    @staticmethod
    def _put_state(conn: sqlite3.Connection, state: CardState, topic_id: str, content_hash: str) -> None:
        conn.execute(
            "INSERT INTO card_state (card_id, topic_id, phase, step, stability, difficulty, due, last_review, lapses,"
            " reps, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (card_id) DO UPDATE SET topic_id = excluded.topic_id, phase = excluded.phase,"
            " step = excluded.step, stability = excluded.stability, difficulty = excluded.difficulty,"
            " due = excluded.due, last_review = excluded.last_review, lapses = excluded.lapses,"
            " reps = excluded.reps, content_hash = excluded.content_hash",
            (
                state.card_id,
                topic_id,
                state.phase.value,
                state.step,
                state.stability,
                state.difficulty,
                iso(state.due),
                iso(state.last_review) if state.last_review else None,
                state.lapses,
                state.reps,
                content_hash,
            ),
        )

    # --- reading ---------------------------------------------------------------

    def state(self, card_id: str) -> CardState | None:
        with self._guard():
            row = self._conn.execute(
                f"SELECT {_STATE_COLUMNS} FROM card_state WHERE card_id = ?", (card_id,)
            ).fetchone()
        return _state(row) if row else None

    def states(self, card_ids: Collection[str]) -> dict[str, CardState]:
        """The stored states of those of `card_ids` that have been reviewed."""
        wanted = set(card_ids)
        sql, params = f"SELECT {_STATE_COLUMNS} FROM card_state", list[str]()
        if len(wanted) <= _FEW:  # a few: looked up by key; many: one pass over the table, filtered here
            sql, params = sql + f" WHERE card_id IN ({', '.join('?' * len(wanted))})", list(wanted)
        with self._guard():
            rows = self._conn.execute(sql, params).fetchall()
        return {row[0]: _state(row) for row in rows if row[0] in wanted}

    def started_ids(self) -> set[str]:
        """Ids of every card that has been reviewed at least once."""
        with self._guard():
            return {r[0] for r in self._conn.execute("SELECT card_id FROM card_state")}

    def content_hashes(self) -> dict[str, str]:
        """card_id → hash of the content each started card showed at its latest review ("" when not recorded)."""
        with self._guard():
            return dict(self._conn.execute("SELECT card_id, content_hash FROM card_state").fetchall())

    def schedule_rows(
        self, now: datetime | None = None
    ) -> list[tuple[str, str, str, str, float | None, float | None, int, str]]:
        """(card_id, topic_id, phase, due, stability, days since the last review at `now` (None without `now`),
        lapses, content hash) of every started card; `due` as stored.

        Raw tuples on purpose: stats reads every row, compares the sortable time strings without parsing them, and
        has SQLite count the days since each review.
        """
        with self._guard():
            return self._conn.execute(
                "SELECT card_id, topic_id, phase, due, stability, julianday(?) - julianday(last_review), lapses,"
                " content_hash FROM card_state",
                (iso(now) if now is not None else None,),
            ).fetchall()

    def due(
        self,
        before: datetime,
        *,
        review: bool,
        topics: Collection[str] | None = None,
        keep: Callable[[str], bool] = lambda _id: True,
        limit: int | None = None,
    ) -> list[CardState]:
        """States due before `before`, earliest first: review-phase cards, or (review=False) learning ones.

        The database orders and ranges on the due index; `keep` skips cards the caller can't show (content gone,
        a sibling already queued) without reading more rows than needed to fill `limit`.
        """
        if limit is not None and limit <= 0:
            return []
        sql = f"SELECT {_STATE_COLUMNS} FROM card_state WHERE due < ? AND phase {'=' if review else '!='} 'review'"
        params: list[Any] = [iso(before)]
        if topics is not None:
            sql += f" AND topic_id IN ({', '.join('?' * len(topics))})"
            params += list(topics)
        out: list[CardState] = []
        with self._guard():
            cur = self._conn.execute(sql + " ORDER BY due, card_id", params)
            try:
                for row in cur:
                    if keep(row[0]):
                        out.append(_state(row))
                        if limit is not None and len(out) >= limit:
                            break
            finally:
                cur.close()
        return out

    def counts_since(self, start: datetime) -> dict[str, int]:
        """Scheduled reviews since `start` by the phase the card was in: 'new' counts cards introduced, 'review'
        reviews. What the daily limits count: cram answers do not."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT coalesce(phase, ''), count(*) FROM review_log WHERE reviewed_at >= ? AND mode = 'scheduled'"
                " GROUP BY phase",
                (iso(start),),
            ).fetchall()
        return {phase: int(n) for phase, n in rows}

    def introduced_since(self, start: datetime) -> dict[str, int]:
        """Cards introduced (first answered) since `start`, counted by topic."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT s.topic_id, count(*) FROM review_log l JOIN card_state s ON s.card_id = l.card_id"
                " WHERE l.reviewed_at >= ? AND l.phase = ? GROUP BY s.topic_id",
                (iso(start), NEW),
            ).fetchall()
        return {topic: int(n) for topic, n in rows}

    def reviewed_since(self, start: datetime) -> set[str]:
        """Ids of the cards given a scheduled answer at or after `start` (a cram answer holds no sibling back)."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT card_id FROM review_log WHERE reviewed_at >= ? AND mode = 'scheduled'", (iso(start),)
            )
            return {r[0] for r in rows}

    def review_counts(self, periods: Iterable[tuple[datetime, datetime]]) -> list[int]:
        """How many answers were saved in each [start, end) period, from the per-quarter-hour tally.

        Exact for periods that start and end on a quarter hour, as study days do; other bounds count whole quarters.
        """
        sql = "SELECT coalesce(sum(answers), 0) FROM answer_tally WHERE quarter >= ? AND quarter < ?"
        with self._guard():
            return [int(self._conn.execute(sql, (_quarter(a), _quarter(b))).fetchone()[0]) for a, b in periods]

    def recall_by_card(self, start: datetime) -> list[tuple[str, int, int]]:
        """(card id, answers, recalled) of the scheduled review-phase answers since `start`: Again is forgotten."""
        # INDEXED BY: grouping by card_id would otherwise tempt the planner to walk the card index over every row.
        sql = (
            "SELECT card_id, count(*), sum(rating > 1) FROM review_log INDEXED BY review_log_time"
            " WHERE reviewed_at >= ? AND phase = 'review' AND mode = 'scheduled' GROUP BY card_id ORDER BY card_id"
        )
        with self._guard():
            return self._conn.execute(sql, (iso(start),)).fetchall()  # SQLite's count and sum are ints

    def recall_tally(self) -> list[tuple[int, int, float, int]]:
        """(percent, answers, summed predicted recall, recalled) per whole percent of predicted recall.

        The scheduled review-phase answers saved with a prediction (schema v4), tallied by triggers as they are saved.
        """
        with self._guard():
            rows = self._conn.execute(
                "SELECT percent, answers, predicted, recalled FROM recall_tally WHERE answers > 0 ORDER BY percent"
            ).fetchall()
        return [(int(p), int(n), float(s), int(r)) for p, n, s, r in rows]

    def reviews_total(self) -> int:
        with self._guard():
            return int(self._conn.execute("SELECT coalesce(sum(answers), 0) FROM answer_tally").fetchone()[0])

    def any_review_between(self, start: datetime, end: datetime) -> bool:
        with self._guard():
            row = self._conn.execute(
                "SELECT 1 FROM review_log WHERE reviewed_at >= ? AND reviewed_at < ? LIMIT 1", (iso(start), iso(end))
            ).fetchone()
        return row is not None

    def history(self, card_id: str | None = None) -> list[LoggedReview]:
        """Logged reviews in the order they were made, of one card or of all."""
        sql, params = f"SELECT {_LOG_COLUMNS} FROM review_log", tuple[str, ...]()
        if card_id is not None:
            sql, params = sql + " WHERE card_id = ?", (card_id,)
        with self._guard():
            return [_logged(r) for r in self._conn.execute(sql + " ORDER BY id", params)]

    def ratings(self) -> Iterator[tuple[str, datetime, int]]:
        """(card id, time, rating) of every scheduled review, card by card in order: read lazily, for fitting."""
        # Cram answers are not spaced reviews (exam answers are not in the log at all).
        with self._guard():
            rows = self._conn.execute(
                "SELECT card_id, reviewed_at, rating FROM review_log WHERE mode = 'scheduled' ORDER BY card_id, id"
            )
            for card_id, reviewed_at, rating in rows:
                yield card_id, parse_time(reviewed_at), int(rating)

    def confusions(self, limit: int | None = None) -> list[tuple[str, str, int]]:
        """(expected, confused with, times) over all wrong answers that named another term, most frequent first."""
        sql = (
            "SELECT expected, confused_with, count(*) AS n FROM review_marking WHERE confused_with IS NOT NULL"
            " GROUP BY expected, confused_with ORDER BY n DESC, expected, confused_with"
        )
        with self._guard():
            rows = self._conn.execute(sql + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
        return [(e, c, int(n)) for e, c, n in rows]

    def confused_names(self) -> dict[str, list[str]]:
        """Case-folded name → the terms the learner confused it with, both ways: distractors for choice questions."""
        out: dict[str, list[str]] = {}
        for expected, confused, _times in self.confusions():
            out.setdefault(expected.casefold(), []).append(confused)
            out.setdefault(confused.casefold(), []).append(expected)
        return out

    def override_counts(self) -> dict[str, int]:
        """Per card, how often the learner overrode a wrong verdict: where an accept list may need extending."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT card_id, count(*) FROM review_marking WHERE overridden GROUP BY card_id ORDER BY card_id"
            ).fetchall()
        return {card_id: int(n) for card_id, n in rows}

    # --- held cards (suspended, buried) -------------------------------------------

    def hold(self, card_ids: Collection[str], kind: HoldKind, *, now: datetime, until: datetime | None = None) -> None:
        """Suspend or bury cards in one transaction. Burying never shortens a suspension; suspending replaces a bury."""
        keep_suspended = " WHERE card_hold.hold != 'suspended'" if kind is HoldKind.BURIED else ""
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO card_hold (card_id, hold, until, held_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (card_id) DO UPDATE SET hold = excluded.hold, until = excluded.until,"
                f" held_at = excluded.held_at{keep_suspended}",
                [(cid, kind.value, iso(until) if until else None, iso(now)) for cid in card_ids],
            )

    def release(self, card_ids: Collection[str]) -> int:
        """Lift any hold (suspended or buried) from these cards; how many were held."""
        with self._tx() as conn:
            return sum(conn.execute("DELETE FROM card_hold WHERE card_id = ?", (cid,)).rowcount for cid in card_ids)

    def restore_hold(self, card_id: str, hold: Hold | None) -> None:
        """Put a card's hold back as it was (None: not held): how undo takes back a suspend or a bury."""
        with self._tx() as conn:
            conn.execute("DELETE FROM card_hold WHERE card_id = ?", (card_id,))
            if hold is not None:
                conn.execute(
                    "INSERT INTO card_hold (card_id, hold, until, held_at) VALUES (?, ?, ?, ?)",
                    (card_id, hold.kind.value, iso(hold.until) if hold.until else None, iso(hold.held_at)),
                )

    def holds(self, now: datetime, card_ids: Collection[str] | None = None) -> dict[str, Hold]:
        """Holds in force at `now` (a bury lapses when its day is over), of the given cards or of all."""
        sql = "SELECT card_id, hold, until, held_at FROM card_hold WHERE (hold = 'suspended' OR until > ?)"
        params: list[Any] = [iso(now)]
        wanted = set(card_ids) if card_ids is not None else None
        if wanted is not None and len(wanted) <= _FEW:
            sql += f" AND card_id IN ({', '.join('?' * len(wanted))})"
            params += list(wanted)
        with self._guard():
            rows = self._conn.execute(sql + " ORDER BY card_id", params).fetchall()
        return {
            cid: Hold(cid, HoldKind(kind), parse_time(until) if until else None, parse_time(held_at))
            for cid, kind, until, held_at in rows
            if wanted is None or cid in wanted
        }

    def held_ids(self, now: datetime) -> set[str]:
        """Ids of the cards not to be asked at `now`: suspended ones and those buried until a later time."""
        return set(self.holds(now))

    # --- practice exams (never touch card_state or review_log) --------------------------------

    def start_exam(
        self, started_at: datetime, settings: Mapping[str, Any], predicted: float, questions: Sequence[ExamRow]
    ) -> int:
        """Save a new exam and all its questions, unanswered, in one transaction; return its id."""
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO exam (started_at, settings, predicted) VALUES (?, ?, ?)",
                (iso(started_at), json.dumps(dict(settings), sort_keys=True), predicted),
            )
            exam_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO exam_answer (exam_id, position, card_id, topic_id, predicted) VALUES (?, ?, ?, ?, ?)",
                [(exam_id, q.position, q.card_id, q.topic_id, q.predicted) for q in questions],
            )
            return exam_id

    def save_exam_answer(self, exam_id: int, position: int, answer: str | None, correct: bool | None) -> None:
        """One question's answer (None: not answered), committed before returning."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE exam_answer SET answer = ?, correct = ? WHERE exam_id = ? AND position = ?",
                (answer, None if correct is None else int(correct), exam_id, position),
            )

    def flag_exam_question(self, exam_id: int, position: int, flagged: bool) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE exam_answer SET flagged = ? WHERE exam_id = ? AND position = ?",
                (int(flagged), exam_id, position),
            )

    def finish_exam(self, exam_id: int, finished_at: datetime, outcome: str) -> None:
        """End an exam: 'submitted', 'timed_out' or 'incomplete'."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE exam SET finished_at = ?, outcome = ? WHERE id = ?", (iso(finished_at), outcome, exam_id)
            )

    def scored_exams(self, limit: int) -> list[StoredExam]:
        """The latest `limit` exams that were scored (submitted or timed out), oldest first, with their answers."""
        with self._guard():
            heads = self._conn.execute(
                f"SELECT id, started_at, outcome, settings, predicted FROM exam WHERE outcome IN {_SCORED}"
                " ORDER BY started_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
            out = []
            for exam_id, started_at, outcome, settings, predicted in reversed(heads):
                answers = self._conn.execute(
                    "SELECT position, card_id, topic_id, answer, correct, flagged, predicted FROM exam_answer"
                    " WHERE exam_id = ? ORDER BY position",
                    (exam_id,),
                ).fetchall()
                out.append(
                    StoredExam(
                        int(exam_id),
                        parse_time(started_at),
                        outcome,
                        json.loads(settings),
                        predicted,
                        [
                            StoredAnswer(p, c, t, a, None if ok is None else bool(ok), bool(f), r)
                            for p, c, t, a, ok, f, r in answers
                        ],
                    )
                )
        return out

    def last_exam_started(self) -> datetime | None:
        """When the latest scored exam (submitted or timed out) started; None when there is none."""
        with self._guard():
            row = self._conn.execute(
                f"SELECT started_at FROM exam WHERE outcome IN {_SCORED} ORDER BY started_at DESC, id DESC LIMIT 1"
            ).fetchone()
        return parse_time(row[0]) if row else None

    def last_exam_misses(self) -> list[str]:
        """Card ids the latest scored exam missed (answered wrong or not answered), in question order: what
        `quiz --from-exam` drills. Empty when no exam was scored."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT card_id FROM exam_answer WHERE exam_id = (SELECT id FROM exam WHERE outcome IN"
                f" {_SCORED} ORDER BY started_at DESC, id DESC LIMIT 1) AND coalesce(correct, 0) = 0 ORDER BY position"
            ).fetchall()
        return [r[0] for r in rows]

    # --- errors ------------------------------------------------------------------

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error (a failed COMMIT too); sqlite errors become StoreError."""
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (disk full, I/O error); a second ROLLBACK would fail and hide
                # the real error. When it has not (a failed COMMIT keeps the transaction open), end it here so the
                # connection can begin again.
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise self._cannot_open(exc) from None
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{self.path}: the write was refused and nothing was saved ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is damaged ({exc}); it has been left untouched") from None

    def _cannot_open(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return StoreError(
                f"cannot write to {self.path}: the file or its folder is read-only "
                f"(choose another folder with --data-dir or SERVERLESS_STUDY_HOME)"
            )
        if "locked" in text or "busy" in text:
            return StoreError(f"{self.path} is busy: another serverless-study is writing to it; try again")
        return StoreError(f"cannot use {self.path}: {text}")


def _check_location(path: Path) -> None:
    """Fail early, with the reason, where SQLite would only say 'unable to open database file'."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {path.parent}: {exc.strerror or exc}") from None
    if path.exists() and not path.is_file():
        raise StoreError(f"{path} is not a file; it has been left untouched")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot write to {path}: the folder {path.parent} is read-only "
            f"(choose another with --data-dir or SERVERLESS_STUDY_HOME)"
        )


def _state(row: Any) -> CardState:
    card_id, phase, step, stability, difficulty, due, last_review, lapses, reps = row
    return CardState(
        card_id=card_id,
        phase=Phase(phase),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=parse_time(due),
        last_review=parse_time(last_review) if last_review else None,
        lapses=int(lapses),
        reps=int(reps),
    )


def _logged(row: Any) -> LoggedReview:
    rid, card_id, reviewed_at, rating, answer, correct, duration_ms, phase, previous, mode, retrievability = row
    review = Review(
        card_id, parse_time(reviewed_at), Grade(rating), answer, bool(correct), int(duration_ms), retrievability
    )
    return LoggedReview(
        int(rid), review, phase, _state_from_dict(json.loads(previous)) if previous else None, Mode(mode)
    )


def _state_to_dict(state: CardState) -> dict[str, Any]:
    return {
        "card_id": state.card_id,
        "phase": state.phase.value,
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": iso(state.due),
        "last_review": iso(state.last_review) if state.last_review else None,
        "lapses": state.lapses,
        "reps": state.reps,
    }


def _state_from_dict(d: dict[str, Any]) -> CardState:
    return CardState(
        card_id=d["card_id"],
        phase=Phase(d["phase"]),
        step=d["step"],
        stability=d["stability"],
        difficulty=d["difficulty"],
        due=parse_time(d["due"]),
        last_review=parse_time(d["last_review"]) if d["last_review"] else None,
        lapses=int(d["lapses"]),
        reps=int(d["reps"]),
    )
