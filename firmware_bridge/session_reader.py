"""Pod sessions (``gait record``, ``gait live``) as recordings.

:data:`POD_SESSION` is the reader :mod:`gaitcore.readers` finds through the entry point
``pod_session`` of the group ``gaitcore.readers`` (pyproject.toml), so
``read_recording(["x.podses"])`` reads a session without importing this package first.
"""
from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

from gaitcore.readers import RecordingFormat, on_file_clock
from gaitcore.signals import Recording, SessionInfo

from .assemble import recording_from_session
from .session_file import MAGIC, Session, read_session


def session_recording(session: Session, path: str | Path) -> Recording:
    """The IMU recording of a session already read from ``path`` (:func:`read_session`),
    warning about a torn tail."""
    if session.torn_bytes:
        warnings.warn(f"{path}: the last {session.torn_bytes} bytes are a torn record (the recording "
                      "process stopped mid-write) and were dropped", stacklevel=3)
    rec = recording_from_session(session, str(path))
    return replace(rec, sensors=tuple(on_file_clock(rec.sensors, path)),
                   session=SessionInfo.from_meta(session.meta, (Path(path).name,)))


def read_pod_session(path: Path) -> Recording:
    return session_recording(read_session(path), path)


def _is_pod_session(head: bytes) -> bool:
    """A session file of any version (:func:`read_session` says which one it reads)."""
    return head.startswith(MAGIC.split(b" ")[0])


POD_SESSION = RecordingFormat("pod session", _is_pod_session, read_pod_session)
