"""Errors written for people: each renders as one line naming where the problem is."""

from __future__ import annotations


class StudyError(Exception):
    """Base for every error the CLI turns into a one-line message."""


class ContentError(StudyError):
    """A problem in a content file, with the file, line and key path when known."""

    def __init__(self, file: str, message: str, line: int = 0, key: str = "") -> None:
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # keeps the fields when a problem found in a worker process is sent back
        return (type(self), (self.file, self.message, self.line, self.key))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContentError) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = f"{self.key}: {self.message}" if self.key else self.message
        return f"{where}: {what}"


class StoreError(StudyError):
    """The review database cannot be opened or written."""


class ExportError(StudyError):
    """An export cannot be written."""


class UsageError(StudyError):
    """A bad option value or unknown name given on the command line."""
