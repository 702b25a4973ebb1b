"""The compiled content cache is keyed by the code that built it: a change to the model or the rules rebuilds it."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest

from serverless_study import loader
from serverless_study.loader import FINGERPRINTED, code_fingerprint, load_topics

from .conftest import FIXTURES

PACKAGE = Path(loader.__file__).parent


def test_a_cache_written_by_other_code_is_never_served(tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    load_topics([FIXTURES / "pack"], cache_file=cache)
    data = json.loads(cache.read_text())
    assert data["code"] == code_fingerprint()
    for entry in data["files"].values():
        entry["topic"]["title"] = "Built by other code"
    cache.write_text(json.dumps(data))
    # Same code: the doctored cache is what loads (so the check below can fail) ...
    assert {t.title for t in load_topics([FIXTURES / "pack"], cache_file=cache).topics} == {"Built by other code"}
    # ... another model or rule set: every file is parsed again and the cache rewritten for this code.
    cache.write_text(json.dumps({**data, "code": "1-0000000000000000"}))
    titles = [t.title for t in load_topics([FIXTURES / "pack"], cache_file=cache).topics]
    assert titles == ["Alpha Topic", "Beta Topic"]
    assert json.loads(cache.read_text())["code"] == code_fingerprint()


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
