"""The compiled content cache is keyed by the code that built it: a change to the model or the rules rebuilds it."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from serverless_study import loader
from serverless_study.cache import KEEP_SECONDS, PRUNED_MARK, ContentCache
from serverless_study.loader import FINGERPRINTED, code_fingerprint, load_topics

from .cache_entries import entries, entry_files, rewrite
from .conftest import FIXTURES

PACKAGE = Path(loader.__file__).parent


def test_a_cache_written_by_other_code_is_never_served(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_topics([FIXTURES / "pack"], cache_dir=cache)
    assert {h["code"] for h, _ in entries(cache).values()} == {code_fingerprint()}
    for entry in entry_files(cache):
        rewrite(entry, lambda topic: {**topic, "title": "Built by other code"})
    # Same code: the doctored cache is what loads (so the check below can fail) ...
    assert {t.title for t in load_topics([FIXTURES / "pack"], cache_dir=cache).topics} == {"Built by other code"}
    # ... another model or rule set: every file is parsed again and the cache rewritten for this code.
    for entry in entry_files(cache):
        rewrite(entry, header=lambda h: {**h, "code": "1-0000000000000000"})
    titles = [t.title for t in load_topics([FIXTURES / "pack"], cache_dir=cache).topics]
    assert titles == ["Alpha Topic", "Beta Topic"]
    assert {h["code"] for h, _ in entries(cache).values()} == {code_fingerprint()}


@pytest.mark.parametrize(
    "module, old, new",
    [
        ("model", "(frozen=True)", "(frozen=True, slots=True)"),  # a model change
        ("loader", "_SLUG = re.compile(", "_SLUG = re.compile(  "),  # a rule's line, even without a change in meaning
    ],
)
def test_editing_the_model_or_the_rules_changes_the_fingerprint(
    tmp_path: Path, module: str, old: str, new: str
) -> None:
    copy = tmp_path / "serverless_study"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_fingerprint(copy) == code_fingerprint() is not None
    source = copy / f"{module}.py"
    text = source.read_text(encoding="utf-8")
    assert old in text
    source.write_text(text.replace(old, new, 1))
    assert code_fingerprint(copy) != code_fingerprint()
    source.unlink()
    assert code_fingerprint(copy) is None  # unreadable source: no cache rather than a wrong one


def test_every_package_module_the_loader_builds_with_is_fingerprinted() -> None:
    tree = ast.parse((PACKAGE / "loader.py").read_text(encoding="utf-8"))
    imported = {
        node.module.split(".")[1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("serverless_study.")
    }
    assert imported | {"loader"} <= set(FINGERPRINTED), "add the new module to loader.FINGERPRINTED"


# --- one entry per content file ---------------------------------------------------------------------------------

DAY = 86400.0
T0 = 1_800_000_000.0  # a controlled clock, in seconds since the epoch


def write_pack(folder: Path, topics: int, prefix: str = "t") -> Path:
    folder.mkdir(parents=True)
    for i in range(topics):
        (folder / f"{i:02d}.yaml").write_text(
            f"id: {prefix}{i}\ntitle: Topic {prefix.upper()}{i}\nrelated: [elsewhere]\n"
            f"facts:\n  - id: f\n    prompt: Which service runs containers?\n    answer: ECS\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the loader parses in this test, in order."""
    seen: list[Path] = []
    real = loader.parse_file

    def counting(path: Path) -> Any:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(loader, "parse_file", counting)
    return seen


