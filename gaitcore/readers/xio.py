"""x-io NGIMU / x-IMU CSV: ``Time (s),Gyroscope X (deg/s),..,Accelerometer X (g),..``.

Units are read from the parentheses in each column name.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InputFormatError, UnitError
from ..signals import GRAVITY_MPS2, SensorRecording
from ._common import fs_from_time, numeric_table, read_text

EXPECTED = ("an x-io CSV: 'Time (s),Gyroscope X (deg/s),...,Accelerometer X (g),...' header")
COL = re.compile(r"^\s*(time|gyroscope [xyz]|accelerometer [xyz])\s*\(([^)]*)\)\s*$", re.I)
GYR_SCALE = {"deg/s": 1.0, "rad/s": 180.0 / np.pi}
ACC_SCALE = {"g": GRAVITY_MPS2, "m/s^2": 1.0, "m/s/s": 1.0}


def sniff(first_lines: list[str]) -> bool:
    head = first_lines[0].lower() if first_lines else ""
    return head.startswith("time (") and "gyroscope" in head and "accelerometer" in head


def read(path: Path, name: str, placement) -> SensorRecording:
    text = read_text(path, EXPECTED)
    lines = text.splitlines()
    header = lines[0].split(",")
    found: dict[str, tuple[int, str]] = {}
    for i, h in enumerate(header):
        m = COL.match(h)
        if m:
            found[m.group(1).lower()] = (i, m.group(2).strip().lower())
    want = ["time", "gyroscope x", "gyroscope y", "gyroscope z",
            "accelerometer x", "accelerometer y", "accelerometer z"]
    missing = [w for w in want if w not in found]
    if missing:
        raise InputFormatError(path, f"columns {missing} not found", EXPECTED)
    if found["time"][1] != "s":
        raise UnitError(path, f"time unit is ({found['time'][1]})", "(s)")
    gu = {found[w][1] for w in want[1:4]}
    au = {found[w][1] for w in want[4:]}
    if len(gu) != 1 or next(iter(gu)) not in GYR_SCALE:
        raise UnitError(path, f"gyroscope units are {sorted(gu)}", "(deg/s) or (rad/s)")
    if len(au) != 1 or next(iter(au)) not in ACC_SCALE:
        raise UnitError(path, f"accelerometer units are {sorted(au)}", "(g) or (m/s^2)")
    data = numeric_table(path, lines[1:], len(header), EXPECTED, 2, time_col=found["time"][0],
                         time_name=f"time column {header[found['time'][0]].strip()!r}",
                         stamp="a time stamp in seconds")
    t_s = np.ascontiguousarray(data[:, found["time"][0]])
    gyr = np.ascontiguousarray(data[:, [found[w][0] for w in want[1:4]]] * GYR_SCALE[gu.pop()])
    acc = np.ascontiguousarray(data[:, [found[w][0] for w in want[4:]]] * ACC_SCALE[au.pop()])
    return SensorRecording(name, placement, fs_from_time(t_s), t_s, acc, gyr,
                           meta={"format": "xio_csv", "file": str(path)})
