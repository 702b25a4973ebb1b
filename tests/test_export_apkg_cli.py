"""`serverless-study export apkg` through the real Typer app."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serverless_study.cli import app

from .conftest import FIXTURES
from .test_startup import imported_modules

PACKS = ["--content", str(FIXTURES / "anki"), "--content", str(FIXTURES / "apkg")]
TOPICS = ["--topic", "fx-containers", "--topic", "fx-x-ray", "--topic", "fx-typed"]


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def export(runner: CliRunner, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(runner, *PACKS, "export", "apkg", str(out), *TOPICS, *extra)


def test_export_writes_a_package_and_the_ledger(runner: CliRunner, tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "study.apkg"
    result = export(runner, out)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote 17 notes (3 decks, 2 images) to {out}; new or changed since the last export: 17. "
        "Open it with Anki (double-click, or File > Import).\n"
    )
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["collection.anki2", "media", "0", "1"]
    assert (data_dir / "anki-package-ledger.json").is_file()


def test_a_second_export_is_byte_identical_and_reports_no_changes(runner: CliRunner, tmp_path: Path) -> None:
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    assert export(runner, first).exit_code == 0
    result = export(runner, second)
    assert result.exit_code == 0
    assert "new or changed since the last export: none." in result.stdout
    assert first.read_bytes() == second.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_topic_and_deck_options(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "x.apkg"
    result = invoke(runner, *PACKS, "export", "apkg", str(out), "--topic", "fx-x-ray", "--deck", "AWS::Study")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Wrote 3 notes (1 deck, 0 images) to {out}; ")
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["collection.anki2", "media"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("no/such/x.apkg", "cannot write {out}: {parent} does not exist"),
        ("a-file/x.apkg", "cannot write {out}: {parent} is not a folder"),
    ],
)
def test_bad_destinations_are_one_line_exit_1_and_write_nothing(
    runner: CliRunner, tmp_path: Path, data_dir: Path, where: str, message: str
) -> None:
    (tmp_path / "a-file").write_text("")
    out = tmp_path / where
    result = export(runner, out)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: " + message.format(out=out, parent=out.parent)]
    assert "Traceback" not in result.output
    assert not (data_dir / "anki-package-ledger.json").exists()


def test_a_file_name_without_apkg_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = export(runner, tmp_path / "study.csv")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {tmp_path / 'study.csv'}: the file name must end in .apkg, e.g. serverless-study.apkg"
    )
    assert not (tmp_path / "study.csv").exists()


def test_help_shows_an_example(runner: CliRunner) -> None:
    result = invoke(runner, "export", "apkg", "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "Serverless Study" in result.stdout


@pytest.mark.slow
def test_genanki_is_imported_only_when_a_package_is_written(tmp_path: Path) -> None:
    for args in (["--help"], ["export", "apkg", "--help"]):
        assert not {n for n in imported_modules(args, tmp_path) if n.split(".")[0] in ("genanki", "chevron")}, args
    written = imported_modules(["export", "apkg", str(tmp_path / "x.apkg"), "--topic", "x-ray"], tmp_path)
    assert "genanki" in written
