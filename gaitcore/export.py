"""Export a recording (any readable input, sessions included) for other tools.

* ``csv``: the gaitmap-style CSV the field's other tools read: header rows ``sensor``
  / ``axis`` (``acc_x..acc_z`` m/s^2, ``gyr_x..gyr_z`` deg/s), an index column of sample
  numbers, one row per sample period.  All sensors share the rows, so they must run at
  one rate; each sample goes to the row nearest its time on the session clock (at most
  half a period off), and a row a sensor has no sample for (a gap, or before it
  started) stays empty, never filled in: read back, the empty rows are the same lost
  samples (:mod:`gaitcore.readers.gaitmap_csv`).  A sample that is there but holds a
  NaN value is written ``nan``, so it stays a bad sample and not a lost one.  Values
  are written in full precision, so reading the file back gives the same numbers.
  Read it with ``--fs`` (the header says nothing of the rate).
* ``parquet`` (needs pyarrow: ``pip install 'sprintgait[parquet]'``): one row per
  sample, columns ``sensor, sample, t_s, acc_x..gyr_z``; nothing is put on a common
  grid, so sensors at different rates are fine.

Files appear whole or not at all (written to a temporary name, then renamed).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .atomic_file import write_atomic
from .errors import GaitError, UsageError
from .signals import Recording

AXES = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")


def to_gaitmap_csv(recording: Recording, path: Path) -> dict:
    """Write ``recording`` as gaitmap CSV; returns {rows, fs_hz, empty cells per sensor,
    samples left out per sensor}.  A sensor whose clock runs faster than the common rate
    (a pod's crystal, tens of ppm) has now and then two samples nearest one row: the
    first is written and the second left out, counted in ``left_out`` (the rows are the
    only clock a gaitmap CSV has; Parquet keeps every sample)."""
    rates = {round(s.fs_hz, 6) for s in recording.sensors}
    if len(rates) != 1:
        raise UsageError(f"the sensors run at different rates ({sorted(rates)} Hz) and a gaitmap CSV has one row "
                         "per sample of all of them; export to parquet instead (--to parquet)")
    fs = float(rates.pop())
    t0 = min(float(s.t_s[0]) for s in recording.sensors)
    rows = [np.rint((s.t_s - t0) * fs).astype(np.int64) for s in recording.sensors]
    n = int(max(r.max() for r in rows)) + 1
    table = np.full((n, 6 * len(recording.sensors)), np.nan)
    present = np.zeros((n, len(recording.sensors)), dtype=np.bool_)
    empty, left_out = {}, {}
    for j, (s, r) in enumerate(zip(recording.sensors, rows)):
        first = np.r_[True, np.diff(r) > 0]    # two samples nearest one row (clock drift): the first
        table[r[first], 6 * j:6 * j + 3] = s.acc_mps2_sf[first]
        table[r[first], 6 * j + 3:6 * j + 6] = s.gyr_dps_sf[first]
        present[r[first], j] = True
        empty[s.name] = int(n - present[:, j].sum())
        left_out[s.name] = int((~first).sum())

    def write(f):
        names = [s.name for s in recording.sensors]
        f.write(("sensor," + ",".join(name for name in names for _ in AXES) + "\n").encode())
        f.write(("axis," + ",".join(a for _ in names for a in AXES) + "\n").encode())
        empty_row = [""] * 6
        for k in range(n):
            cells = []
            for j, here in enumerate(present[k].tolist()):
                cells += [repr(float(v)) for v in table[k, 6 * j:6 * j + 6].tolist()] if here else empty_row
            f.write((f"{k}," + ",".join(cells) + "\n").encode())

    write_atomic(path, write, private=True)
    return {"rows": n, "fs_hz": fs, "empty_cells": empty, "left_out": left_out}


def to_parquet(recording: Recording, path: Path) -> dict:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise GaitError("parquet export needs pyarrow; install it with: pip install 'sprintgait[parquet]'") from None
    cols: dict[str, list] = {"sensor": [], "sample": [], "t_s": [], **{a: [] for a in AXES}}
    for s in recording.sensors:
        n = s.n_samples
        cols["sensor"].append(np.array([s.name] * n, dtype=object))
        cols["sample"].append(np.arange(n))
        cols["t_s"].append(s.t_s)
        for c, a in enumerate(AXES):
            cols[a].append(s.acc_mps2_sf[:, c] if c < 3 else s.gyr_dps_sf[:, c - 3])
    table = pa.table({k: np.concatenate(v) for k, v in cols.items()})
    table = table.replace_schema_metadata({"units": "t_s s; acc m/s^2; gyr deg/s",
                                           "fs_hz": ",".join(f"{s.name}={s.fs_hz:g}" for s in recording.sensors)})
    write_atomic(path, lambda f: pq.write_table(table, f), private=True)
    return {"rows": table.num_rows}
