"""Start-up stays light: the commands' import graph must not pull heavy libraries before they are needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real interpreters in subprocesses

HEAVY = ("questionary", "prompt_toolkit", "fsrs", "yaml", "anki", "sqlite3")


def imported_modules(args: list[str], env_home: Path) -> set[str]:
    """Run the real CLI in a fresh interpreter with -X importtime and return every module it imported."""
    proc = subprocess.run(  # noqa: PLW1510 - the exit code is asserted below
        [sys.executable, "-X", "importtime", "-m", "serverless_study", *args],
        capture_output=True,
        text=True,
        env={"SERVERLESS_STUDY_HOME": str(env_home), "HOME": str(env_home), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def heavy(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in HEAVY}


def parsed(names: set[str]) -> bool:
    """Whether the run parsed content: every file goes to the fast parser first (libyaml only for the rest)."""
    return "serverless_study.fastyaml" in names


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    names = imported_modules(["--help"], tmp_path)
    assert "typer" in names  # the measurement sees imports at all
    assert heavy(names) == set()


def test_learn_with_a_warm_cache_does_not_parse_yaml(tmp_path: Path) -> None:
    first = imported_modules(["learn", "x-ray"], tmp_path)
    assert parsed(first)  # a cold cache parses the content...
    assert "yaml" not in first  # ...all of it in the fast parser's subset: libyaml is not even imported
    second = imported_modules(["learn", "x-ray"], tmp_path)
    assert not parsed(second) and heavy(second) == set()
    assert not any(n.split(".")[0] == "rich" for n in second)  # piped output is plain text: no Rich at all


def test_switching_content_sets_keeps_both_warm(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "extra.yaml").write_text("id: extra\ntitle: Extra\nfacts: [{id: f, prompt: p, answer: a}]\n")
    home = tmp_path / "home"
    assert parsed(imported_modules(["learn", "x-ray"], home))
    assert parsed(imported_modules(["--content", str(pack), "learn", "extra"], home))  # only the pack is new
    # Each run warm, after a run on the other content set: nothing is parsed again.
    assert not parsed(imported_modules(["learn", "x-ray"], home))
    assert not parsed(imported_modules(["--content", str(pack), "learn", "extra"], home))


def test_plain_stats_import_no_rich_or_prompts(tmp_path: Path) -> None:
    names = imported_modules(["stats"], tmp_path)
    assert "fsrs" in names and "sqlite3" in names
    assert not {n.split(".")[0] for n in names} & {"rich", "questionary", "prompt_toolkit"}
    assert "serverless_study.scores" in names  # the exam history, without what sitting an exam needs
    assert "serverless_study.exam" not in names


def write_big_pack(folder: Path, files: int = 100, facts: int = 100) -> Path:
    """10,000 facts, shaped like the benchmark's synthetic pack."""
    folder.mkdir()
    for t in range(files):
        lines = [f"id: big-{t:03d}", f"title: Big topic {t}", "facts:"]
        for f in range(facts):
            lines += [f"  - id: f{f:03d}", f"    prompt: What is item {f} of topic {t}?", f"    answer: value {t}-{f}"]
        (folder / f"{t:03d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_learn_one_topic_beside_a_big_pack_builds_no_cards(tmp_path: Path) -> None:
    pack = write_big_pack(tmp_path / "pack")
    home = tmp_path / "home"
    assert parsed(imported_modules(["--content", str(pack), "learn", "x-ray"], home))  # cold: everything parsed
    warm = imported_modules(["--content", str(pack), "learn", "x-ray"], home)
    # From the index: no YAML, and not even the module that makes cards or marks answers.
    assert not parsed(warm) and "yaml" not in warm
    assert not warm & {"serverless_study.cards", "serverless_study.answers"}
    topics = imported_modules(["--content", str(pack), "topics"], home)
    assert not parsed(topics)
    assert not topics & {"yaml", "serverless_study.cards", "serverless_study.answers"}
