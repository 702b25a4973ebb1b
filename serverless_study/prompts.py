"""Questions put to the learner: questionary in a terminal. The only questionary import."""

from __future__ import annotations

from typing import Any, Sequence


def choose(message: str, choices: Sequence[tuple[str, Any]], **kwargs: Any) -> Any:
    """A select prompt; returns the chosen value, or None when the learner quits (Ctrl-C / Esc)."""
    import questionary

    result = questionary.select(
        message, choices=[questionary.Choice(title=title, value=value) for title, value in choices], **kwargs
    ).ask()
    return result
