"""Errors that are the user's to fix: shown as one clear message, never a stack trace."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class InputError(Exception):
    """Bad input: names the file, line and column (field) and what was expected."""
    file: str | Path
    message: str
    line: int | None = None
    column: str | None = None
    expected: str | None = None
    more: str | None = None        # the file's other problems, after the first (one per line)

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        text = f"{where}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.more:
            text += "\n" + self.more
        return text


class UsageError(Exception):
    """A command asked for something that cannot be done as asked."""


class NotFound(Exception):
    """A record that does not exist for the caller (none at all, or outside its scope): HTTP 404."""


class Forbidden(Exception):
    """A record the caller may see but an action its role may not take on it: HTTP 403."""
