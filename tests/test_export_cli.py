"""`serverless-study export anki` through the real Typer app."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from serverless_study.cli import app
from serverless_study.cli import export as export_cli
from serverless_study.defaults import DEFAULT_DECK

from .conftest import FIXTURES

FIXTURE = FIXTURES / "anki"
FIXTURE_TOPICS = ["--topic", "fx-containers", "--topic", "fx-x-ray"]


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def export(runner: CliRunner, out: Path, *extra: str, content: Path = FIXTURE):  # type: ignore[no-untyped-def]
    return invoke(runner, "--content", str(content), "export", "anki", str(out), *FIXTURE_TOPICS, *extra)


def test_export_writes_the_golden_csv_and_its_image(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = export(runner, out)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Wrote 8 notes (2 decks) to {out}. Copy vm-vs-containers.svg (beside it) into Anki's collection.media "
        "folder, then use File > Import.\n"
    )
    assert out.read_bytes() == (FIXTURE / "expected.csv").read_bytes()
    assert (tmp_path / "vm-vs-containers.svg").read_bytes() == (FIXTURE / "images/vm-vs-containers.svg").read_bytes()


def test_two_exports_are_byte_identical_and_replace_the_old_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("an older, longer export " * 1000)
    assert export(runner, out).exit_code == 0
    first = out.read_bytes()
    assert export(runner, out).exit_code == 0
    assert out.read_bytes() == first == (FIXTURE / "expected.csv").read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_topic_and_deck_options(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = invoke(
        runner, "--content", str(FIXTURE), "export", "anki", str(out), "--topic", "fx-x-ray", "--deck", "AWS::Study"
    )
    assert result.exit_code == 0
    assert result.stdout == f"Wrote 3 notes (1 deck) to {out}. Import it in Anki with File > Import.\n"
    body = [line for line in out.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert len(body) == 3 and all("\tAWS::Study::AWS X-Ray: Tracing\t" in line for line in body)
    assert not (tmp_path / "vm-vs-containers.svg").exists()  # only the images of exported topics


def test_unknown_topic_is_a_usage_error_listing_the_ids(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "--content", str(FIXTURE), "export", "anki", str(tmp_path / "x.csv"), "--topic", "nope")
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: no topic matches 'nope'; topics: ") and "fx-containers, fx-x-ray" in last
    assert not (tmp_path / "x.csv").exists()


def test_missing_folder_is_one_line_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "x.csv"
    result = export(runner, out)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: cannot write {out}: {out.parent} does not exist"
    assert "Traceback" not in result.output


def test_unwritable_destination_is_one_line_and_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = export(runner, blocker / "x.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"error: cannot write {blocker / 'x.csv'}: {blocker} is not a folder"
    result = export(runner, tmp_path)
    assert result.exit_code == 1 and "is a folder" in result.stderr


def test_a_missing_image_fails_before_anything_is_written(runner: CliRunner, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(FIXTURE, pack)
    (pack / "images" / "vm-vs-containers.svg").unlink()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = export(runner, out_dir / "x.csv", content=pack)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: {pack / '01-containers.yaml'}:6: image not found: images/vm-vs-containers.svg; "
        "fix the image or leave topic 'fx-containers' out of the export (--topic)"
    )
    assert list(out_dir.iterdir()) == []


def test_help_shows_an_example_and_the_default_deck(runner: CliRunner) -> None:
    result = invoke(runner, "export", "anki", "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and DEFAULT_DECK in result.stdout
    one = export_cli.summary(1, 1, Path("a.csv"), [])
    assert one == "Wrote 1 note (1 deck) to a.csv. Import it in Anki with File > Import."
