"""The pod side's errors: bytes that are not a pod frame, a connection that failed, a
session file that could not be written.

Each is a :class:`gaitcore.errors.GaitError`, so the command line prints it as one line
(what was wrong and how to fix it) and exits with code 2.
"""
from __future__ import annotations

from gaitcore.errors import GaitError


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
