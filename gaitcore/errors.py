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


class ProtocolError(GaitError):
    """Bytes that are not a valid pod frame (bad CRC, wrong length, unknown version).

    Attributes: ``reason`` (a short machine-readable key: ``crc``, ``length``,
    ``version``, ``type``, ``cobs``), ``n_bytes`` (how many bytes were rejected).
    """

    def __init__(self, reason: str, detail: str, n_bytes: int):
        self.reason = reason
        self.n_bytes = n_bytes
        super().__init__(f"invalid pod frame ({reason}): {detail}")


class TransportError(GaitError):
    """A pod's connection failed or could not be made.  Attributes: ``url``."""

    def __init__(self, url: str, problem: str, fix: str):
        self.url = url
        super().__init__(f"{url}: {problem}; {fix}")


class SessionWriteError(GaitError):
    """Records could not be written to a session file (disk full, medium removed).

    Attributes: ``path``, ``errno`` and ``strerror`` of the failed write, ``unwritten``
    (how many records are not in the file), ``rescue`` (where they were saved instead,
    or None).
    """

    def __init__(self, path, err: OSError, unwritten: int, rescue=None):
        self.path = str(path)
        self.errno = err.errno
        self.strerror = err.strerror or str(err)
        self.unwritten = unwritten
        self.rescue = None if rescue is None else str(rescue)
        where = (f"they are saved in {self.rescue}" if self.rescue else "they could not be saved anywhere")
        super().__init__(f"{self.path}: {unwritten} record(s) could not be written ({self.strerror}); "
                         f"{where}; the session file holds everything before them")
