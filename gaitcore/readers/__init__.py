"""Read any supported recording into a :class:`~gaitcore.signals.Recording`.

The format is recognised from the file's content, never from its extension
alone; anything not understood is refused with an :class:`InputFormatError`
that names what was expected.  Formats read outside gaitcore (pod sessions) come
from the reader registry (:mod:`gaitcore.readers.registry`).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from os import PathLike
from pathlib import Path
from typing import Sequence

from ..errors import InputFormatError, UsageError
from ..signals import (CLOCK_SOURCE_META, Placement, Recording, Segment, SessionInfo, Side, TimeOrigin,
                       placement_from_name)
from . import gaitmap_csv, native, physilog, pyshoe_mat, registry, xio
from .registry import HEAD_BYTES, RecordingFormat, register_format  # the registry's names, offered here too

SUPPORTED = ("native .gaitrec, pod session (gait record), gaitmap CSV (sensor/axis header, needs --fs), GaitUp Physilog CSV, "
             "x-io NGIMU CSV, PyShoe .mat")


@dataclass(frozen=True)
class _Inputs:
    """The files to read, and the files of the given folders that are not recordings."""
    files: tuple[Path, ...]
    ignored: tuple[Path, ...]


def _expand(paths: list[Path]) -> _Inputs:
    """The files named, and the recordings in the folders named.  A folder's files that are
    not recordings (a LICENSE, README or notes beside the sensor files) are skipped when at
    least one of its files is one; a file named on its own is always read (and refused if
    it is not a recording)."""
    out: list[Path] = []
    ignored: list[Path] = []
    for p in paths:
        if p.is_dir():
            files = sorted(q for q in p.iterdir() if q.is_file() and not q.name.startswith("."))
            if not files:
                subs = sorted(q.name for q in p.iterdir() if q.is_dir() and not q.name.startswith("."))
                what = (f"folder holds no files, only folders ({', '.join(subs)}); give the one with the "
                        f"recordings, e.g. {p / subs[0]}") if subs else "folder holds no files"
                raise InputFormatError(p, what, f"one file per sensor ({SUPPORTED})")
            kept = [f for f in files if is_recording(f)]
            if not kept:
                names = ", ".join(f.name for f in files[:5]) + (", ..." if len(files) > 5 else "")
                raise InputFormatError(p, f"folder holds no recording ({names})", f"one file per sensor ({SUPPORTED})")
            out.extend(kept)
            ignored.extend(f for f in files if f not in kept)
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder; check the path")
    return _Inputs(tuple(out), tuple(ignored))


def is_recording(path: Path) -> bool:
    """Whether the file's first bytes are those of a format we read (its content decides,
    not its name)."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return True      # unreadable: reading it says why
    return _format_of(head) is not None or registry.REGISTRY.find(head) is not None


def read_recording(paths: list[str | Path], fs_hz: float | None = None,
                   placements: list[str] | None = None) -> Recording:
    """Read one recording given as one or more files or a folder of per-sensor files.

    ``placements`` overrides the placement inferred from file/sensor names, one
    per file in order (``left``, ``right_shank``, ``LF`` ...).
    """
    given = _expand([Path(p) for p in paths])
    files = given.files
    if given.ignored:
        import warnings
        warnings.warn(f"not recordings, skipped: {', '.join(str(f) for f in given.ignored)}", stacklevel=2)
    if placements and len(placements) != len(files):
        raise UsageError(f"--placement was given {len(placements)} times for {len(files)} files; "
                         "give one per file, in order")
    sensors, origin, fs_used, sessions = [], TimeOrigin.FIRST_SAMPLE, False, []
    for i, f in enumerate(files):
        forced = None
        if placements:
            try:
                forced = Placement.parse(placements[i])
            except ValueError as err:
                raise UsageError(str(err)) from None
        one = _read_one(f, fs_hz, forced)
        read, origin = one.sensors, one.time_origin
        fs_used |= one.fs_used
        sessions.append(one.session)
        if forced is not None and len(read) > 1:
            raise UsageError(f"{f} holds {len(read)} sensors ({', '.join(x.name for x in read)}) and --placement "
                             "gives one placement per file; leave it out (their names give their placements)")
        sensors.extend(read)
    if fs_hz is not None and not fs_used:
        import warnings
        warnings.warn(f"--fs {fs_hz:g} was not used: {'this file carries' if len(files) == 1 else 'these files carry'} "
                      "time stamps, and the rate comes from them (--fs is for gaitmap CSV, which has none)",
                      stacklevel=2)
    names = [s.name for s in sensors]
    if len(set(names)) != len(names):
        raise UsageError(f"two sensors share a name among {names}; rename the files")
    rec = Recording(tuple(sensors), ", ".join(str(f) for f in files), session=SessionInfo.combined(sessions))
    if len(files) == 1 and origin is TimeOrigin.SESSION_START:
        return replace(rec, time_origin=TimeOrigin.SESSION_START)  # times as `gait live` showed them
    return rec.rebased()    # separate sessions' clocks each start at their own 0: nothing to keep


