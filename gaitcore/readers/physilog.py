"""GaitUp Physilog CSV export (as in the TRIPOD data set).

Layout: a banner ``Gait Up - Physilog data export``, a few ``key: value`` lines, a
blank line, then three header rows (groups, column names, ``[unit]`` row) and
comma-terminated data rows.  Units are read from the unit row: gyroscope in
deg/s or rad/s, accelerometer in g or m/s^2.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InputFormatError, UnitError
from ..signals import GRAVITY_MPS2, SensorRecording
from ._common import fs_from_time, numeric_table, read_text

EXPECTED = ("a Physilog export: banner 'Gait Up - Physilog data export', a 'Time,Gyro X..Accel Z' "
            "row and a '[s],[deg/s]..[g]' unit row")
BANNER = "gait up - physilog"
GYR_SCALE = {"deg/s": 1.0, "dps": 1.0, "rad/s": 180.0 / np.pi}
ACC_SCALE = {"g": GRAVITY_MPS2, "m/s^2": 1.0, "m/s2": 1.0}


def sniff(first_lines: list[str]) -> bool:
    return bool(first_lines) and first_lines[0].strip().lower().startswith(BANNER)


def read(path: Path, name: str, placement) -> SensorRecording:
    text = read_text(path, EXPECTED)
    lines = text.splitlines()
    if not sniff(lines[:1]):
        raise InputFormatError(path, "Physilog banner missing", EXPECTED)
    hdr = next((i for i, ln in enumerate(lines[:40]) if ln.lower().startswith("time,gyro")), None)
    if hdr is None or hdr + 1 >= len(lines):
        raise InputFormatError(path, "column-name row 'Time,Gyro X,...' not found", EXPECTED)
    names = [c.strip().lower() for c in lines[hdr].split(",")]
    units = [c.strip().strip("[]").lower() for c in lines[hdr + 1].split(",")]
    want = ["time", "gyro x", "gyro y", "gyro z", "accel x", "accel y", "accel z"]
    try:
        idx = [names.index(w) for w in want]
    except ValueError:
        raise InputFormatError(path, f"columns {want} not all present", EXPECTED) from None
    u = [units[i] if i < len(units) else "" for i in idx]
    if u[0] != "s":
        raise UnitError(path, f"time unit is [{u[0]}]", "[s]")
    if len(set(u[1:4])) != 1 or u[1] not in GYR_SCALE:
        raise UnitError(path, f"gyroscope units are {u[1:4]}", "[deg/s] or [rad/s]")
    if len(set(u[4:7])) != 1 or u[4] not in ACC_SCALE:
        raise UnitError(path, f"accelerometer units are {u[4:7]}", "[g] or [m/s^2]")
    n_cols = max(idx) + 1
    data = numeric_table(path, lines[hdr + 2:], n_cols, EXPECTED, hdr + 3, time_col=idx[0],
                         stamp="a time stamp in seconds")
    t_s = np.ascontiguousarray(data[:, idx[0]])
    gyr = np.ascontiguousarray(data[:, idx[1:4]] * GYR_SCALE[u[1]])
    acc = np.ascontiguousarray(data[:, idx[4:7]] * ACC_SCALE[u[4]])
    m = re.search(r"\[(\d+(?:\.\d+)?) *hz\]", lines[hdr - 1].lower()) if hdr else None
    fs = float(m.group(1)) if m else fs_from_time(t_s)
    return SensorRecording(name, placement, fs, t_s, acc, gyr,
                           meta={"format": "physilog_csv", "file": str(path)})