def test_a_same_size_same_mtime_edit_is_noticed(tmp_path: Path, parses: list[Path]) -> None:
    pack = write_pack(tmp_path / "pack", 1)
    (topic_file,) = pack.iterdir()
    cache = tmp_path / "cache"
    assert load_topics([pack], cache_dir=cache).topics[0].facts[0].answer == "ECS"
    before = topic_file.stat()
    topic_file.write_text(topic_file.read_text().replace("answer: ECS", "answer: EKS"))
    os.utime(topic_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = topic_file.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert load_topics([pack], cache_dir=cache).topics[0].facts[0].answer == "EKS"
    assert len(parses) == 2
    assert load_topics([pack], cache_dir=cache).topics[0].facts[0].answer == "EKS"  # the entry was rewritten
    assert len(parses) == 2


def test_wrong_typed_values_are_ignored_and_rewritten(tmp_path: Path, parses: list[Path]) -> None:
    pack = write_pack(tmp_path / "pack", 1)
    cache = tmp_path / "cache"
    load_topics([pack], cache_dir=cache)
    (entry,) = entry_files(cache)
    # Values that would still unpack: only the checksum the writer stored can tell.
    rewrite(entry, lambda t: {**t, "title": 7, "facts": [[1, 2, 3, [], None, None, None]]}, fix_sum=False)
    (topic,) = load_topics([pack], cache_dir=cache).topics
    assert topic.title == "Topic T0" and topic.facts[0].answer == "ECS"
    assert len(parses) == 2
    ((_, payload),) = entries(cache).values()
    assert payload["title"] == "Topic T0"  # rewritten
    load_topics([pack], cache_dir=cache)
    assert len(parses) == 2


def test_each_version_keeps_its_own_entries(tmp_path: Path) -> None:
    """An older and a newer installed version do not rewrite each other's entries on every run."""
    pack = write_pack(tmp_path / "pack", 1)
    (topic_file,) = pack.iterdir()
    cache = tmp_path / "cache"
    other = ContentCache(cache, "0-older-version")
    other.put(topic_file.resolve(), topic_file.read_bytes(), {"anything": "the older version stores"})
    load_topics([pack], cache_dir=cache)
    assert len(list(entry_files(cache))) == 2
    assert other.get(topic_file.resolve(), topic_file.read_bytes()) == {"anything": "the older version stores"}


def test_switching_content_sets_keeps_both_warm(tmp_path: Path, parses: list[Path]) -> None:
    a = write_pack(tmp_path / "a", 3, "a")
    b = write_pack(tmp_path / "b", 2, "b")
    cache = tmp_path / "cache"
    load_topics([a], cache_dir=cache, now=T0)
    load_topics([b], cache_dir=cache, now=T0)
    assert len(parses) == 5
    assert [t.id for t in load_topics([a], cache_dir=cache, now=T0).topics] == ["a0", "a1", "a2"]
    assert [t.id for t in load_topics([b, a], cache_dir=cache, now=T0).topics] == ["b0", "b1", "a0", "a1", "a2"]
    assert len(parses) == 5  # nothing parsed again


def test_messages_from_a_cached_topic_name_the_path_as_given_now(
    tmp_path: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = write_pack(tmp_path / "pack", 1)
    cache = tmp_path / "cache"
    first = load_topics([pack], cache_dir=cache)
    assert [str(p) for p in first.problems] == [f"{pack / '00.yaml'}: related: unknown topic id 'elsewhere'"]
    monkeypatch.chdir(tmp_path)
    again = load_topics([Path("pack")], cache_dir=cache)
    assert len(parses) == 1  # from the cache, as named now:
    assert [str(p) for p in again.problems] == ["pack/00.yaml: related: unknown topic id 'elsewhere'"]
    (topic,) = again.topics
    assert topic.source == "pack/00.yaml" and str(topic.facts[0].location) == "pack/00.yaml:5"
    assert replace(topic, source=first.topics[0].source) == first.topics[0]  # nothing else differs


def test_unused_entries_expire_after_30_days(tmp_path: Path, parses: list[Path]) -> None:
    a = write_pack(tmp_path / "a", 2, "a")
    b = write_pack(tmp_path / "b", 1, "b")
    c = write_pack(tmp_path / "c", 1, "c")
    cache = tmp_path / "cache"
    load_topics([a, b, c], cache_dir=cache, now=T0)
    load_topics([b], cache_dir=cache, now=T0 + 20 * DAY)  # b in use: its entry is touched
    leftover = cache / ".content.json.123-0.tmp"  # a killed writer's temporary file
    others = [cache / "content.json", cache / "images.json"]  # the former single-file cache; image verdicts
    for path in [leftover, *others]:
        path.write_text("")
        os.utime(path, (T0, T0))
    load_topics([c], cache_dir=cache, now=T0 + KEEP_SECONDS - DAY / 10)  # c in use; a, unused for 29.9 days, kept
    assert len(entries(cache)) == 4 and not leftover.exists()
    # The folder is scanned at most once a day: half a day after a turns 30 days unused it is still there ...
    load_topics([c], cache_dir=cache, now=T0 + KEEP_SECONDS + DAY / 2)
    assert len(entries(cache)) == 4
    # ... and at the next scan it is dropped; b (used 11 days ago) and c stay.
    load_topics([c], cache_dir=cache, now=T0 + KEEP_SECONDS + DAY)
    assert sorted(Path(p).parent.name for p in entries(cache)) == ["b", "c"]
    assert [p.exists() for p in others] == [False, True]  # images.json is not the entries' to expire
    assert (cache / PRUNED_MARK).stat().st_mtime == T0 + KEEP_SECONDS + DAY
    assert len(parses) == 4  # expiry never dropped an entry in use
    load_topics([a], cache_dir=cache, now=T0 + KEEP_SECONDS + DAY)
    assert len(parses) == 6


BUILD = """
import sys
import time
from dataclasses import replace
from pathlib import Path
from serverless_study.loader import load_topics
# The real clock: with a made-up one, each process's prune took the other's fresh files for month-old leftovers.
result = load_topics([Path(sys.argv[1])], cache_dir=Path(sys.argv[2]), now=time.time())
print(len(result.topics), len(result.problems))
"""


@pytest.mark.slow  # real interpreters
def test_two_processes_building_the_cache_at_once_both_succeed(tmp_path: Path, parses: list[Path]) -> None:
    pack = write_pack(tmp_path / "pack", 40)
    cache = tmp_path / "cache"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, str(pack), str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
        assert out.decode().split() == ["40", "40"]  # every topic, each with its one unknown related id
    assert len(entries(cache)) == 40 and not list(cache.glob(".*.tmp"))
    assert len(load_topics([pack], cache_dir=cache).topics) == 40
    assert parses == []  # every entry either process left is whole and valid
