"""One migration path: a database from every released schema upgrades to exactly what a new database looks like.

tests/fixtures/store/v<N>.sql is a database as release N wrote it (schema, a few rows, `PRAGMA user_version = N`).
Every file there is picked up by its name, so adding v3.sql when schema 3 ships covers it with no other change.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from serverless_study.store import DB_NAME, SCHEMA_VERSION, Store

FIXTURES = Path(__file__).parent / "fixtures" / "store"
VERSIONED = re.compile(r"v(\d+)\.sql")


def fixture_versions() -> dict[int, Path]:
    found = {}
    for path in FIXTURES.glob("v*.sql"):
        m = VERSIONED.fullmatch(path.name)
        assert m, f"{path.name}: fixture databases are named v<schema version>.sql"
        found[int(m.group(1))] = path
    return dict(sorted(found.items()))


def normalised(sql: str | None) -> str | None:
    """CREATE text compared for meaning: no comments, no identifier quotes (a renamed table gets them), one space."""
    if sql is None:
        return None
    sql = re.sub(r"--[^\n]*", "", sql).replace('"', "")
    sql = re.sub(r"\s+", " ", sql)
    return re.sub(r"\s*([(),;])\s*", r"\1", sql).strip()


def schema_of(path: Path) -> tuple[int, set[tuple[str, str, str, str | None]]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return version, {(kind, name, table, normalised(sql)) for kind, name, table, sql in rows}


def table_rows(conn: sqlite3.Connection) -> dict[str, tuple[list[str], list[str]]]:
    """table → (columns, primary-key columns)."""
    out = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        info = conn.execute(f"PRAGMA table_info({table})").fetchall()
        out[table] = ([c[1] for c in info], [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]])
    return out


def load(sql_file: Path, dest: Path) -> None:
    with contextlib.closing(sqlite3.connect(dest)) as conn:
        conn.executescript(sql_file.read_text(encoding="utf-8"))


def contents(path: Path) -> dict[str, dict[str, list[Any]]]:
    """table → column → its values in primary-key order."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        out: dict[str, dict[str, list[Any]]] = {}
        for table, (columns, key) in table_rows(conn).items():
            order = ", ".join(key) or "rowid"
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").fetchall()
            out[table] = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    return out


def test_there_is_a_fixture_for_every_released_schema() -> None:
    versions = fixture_versions()
    missing = set(range(1, SCHEMA_VERSION)) - set(versions)
    assert not missing, f"add tests/fixtures/store/v{min(missing)}.sql: a database as that release wrote it"
    assert max(versions) <= SCHEMA_VERSION


@pytest.mark.parametrize("version", list(fixture_versions()), ids=lambda v: f"v{v}")
def test_each_release_migrates_to_the_schema_of_a_new_database(tmp_path: Path, version: int) -> None:
    fixture = fixture_versions()[version]
    old = tmp_path / "old" / DB_NAME
    old.parent.mkdir()
    load(fixture, old)
    assert schema_of(old)[0] == version, f"{fixture.name} must end with PRAGMA user_version = {version}"
    before = contents(old)

    fresh = tmp_path / "fresh" / DB_NAME
    with Store.open(fresh):
        pass
    with Store.open(old) as store:
        assert store.schema_version == SCHEMA_VERSION
        reviews = len(store.history())
        assert store.reviews_total() == reviews > 0  # the answer tally is filled from the log it migrates

    fresh_version, fresh_schema = schema_of(fresh)
    old_version, old_schema = schema_of(old)
    assert old_version == fresh_version == SCHEMA_VERSION
    difference = {"only after migrating": old_schema - fresh_schema, "only when new": fresh_schema - old_schema}
    assert difference == {"only after migrating": set(), "only when new": set()}

    # Data kept: every column the old schema had and the new one still has keeps its values, row for row.
    after = contents(old)
    assert reviews == len(before["review_log"]["id"])
    for table, columns in before.items():
        assert table in after, f"{fixture.name}: table {table} was dropped"
        for column, values in columns.items():
            if column in after[table]:
                assert after[table][column] == values, f"{fixture.name}: {table}.{column} changed"


def test_the_comparison_sees_a_missing_constraint() -> None:
    assert normalised('CREATE TABLE "t" (\n  a INTEGER,  -- note\n  b TEXT\n)') == "CREATE TABLE t(a INTEGER,b TEXT)"
    assert normalised("CREATE TABLE t (a INTEGER CHECK (a > 0))") != normalised("CREATE TABLE t (a INTEGER)")
