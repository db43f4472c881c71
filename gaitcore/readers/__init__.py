"""Read any supported recording into a :class:`~gaitcore.signals.Recording`.

The format is recognised from the file's content, never from its extension
alone; anything not understood is refused with an :class:`InputFormatError`
that names what was expected.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import InputFormatError, UsageError
from ..signals import CLOCK_SOURCE_META, Placement, Recording, Segment, Side, TimeOrigin, placement_from_name
from . import gaitmap_csv, native, physilog, pyshoe_mat, xio

SUPPORTED = ("native .gaitrec, pod session (gait record), gaitmap CSV (sensor/axis header, needs --fs), GaitUp Physilog CSV, "
             "x-io NGIMU CSV, PyShoe .mat")


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            files = sorted(q for q in p.iterdir() if q.is_file() and not q.name.startswith("."))
            if not files:
                subs = sorted(q.name for q in p.iterdir() if q.is_dir() and not q.name.startswith("."))
                what = (f"folder holds no files, only folders ({', '.join(subs)}); give the one with the "
                        f"recordings, e.g. {p / subs[0]}") if subs else "folder holds no files"
                raise InputFormatError(p, what, f"one file per sensor ({SUPPORTED})")
            out.extend(files)
        elif p.exists():
            out.append(p)
        else:
            raise UsageError(f"{p}: no such file or folder; check the path")
    return out


def read_recording(paths: list[str | Path], fs_hz: float | None = None,
                   placements: list[str] | None = None) -> Recording:
    """Read one recording given as one or more files or a folder of per-sensor files.

    ``placements`` overrides the placement inferred from file/sensor names, one
    per file in order (``left``, ``right_shank``, ``LF`` ...).
    """
    files = _expand([Path(p) for p in paths])
    if placements and len(placements) != len(files):
        raise UsageError(f"--placement was given {len(placements)} times for {len(files)} files; "
                         "give one per file, in order")
    sensors, origin, fs_used = [], TimeOrigin.FIRST_SAMPLE, False
    for i, f in enumerate(files):
        forced = None
        if placements:
            try:
                forced = Placement.parse(placements[i])
            except ValueError as err:
                raise UsageError(str(err)) from None
        read, origin, used = _read_one(f, fs_hz, forced)
        fs_used |= used
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
    rec = Recording(tuple(sensors), ", ".join(str(f) for f in files))
    if len(files) == 1 and origin is TimeOrigin.SESSION_START:
        return replace(rec, time_origin=TimeOrigin.SESSION_START)  # times as `gait live` showed them
    return rec.rebased()    # separate sessions' clocks each start at their own 0: nothing to keep


def session_recording(session, path: str | Path) -> Recording:
    """The IMU recording of a session already read from ``path``
    (:func:`firmware_bridge.session_file.read_session`), warning about a torn tail."""
    from firmware_bridge.assemble import recording_from_session
    if session.torn_bytes:
        import warnings
        warnings.warn(f"{path}: the last {session.torn_bytes} bytes are a torn record (the recording "
                      "process stopped mid-write) and were dropped", stacklevel=3)
    rec = recording_from_session(session, str(path))
    return replace(rec, sensors=tuple(_from_source(rec.sensors, path)))


def _from_source(sensors, path: str | Path) -> list:
    """The sensors read from one file, marked as sharing its clock (``CLOCK_SOURCE_META``)."""
    return [replace(s, meta={**s.meta, CLOCK_SOURCE_META: str(path)}) for s in sensors]


def _read_one(path: Path, fs_hz: float | None, forced: Placement | None) -> tuple[list, TimeOrigin, bool]:
    """The file's sensors (marked as sharing its clock), where its times count from, and
    whether ``fs_hz`` was used."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as err:
        raise InputFormatError(path, f"cannot read file ({err.strerror})", SUPPORTED) from None
    if not head.strip():
        raise InputFormatError(path, "file is empty", SUPPORTED)
    if head.startswith(b"PODSESSION"):
        from firmware_bridge.session_file import read_session
        rec = session_recording(read_session(path), path)
        return [_force(s, forced) for s in rec.sensors], rec.time_origin, False
    sensors, fs_used = _read_file(path, head, fs_hz, forced)
    return _from_source(sensors, path), TimeOrigin.FIRST_SAMPLE, fs_used


def _read_file(path: Path, head: bytes, fs_hz: float | None, forced: Placement | None) -> tuple[list, bool]:
    """The sensors of a file that is not a pod session, and whether ``fs_hz`` was used
    (only gaitmap CSV, which has no time column, takes it)."""
    name = path.stem
    placement = forced or placement_from_name(path.name) or Placement(Side.UNKNOWN, Segment.FOOT)
    if native.sniff_bytes(head):
        sensors = native.read(path)
        return [_force(s, forced) for s in sensors], False
    if pyshoe_mat.sniff_bytes(head):
        return [pyshoe_mat.read(path, name, placement)], False
    if b"\x00" in head:
        raise InputFormatError(path, "binary file of unknown kind", SUPPORTED)
    lines = head.decode("utf-8-sig", errors="replace").splitlines()
    if gaitmap_csv.sniff(lines):
        return [_force(s, forced) for s in gaitmap_csv.read(path, fs_hz)], True
    if physilog.sniff(lines):
        return [physilog.read(path, name, placement)], False
    if xio.sniff(lines):
        return [xio.read(path, name, placement)], False
    first = lines[0][:60] if lines else ""
    raise InputFormatError(path, f"unrecognised content (first line {first!r})", SUPPORTED)


def _force(sensor, forced: Placement | None):
    if forced is None:
        return sensor
    return replace(sensor, placement=forced)
