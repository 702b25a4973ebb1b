"""Imports flow downward: the core never reaches the terminal layer, and nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "serverless_study"
SHELL = {"render", "prompts", "cli", "__main__"}
TERMINAL_LIBS = {"typer", "rich", "questionary", "click", "prompt_toolkit"}
# One home per third-party library.
HOMES = {
    "yaml": {"loader"},
    "fsrs": {"scheduler"},
    "questionary": {"prompts"},
    "platformdirs": {"paths"},
    "anki": set(),
    "genanki": {"apkg"},
    "tomllib": {"settings"},
    "fsrs_rs_python": {"optimize"},
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> dict[str, set[str]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        out[".".join(rel.parts)] = imports_of(path)
    return out


def top(name: str) -> str:
    return name.split(".")[0]


def test_core_never_imports_the_terminal_layer() -> None:
    for name, imported in modules().items():
        if top(name) in SHELL:
            continue
        leaks = {i for i in imported if top(i) in TERMINAL_LIBS}
        assert not leaks, f"serverless_study.{name} imports {sorted(leaks)}"
        shell = {i for i in imported if i.startswith("serverless_study.") and i.split(".")[1] in SHELL}
        assert not shell, f"serverless_study.{name} imports the shell: {sorted(shell)}"


def test_nothing_outside_the_cli_imports_it() -> None:
    for name, imported in modules().items():
        if name.startswith("cli") or name == "__main__":
            continue
        assert not any(i.startswith("serverless_study.cli") for i in imported), name


def test_each_library_has_one_home() -> None:
    for name, imported in modules().items():
        for lib, homes in HOMES.items():
            if any(top(i) == lib for i in imported):
                assert name in homes, (
                    f"serverless_study.{name} imports {lib}; its home is {sorted(homes) or 'tests only'}"
                )


def test_the_architecture_test_sees_a_leak(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import rich.console\nfrom typer import Exit\n")
    assert {top(i) for i in imports_of(bad)} == {"rich", "typer"}