def read(path_or_paths: str | PathLike | Sequence[str | PathLike], fs_hz: float | None = None,
         placement: str | Sequence[str] | None = None) -> Recording:
    """Read a recording: a file, a folder of per-sensor files, or a list of files
    (:func:`read_recording`).  ``fs_hz``: the rate of a gaitmap CSV, which has no time
    column; ``placement``: each file's placement (``"left"``, ``"right_shank"``, ``"LF"``
    ...), one per file in order, or one for a single file; default from the names."""
    paths = [path_or_paths] if isinstance(path_or_paths, (str, PathLike)) else list(path_or_paths)
    placements = None if placement is None else [placement] if isinstance(placement, str) else list(placement)
    return read_recording(paths, fs_hz=fs_hz, placements=placements)


def on_file_clock(sensors, path: str | Path) -> list:
    """The sensors read from one file, marked as sharing its clock (``CLOCK_SOURCE_META``):
    every file's are, whichever reader read it."""
    return [replace(s, meta={**s.meta, CLOCK_SOURCE_META: str(path)}) for s in sensors]


@dataclass(frozen=True)
class _FileRead:
    sensors: list            # marked as sharing the file's clock
    time_origin: TimeOrigin  # where the file's times count from
    fs_used: bool            # whether the rate given (--fs) was used
    session: SessionInfo


def _read_one(path: Path, fs_hz: float | None, forced: Placement | None) -> _FileRead:
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as err:
        raise InputFormatError(path, f"cannot read file ({err.strerror})", SUPPORTED) from None
    if not head.strip():
        raise InputFormatError(path, "file is empty", SUPPORTED)
    kind = _format_of(head)
    if kind is None:
        registered = registry.REGISTRY.find(head)
        if registered is not None:
            rec = registered.read(path)
            return _FileRead([_force(s, forced) for s in on_file_clock(rec.sensors, path)], rec.time_origin, False,
                             rec.session)
        if b"\x00" in head:
            problem = "binary file of unknown kind"
        else:
            lines = head.decode("utf-8-sig", errors="replace").splitlines()
            problem = f"unrecognised content (first line {(lines[0][:60] if lines else '')!r})"
        raise InputFormatError(path, "; ".join((problem, *registry.REGISTRY.unloadable())), SUPPORTED)
    sensors, fs_used = _read_file(path, kind, fs_hz, forced)
    meta = sensors[0].meta if kind is _Format.NATIVE else {}
    return _FileRead(on_file_clock(sensors, path), TimeOrigin.FIRST_SAMPLE, fs_used,
                     SessionInfo.from_meta(meta, (path.name,)))


class _Format(enum.Enum):
    NATIVE = "gaitrec"
    PYSHOE_MAT = "PyShoe .mat"
    GAITMAP_CSV = "gaitmap CSV"
    PHYSILOG_CSV = "Physilog CSV"
    XIO_CSV = "x-io CSV"


def _format_of(head: bytes) -> _Format | None:
    """The one of gaitcore's own formats a file's first bytes show, or None."""
    if native.sniff_bytes(head):
        return _Format.NATIVE
    if pyshoe_mat.sniff_bytes(head):
        return _Format.PYSHOE_MAT
    if b"\x00" in head:
        return None
    lines = head.decode("utf-8-sig", errors="replace").splitlines()
    for kind, module in ((_Format.GAITMAP_CSV, gaitmap_csv), (_Format.PHYSILOG_CSV, physilog), (_Format.XIO_CSV, xio)):
        if module.sniff(lines):
            return kind
    return None


def _read_file(path: Path, kind: _Format, fs_hz: float | None, forced: Placement | None) -> tuple[list, bool]:
    """The sensors of a file in one of gaitcore's own formats, and whether ``fs_hz`` was used
    (only gaitmap CSV, which has no time column, takes it)."""
    name = path.stem
    placement = forced or placement_from_name(path.name) or Placement(Side.UNKNOWN, Segment.FOOT)
    if kind is _Format.NATIVE:
        return [_force(s, forced) for s in native.read(path)], False
    if kind is _Format.PYSHOE_MAT:
        return [pyshoe_mat.read(path, name, placement)], False
    if kind is _Format.GAITMAP_CSV:
        return [_force(s, forced) for s in gaitmap_csv.read(path, fs_hz)], True
    if kind is _Format.PHYSILOG_CSV:
        return [physilog.read(path, name, placement)], False
    return [xio.read(path, name, placement)], False


def _force(sensor, forced: Placement | None):
    if forced is None:
        return sensor
    return replace(sensor, placement=forced)
