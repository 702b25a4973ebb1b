"""Where shipped content, images and the learner's data live; resolved in one place."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_HOME = "SERVERLESS_STUDY_HOME"


def _shipped(name: str) -> Path:
    # A wheel carries content under serverless_study/_data; a source checkout has it beside the package.
    installed = PACKAGE_DIR / "_data" / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


def shipped_content_dir() -> Path:
    return _shipped("content")


def shipped_images_dir() -> Path:
    return _shipped("images")


def data_dir(option: Path | None, environ: os._Environ[str] | dict[str, str]) -> Path:
    """The data directory: --data-dir, then $SERVERLESS_STUDY_HOME, then the per-user data dir."""
    if option is not None:
        return Path(option).expanduser()
    env = environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("serverless-study", appauthor=False))
