"""gaitmap-style CSV: two header rows ``sensor``/``axis``, an index column of
sample numbers, ``acc_x..acc_z`` in m/s^2 and ``gyr_x..gyr_z`` in deg/s.

Also read: the same two rows with their first cells empty (a pandas two-level header
written without level names), and gaitmap's single-sensor frames, one header row
``,index,acc_x,...,gyr_z`` (the foot then comes from the file name).  The file
carries no sampling rate, so ``fs_hz`` must be given (``--fs``); the index column
may hold sample numbers or, in some exports, seconds (told apart by its step).

With no time column the row grid is the clock, and a row whose six cells for a sensor
are all empty is a sample that sensor does not have (lost, or before it started or
after it stopped): the sensor's samples are read without it, so the analysis sees the
time that passed, as in the session the file was exported from (a short drop bridged,
a longer one restarting the filters).  A sample that is there but unreadable -- some
of its cells empty and others not, or a cell that is not a number -- is a bad sample
(its unreadable cells NaN; the analysis interpolates it when alone and reports a run
as a gap), with one warning for the file saying how many there are and where the
first is.  ``nan`` in a cell is a bad value written as such and read as one without
a warning.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..errors import InputFormatError, UsageError
from ..signals import Placement, SensorRecording, Side, Segment, placement_from_name
from ._common import read_numeric_table, read_text

EXPECTED = ("a gaitmap CSV: header rows 'sensor,...' and 'axis,acc_x..gyr_z' "
            "(acc m/s^2, gyr deg/s), then sample-number,value rows")
AXES = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")


def _cells(line: str) -> list[str]:
    return [c.strip().lower() for c in line.split(",")]


def _two_level(first_lines: list[str]) -> bool:
    if len(first_lines) < 2:
        return False
    a, b = _cells(first_lines[0]), _cells(first_lines[1])
    return a[0] in ("sensor", "") and b[0] in ("axis", "") and len(a) > 1 and any(c in AXES for c in b)


def _single(first_lines: list[str]) -> bool:
    if not first_lines:
        return False
    a = _cells(first_lines[0])
    return a[0] in ("", "index") and all(x in a for x in AXES)


def sniff(first_lines: list[str]) -> bool:
    return _two_level(first_lines) or _single(first_lines)


def read(path: Path, fs_hz: float | None) -> list[SensorRecording]:
    text = read_text(path, EXPECTED)
    lines = text.splitlines()
    if not sniff(lines[:2]):
        raise InputFormatError(path, "header rows 'sensor' and 'axis' not found", EXPECTED)
    if fs_hz is None:
        raise UsageError(f"{path}: a gaitmap CSV has no sampling rate; give it with --fs HZ "
                         "(e.g. --fs 204.8)")
    if not _two_level(lines[:2]):
        # single sensor: name it after the file; a column called 'index' is data, not a sensor axis
        axes_all = _cells(lines[0])[1:]
        lines = [",".join(["sensor"] + [Path(path).stem] * len(axes_all)),
                 ",".join(["axis"] + axes_all)] + lines[1:]
    sensors = [c.strip() for c in lines[0].split(",")[1:]]
    axes = [c.strip().lower() for c in lines[1].split(",")[1:]]
    if len(sensors) != len(axes):
        raise InputFormatError(path, "the 'sensor' and 'axis' header rows differ in length", EXPECTED)
    names = list(dict.fromkeys(sensors))
    cols: dict[tuple[str, str], int] = {}
    for i, (s, a) in enumerate(zip(sensors, axes)):
        cols[(s, a)] = i + 1
    for s in names:
        missing = [a for a in AXES if (s, a) not in cols]
        if missing:
            unknown = sorted({a for (s2, a) in cols if s2 == s} - set(AXES))
            hint = f" (unknown axis names {unknown})" if unknown else ""
            raise InputFormatError(path, f"sensor {s!r} lacks columns {missing}{hint}", EXPECTED)
    table = read_numeric_table(path, lines[2:], len(sensors) + 1, EXPECTED, 3, time_col=0,
                               time_name="the index column", stamp="a sample number (or time in s)")
    data = table.values
    idx = data[:, 0]
    step = float(np.median(np.diff(idx))) if idx.size > 1 else 1.0
    if abs(step - 1.0) < 0.1:
        t_s = (idx - idx[0]) / fs_hz          # sample numbers
    elif abs(step * fs_hz - 1.0) < 0.1:
        t_s = idx - idx[0]                     # seconds (some gaitmap exports)
    else:
        raise InputFormatError(path, f"the index column steps by {step:g}, neither 1 (sample numbers) nor "
                               f"1/{fs_hz:g} s (seconds at --fs)", EXPECTED + "; check --fs")
    out = []
    n_unreadable, first_line, first_sensor = 0, 0, ""
    for s in names:
        placement = placement_from_name(s) or Placement(Side.UNKNOWN, Segment.FOOT)
        c = [cols[(s, a)] for a in AXES]
        blank = table.blank[:, c]
        present = ~blank.all(axis=1)
        if not present.any():
            raise InputFormatError(path, f"sensor {s!r} has no samples (all its cells are empty)",
                                   EXPECTED + "; leave out a sensor that recorded nothing")
        values = data[present][:, c]
        bad = (blank[present].any(axis=1) | table.text[present][:, c].any(axis=1))
        if bad.any():
            line = int(table.line_nos[present][np.argmax(bad)])
            if not n_unreadable or line < first_line:
                first_line, first_sensor = line, s
            n_unreadable += int(bad.sum())
        acc = np.ascontiguousarray(values[:, :3])
        gyr = np.ascontiguousarray(values[:, 3:])
        out.append(SensorRecording(s, placement, float(fs_hz), np.ascontiguousarray(t_s[present]), acc, gyr,
                                   meta={"format": "gaitmap_csv", "file": str(path)}))
    if n_unreadable:
        warnings.warn(f"{path}: {n_unreadable} sample{'s' if n_unreadable != 1 else ''} with some cells empty and "
                      f"others not, or a cell that is not a number (first at line {first_line}, sensor "
                      f"{first_sensor!r}); read as bad samples (interpolated when alone, else reported as gaps)",
                      stacklevel=2)
    return out
