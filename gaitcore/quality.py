"""Sample-level quality: clipping at full scale, gaps, bad samples.

Full scale comes from the recording (device header) when known; otherwise a
flat top is taken as the range: at least ``FLAT_TOP_MIN`` consecutive samples
equal to the largest absolute value of an axis, above ``MIN_CLIP_ACC_MPS2`` /
``MIN_CLIP_GYR_DPS`` (a real signal almost never repeats its maximum exactly;
a clipped one always does).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._quality_kernel import clipped_rows, finite_rows, flat_tops, gap_flags
from .signals import GRAVITY_MPS2, SensorRecording

CLIP_MARGIN = 0.995
FLAT_TOP_MIN = 2
GAP_FACTOR = 1.5  # an interval longer than this many nominal ones is a gap (as in events)
MIN_CLIP_ACC_MPS2 = 4 * GRAVITY_MPS2
MIN_CLIP_GYR_DPS = 500.0


@dataclass(frozen=True)
class Gap:
    """A stretch without valid samples.  ``kind``: dropped | time_reversal | nan."""

    sensor: str
    kind: str
    start_s: float
    end_s: float
    n_samples: int

    def as_dict(self) -> dict:
        return {"sensor": self.sensor, "kind": self.kind, "start_s": round(self.start_s, 4),
                "end_s": round(self.end_s, 4), "n_samples": self.n_samples}


def full_scale(sensor: SensorRecording) -> tuple[float | None, float | None]:
    """(acc m/s^2, gyr deg/s) full-scale ranges: declared, else inferred from flat tops."""
    acc = sensor.acc_range_mps2
    gyr = sensor.gyr_range_dps
    if acc is None or gyr is None:
        tops = np.empty(6)
        flat_tops(np.ascontiguousarray(sensor.acc_mps2_sf), np.ascontiguousarray(sensor.gyr_dps_sf),
                  MIN_CLIP_ACC_MPS2, MIN_CLIP_GYR_DPS, FLAT_TOP_MIN, tops)
        if acc is None and np.isfinite(tops[:3]).any():
            acc = float(np.nanmin(tops[:3]))
        if gyr is None and np.isfinite(tops[3:]).any():
            gyr = float(np.nanmin(tops[3:]))
    return acc, gyr


def clipped_mask(sensor: SensorRecording, acc_range_mps2: float | None,
                 gyr_range_dps: float | None) -> np.ndarray:
    """True for every sample with any axis at (or beyond) full scale."""
    m = np.empty(sensor.n_samples, dtype=np.bool_)
    clipped_rows(np.ascontiguousarray(sensor.acc_mps2_sf), np.ascontiguousarray(sensor.gyr_dps_sf),
                 CLIP_MARGIN * acc_range_mps2 if acc_range_mps2 else 0.0,
                 CLIP_MARGIN * gyr_range_dps if gyr_range_dps else 0.0, m)
    return m


def finite_mask(sensor: SensorRecording) -> np.ndarray:
    """True where time and all six axes are finite."""
    m = np.empty(sensor.n_samples, dtype=np.bool_)
    finite_rows(np.ascontiguousarray(sensor.t_s, dtype=np.float64), np.ascontiguousarray(sensor.acc_mps2_sf),
                np.ascontiguousarray(sensor.gyr_dps_sf), m)
    return m


def repair(sensor: SensorRecording, finite: np.ndarray | None = None) -> tuple[SensorRecording, list[Gap], int]:
    """Interpolate isolated single bad samples; report every longer defect as a gap.

    Returns the sensor (lone NaN rows linearly interpolated, nothing else
    changed), the gaps (runs of two or more NaN rows, dropped stretches,
    time reversals) and the number of samples repaired.  ``finite`` is
    :func:`finite_mask` of the sensor if already known.
    """
    t = sensor.t_s
    bad = ~(finite_mask(sensor) if finite is None else finite)
    gaps: list[Gap] = []
    repaired = 0
    n = sensor.n_samples
    acc, gyr = sensor.acc_mps2_sf, sensor.gyr_dps_sf
    if bad.any():
        acc, gyr = acc.copy(), gyr.copy()
        edges = np.flatnonzero(np.diff(np.concatenate([[0], bad.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2]):
            if b - a == 1 and 0 < a < n - 1 and np.isfinite(t[a]):
                acc[a] = 0.5 * (acc[a - 1] + acc[a + 1])
                gyr[a] = 0.5 * (gyr[a - 1] + gyr[a + 1])
                repaired += 1
            else:
                t0 = float(t[a]) if np.isfinite(t[a]) else float("nan")
                t1 = float(t[b - 1]) if np.isfinite(t[b - 1]) else float("nan")
                gaps.append(Gap(sensor.name, "nan", t0, t1, int(b - a)))
    nominal = 1.0 / sensor.fs_hz
    breaks = np.empty(n, dtype=np.bool_)
    gap_flags(np.ascontiguousarray(t, dtype=np.float64), np.nan, GAP_FACTOR * nominal, breaks)
    if not breaks.any():
        return sensor if not repaired else replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr), gaps, repaired
    dt = np.diff(t)
    with np.errstate(invalid="ignore"):
        for k in np.flatnonzero(dt > GAP_FACTOR * nominal):
            gaps.append(Gap(sensor.name, "dropped", float(t[k]), float(t[k + 1]),
                            int(round(dt[k] / nominal)) - 1))
        for k in np.flatnonzero(dt <= 0):
            gaps.append(Gap(sensor.name, "time_reversal", float(t[k]), float(t[k + 1]), 0))
    gaps.sort(key=lambda g: (g.start_s if np.isfinite(g.start_s) else -1.0))
    return replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr), gaps, repaired
