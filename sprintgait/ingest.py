"""One recording analysed for the history: what the analysis gives, which bytes it came
from, and the day it belongs to.

The same function runs in ``gait import``, ``gait analyze --save``, ``gait history
--rebuild`` and in a batch's workers (local processes or a Dask cluster), so a session
stored by any of them is the same rows.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from enum import Enum
from pathlib import Path

from gaitcore.errors import GaitError, UsageError


class DateSource(Enum):
    """Where a session's day comes from."""

    RECORDING = "recording"      # the start time the recorder wrote
    GIVEN = "given"              # --date
    FILE_TIME = "file time"      # the recording file's modification time (formats that carry no start time)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the user gave beside the recording; stored with the session so ``gait history
    --rebuild`` analyses it the same way.  None: the recording's own."""

    athlete: str | None = None
    session_date: date | None = None
    drill: str | None = None
    plan: str | None = None
    fs_hz: float | None = None
    placements: tuple[str, ...] | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["session_date"] = None if self.session_date is None else self.session_date.isoformat()
        d["placements"] = None if self.placements is None else list(self.placements)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ImportOptions":
        return cls(d.get("athlete"), None if d.get("session_date") is None else date.fromisoformat(d["session_date"]),
                   d.get("drill"), d.get("plan"), d.get("fs_hz"),
                   None if d.get("placements") is None else tuple(d["placements"]))


@dataclass(frozen=True, slots=True)
class Source:
    """The recording's files (absolute paths, in the order read) and the SHA-256 of their
    bytes: the session's identity in the history, whatever its files are called."""

    paths: tuple[str, ...]
    sizes_bytes: tuple[int, ...]
    digest: str


@dataclass(frozen=True, slots=True)
class Analysed:
    """A recording analysed for the history."""

    analysis: dict            # the output contract (Analysis.to_dict())
    source: Source
    options: ImportOptions
    athlete: str
    session_date: date
    date_source: DateSource
    n_samples: int


def recording_files(paths: list[str | Path]) -> list[Path]:
    """The files a recording given as files or folders consists of: a folder's recordings
    by name, as ``read_recording`` reads them (its notes and licences left out)."""
    from gaitcore.readers import is_recording
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(q for q in p.iterdir() if q.is_file() and not q.name.startswith("."))
            out.extend([f for f in files if is_recording(f)] or files)
        elif p.is_file():
            out.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder; check the path")
    return out


def source_of(paths: list[str | Path]) -> Source:
    """The recording's files and the digest of their bytes (read in 1 MB blocks)."""
    h = hashlib.sha256()
    files = recording_files(paths)
    sizes = []
    for f in files:
        n = 0
        try:
            with open(f, "rb") as fh:
                while block := fh.read(1 << 20):
                    h.update(block)
                    n += len(block)
        except OSError as err:
            raise GaitError(f"{f}: cannot be read ({err.strerror}); check its permissions") from None
        sizes.append(n)
        h.update(b"\0file\0")      # (two files are not their concatenation)
    return Source(tuple(str(f.resolve()) for f in files), tuple(sizes), h.hexdigest())


def session_day(started_utc: str | None, given: date | None, files: tuple[str, ...]) -> tuple[date, DateSource]:
    """The day a session belongs to, on this computer's calendar (a practice at 17:30 in
    UTC-7 is on its own day, not the next one in UTC): --date, else the recorder's start
    time, else the first file's modification time."""
    if given is not None:
        return given, DateSource.GIVEN
    if started_utc:
        try:
            t = datetime.fromisoformat(started_utc)
            return (t.astimezone() if t.tzinfo else t).date(), DateSource.RECORDING
        except ValueError:
            pass
    return datetime.fromtimestamp(os.stat(files[0]).st_mtime).date(), DateSource.FILE_TIME


def given_session(rec, options: ImportOptions):
    """``rec`` with the session fields the user gave: the drill and plan in place of its
    own, the athlete where it names none (a pod session names the one it was recorded with)."""
    given = {k: v for k, v in (("drill", options.drill), ("plan", options.plan)) if v is not None}
    if options.athlete is not None and not rec.session.athlete:
        given["athlete"] = options.athlete
    if options.drill is not None and options.plan is None:
        given["plan"] = None        # (a drill given names every rep: the recording's plan is set aside)
    return replace(rec, session=replace(rec.session, **given)) if given else rec


def athlete_of(rec, paths) -> str:
    """The athlete a recording (with the given fields in place) is of; one line without one."""
    if not rec.session.athlete:
        raise GaitError(f"{', '.join(map(str, paths))}: the recording names no athlete; give --athlete NAME")
    return rec.session.athlete


def analysed(result, rec, source: Source, options: ImportOptions) -> Analysed:
    """An analysis already made (``gait analyze --save``) as a history item."""
    day, how = session_day(rec.session.started_utc, options.session_date, source.paths)
    return Analysed(result.to_dict(), source, options, athlete_of(rec, source.paths), day, how,
                    sum(s.n_samples for s in rec.sensors))


def analyse_recording(paths: list[str | Path], options: ImportOptions = ImportOptions(),
                      trajectory: bool = True) -> Analysed:
    """Read and analyse one recording (files of one session) for the history.

    Raises :class:`GaitError` (one line) when it cannot be read or names no athlete
    (neither the recording nor ``options.athlete``)."""
    from gaitcore.analysis import analyze
    from gaitcore.readers import read_recording
    source = source_of(paths)
    rec = read_recording([str(p) for p in paths], fs_hz=options.fs_hz,
                         placements=None if options.placements is None else list(options.placements))
    rec = given_session(rec, options)
    athlete_of(rec, paths)
    return analysed(analyze(rec, trajectory=trajectory), rec, source, options)
