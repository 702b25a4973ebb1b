"""Golden-file comparison: set UPDATE_GOLDENS=1 to rewrite them, then review the diff."""

from __future__ import annotations

import io
import os
from pathlib import Path

from rich.console import Console, RenderableType

GOLDENS = Path(__file__).parent / "goldens"


def render(renderable: RenderableType, width: int = 80) -> str:
    console = Console(
        file=io.StringIO(),
        width=width,
        color_system=None,
        highlight=False,
        emoji=False,
        force_terminal=False,
        legacy_windows=False,
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def assert_golden(name: str, actual: str) -> None:
    path = GOLDENS / name
    if os.environ.get("UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden {name}: run with UPDATE_GOLDENS=1 and review it"
    assert actual == path.read_text(encoding="utf-8")
