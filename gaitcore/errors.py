"""The toolkit's exception hierarchy: one root, subclasses that carry data.

Every error meant for a user has a one-line message that says what was wrong and
how to fix it; the command line prints ``str(err)`` and exits with code 2.
"""
from __future__ import annotations


class GaitError(Exception):
    """Root of every error raised on purpose by this toolkit."""


class InputFormatError(GaitError):
    """A file could not be read as any supported recording.

    Attributes: ``path`` (the file), ``expected`` (what the reader wanted to see).
    """

    def __init__(self, path: str, problem: str, expected: str):
        self.path = str(path)
        self.problem = problem
        self.expected = expected
        super().__init__(f"{self.path}: {problem}; expected {expected}")


class UnitError(InputFormatError):
    """A column's unit is missing or not one the reader understands."""


class SignalError(GaitError):
    """The samples themselves are unusable (empty, all NaN, too short)."""

    def __init__(self, sensor: str, problem: str, fix: str):
        self.sensor = sensor
        self.problem = problem
        self.fix = fix
        super().__init__(f"{sensor}: {problem}; {fix}")


class UsageError(GaitError):
    """Command-line arguments that contradict each other or the input."""
