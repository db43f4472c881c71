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

from ._quality_kernel import GAP_DROPPED, GAP_REVERSAL, clipped_rows, clock_gaps, finite_rows, flat_tops
from .signals import GRAVITY_MPS2, SensorRecording

CLIP_MARGIN = 0.995
FLAT_TOP_MIN = 2
GAP_FACTOR = 1.5    # a sample this many periods later than the running clock follows a gap
CLOCK_TRACK = 0.01  # how far the running clock moves towards each sample (absorbs rate error)
BRIDGE_S = 0.02     # a drop this short is reported but processing runs on across it
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


def gap_kinds(sensor: SensorRecording) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: the GAP_* kind of the interval before it and how late it came (s)."""
    n = sensor.n_samples
    kind = np.empty(n, dtype=np.int8)
    lag = np.empty(n)
    clock_gaps(np.ascontiguousarray(sensor.t_s, dtype=np.float64), np.array([np.nan, np.nan, 0.0]),
               1.0 / sensor.fs_hz, GAP_FACTOR, CLOCK_TRACK, kind, lag)
    return kind, lag


def repair(sensor: SensorRecording, finite: np.ndarray | None = None,
           clock: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[SensorRecording, list[Gap], int]:
    """Interpolate isolated single bad samples; report every longer defect as a gap.

    Returns the sensor (lone NaN rows linearly interpolated, nothing else
    changed), the gaps (runs of two or more NaN rows, dropped stretches,
    time reversals) and the number of samples repaired.  ``finite`` is
    :func:`finite_mask` of the sensor and ``clock`` its (gap kinds, lateness) from
    :func:`gap_kinds`, if already known.
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
    kind, lag = gap_kinds(sensor) if clock is None else clock
    if not (kind == GAP_DROPPED).any() and not (kind == GAP_REVERSAL).any():
        return sensor if not repaired else replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr), gaps, repaired
    for k in np.flatnonzero(kind == GAP_DROPPED):
        gaps.append(Gap(sensor.name, "dropped", float(t[k - 1]), float(t[k]),
                        max(1, int(round(lag[k] / nominal)))))
    for k in np.flatnonzero(kind == GAP_REVERSAL):
        gaps.append(Gap(sensor.name, "time_reversal", float(t[k - 1]), float(t[k]), 0))
    gaps.sort(key=lambda g: (g.start_s if np.isfinite(g.start_s) else -1.0))
    return replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr), gaps, repaired
