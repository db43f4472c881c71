"""Sample-level quality: clipping at full scale, gaps, bad samples.

Full scale comes from the recording (device header) when known.  Otherwise each
axis and sign is checked for clipping on its own (:func:`_quality_kernel.clip_levels`):
its largest value held for ``FLAT_TOP_MIN`` samples (a raw clipped signal), or the
signal's excursions piling up at one level (a clipped signal calibrated after the
ADC: the plateau jitters by a fraction of a percent, and the limit differs per axis
and sign, as in the PyShoe VN-100 recordings at 520-560 deg/s and the gaitmap
NilsPods at 16 g).  Only levels above ``MIN_CLIP_ACC_MPS2`` / ``MIN_CLIP_GYR_DPS`` count.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._quality_kernel import (GAP_DROPPED, GAP_REVERSAL, beyond_rows, clean_steps_sure, clip_levels, clipped_rows,
                              clock_gaps, finite_rows, near_period_spread, repeated_rows)
from .signals import GRAVITY_MPS2, SensorRecording, true_runs

CLIP_MARGIN = 0.995
FLAT_TOP_MIN = 2
PILE_EXCURSION = 0.9   # excursions above this fraction of the largest value ...
PILE_NEAR = 0.01       # ... that peak within 1% of it ...
PILE_MIN_TOPS = 3      # ... at least three times ...
PILE_MIN_SHARE = 0.4   # ... and for 40% of them: a clipped plateau
GAP_FACTOR = 1.5    # a sample this many periods later than the running clock follows a gap ...
DROP_FACTOR = 0.5   # ... or this many, when the time stamps are clean (clock_tolerance_periods)
CLEAN_STEP_SPREAD = 0.01   # clean: 99% of the one-period steps within 1% of their median ...
CLEAN_RATE_MATCH = 0.002   # ... and that median within 0.2% of the period the rate declares
CLOCK_TRACK = 0.01  # how far the running clock moves towards each sample (absorbs rate error)
BRIDGE_S = 0.02     # a drop this short is reported but processing runs on across it ...
BRIDGE_SLACK = 1e-3  # ... give or take this fraction of it (bridged_drops)
MIN_CLIP_ACC_MPS2 = 4 * GRAVITY_MPS2
MIN_CLIP_GYR_DPS = 500.0
# No body-worn IMU measures beyond these (1000 g, 280 turns/s): a value past them is a
# corrupted reading, not motion.
PLAUSIBLE_ACC_MPS2 = 1.0e4
PLAUSIBLE_GYR_DPS = 1.0e5


@dataclass(frozen=True)
class Gap:
    """A stretch without valid samples.  ``kind``: dropped | time_reversal | nan;
    ``bridged``: a drop short enough that processing ran on across it (:func:`bridged_drops`)."""

    sensor: str
    kind: str
    start_s: float
    end_s: float
    n_samples: int
    bridged: bool = False

    def as_dict(self) -> dict:
        return {"sensor": self.sensor, "kind": self.kind, "start_s": round(self.start_s, 4),
                "end_s": round(self.end_s, 4), "n_samples": self.n_samples, "bridged": self.bridged}


def bridged_drops(kind: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Per sample: it follows a drop of at most ``BRIDGE_S`` (a few lost radio packets),
    which is reported but bridged; every other gap starts processing afresh.

    The lag of n lost samples is n periods of the time stamps' own clock: a pod's crystal
    tens of ppm off the host's, and the running clock's floating-point rounding
    (1e-13 s), put a drop of exactly ``BRIDGE_S`` on either side of it at random, and a
    session and its CSV export (stamps exact on the row grid) would class it apart.
    ``BRIDGE_SLACK`` (0.1%, 20 us) absorbs both and is less than one period at any rate
    below 50 kHz, so the number of samples lost decides, as in the live display."""
    return (kind == GAP_DROPPED) & (lag <= BRIDGE_S * (1.0 + BRIDGE_SLACK))


def _levels(x: np.ndarray, declared: float | None, floor: float) -> np.ndarray:
    if declared:
        return np.full((3, 2), float(declared))
    out = np.empty((3, 2))
    clip_levels(np.ascontiguousarray(x, dtype=np.float64), floor, FLAT_TOP_MIN, PILE_EXCURSION, PILE_NEAR,
                PILE_MIN_TOPS, PILE_MIN_SHARE, out)
    return out


def full_scale(sensor: SensorRecording) -> tuple[np.ndarray, np.ndarray]:
    """Where the sensor clips: (acc m/s^2, gyr deg/s), each 3 x 2 (axis; magnitude on
    the positive and on the negative side), inf where an axis does not clip.  The
    declared range when the recording has one, else inferred from the signal."""
    return (_levels(sensor.acc_mps2_sf, sensor.acc_range_mps2, MIN_CLIP_ACC_MPS2),
            _levels(sensor.gyr_dps_sf, sensor.gyr_range_dps, MIN_CLIP_GYR_DPS))


def clipped_mask(sensor: SensorRecording, acc_limits_mps2: np.ndarray, gyr_limits_dps: np.ndarray) -> np.ndarray:
    """True for every sample with any axis at (or beyond) its full scale
    (limits as returned by :func:`full_scale`)."""
    m = np.empty(sensor.n_samples, dtype=np.bool_)
    clipped_rows(np.ascontiguousarray(sensor.acc_mps2_sf), np.ascontiguousarray(sensor.gyr_dps_sf),
                 np.ascontiguousarray(acc_limits_mps2, dtype=np.float64),
                 np.ascontiguousarray(gyr_limits_dps, dtype=np.float64), CLIP_MARGIN, m)
    return m


def implausible_rows(acc_mps2: np.ndarray, gyr_dps: np.ndarray) -> np.ndarray:
    """True for each row (n x 3 each) holding a value beyond ``PLAUSIBLE_*``."""
    acc = np.ascontiguousarray(acc_mps2, dtype=np.float64).reshape(-1, 3)
    gyr = np.ascontiguousarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
    if acc.shape != gyr.shape:
        raise ValueError(f"acc and gyr rows differ: {acc.shape} and {gyr.shape}")
    out = np.empty(acc.shape[0], dtype=np.bool_)
    beyond_rows(acc, gyr, PLAUSIBLE_ACC_MPS2, PLAUSIBLE_GYR_DPS, out)
    return out


def implausible_as_missing(sensor: SensorRecording) -> SensorRecording:
    """The sensor with every row holding a value beyond ``PLAUSIBLE_*`` made unreadable (all
    six axes NaN), so that it is repaired (and counted) or reported as the gap it is instead
    of entering the filters as motion (one gyro value of 1e300 nulled 10 of 15 strides
    without a word)."""
    bad = implausible_rows(sensor.acc_mps2_sf, sensor.gyr_dps_sf)
    if not bad.any():
        return sensor
    acc, gyr = sensor.acc_mps2_sf.copy(), sensor.gyr_dps_sf.copy()
    acc[bad] = np.nan
    gyr[bad] = np.nan
    return replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr)


def finite_mask(sensor: SensorRecording) -> np.ndarray:
    """True where time and all six axes are finite."""
    m = np.empty(sensor.n_samples, dtype=np.bool_)
    finite_rows(np.ascontiguousarray(sensor.t_s, dtype=np.float64), np.ascontiguousarray(sensor.acc_mps2_sf),
                np.ascontiguousarray(sensor.gyr_dps_sf), m)
    return m


def new_clock(tol_periods: float = GAP_FACTOR) -> np.ndarray:
    """State of :func:`clock_check` before the first sample: a sample later than the
    running clock by more than ``tol_periods`` periods follows a gap."""
    return np.array([np.nan, np.nan, 0.0, float(tol_periods)])


def clock_tolerance_periods(t_s: np.ndarray, fs_hz: float) -> float:
    """How late (in periods) a sample may come before it counts as after a gap.

    Time stamps that jitter (a host's arrival times, packet-quantised stamps) need
    ``GAP_FACTOR``; in clean ones (a device's own sample clock: 99% of the steps
    near one period lie within ``CLEAN_STEP_SPREAD`` of their median) a step of two
    periods is one lost sample, and ``DROP_FACTOR`` reports it, so that the filters
    integrate over the time that passed instead of losing it (the x-io loops lose 0.25%
    of their duration in single lost samples).  The stamps' own period must also match
    the declared rate within ``CLEAN_RATE_MATCH``: the running clock trails a rate error e
    by e / ``CLOCK_TRACK`` periods, and at 0.5-1% that lag alone would cross half a period.
    """
    t = np.ascontiguousarray(t_s, dtype=np.float64)
    if clean_steps_sure(t, float(fs_hz), CLEAN_RATE_MATCH, CLEAN_STEP_SPREAD):
        return DROP_FACTOR      # the sort below decides the same, slower (28 us on 8000 steps)
    spread = np.zeros(2)
    if near_period_spread(t, float(fs_hz), np.empty(max(t.shape[0] - 1, 0)), spread) < 2:
        return GAP_FACTOR
    mid, q99 = spread
    if abs(mid - 1.0) > CLEAN_RATE_MATCH or q99 > CLEAN_STEP_SPREAD:
        return GAP_FACTOR
    return DROP_FACTOR


def duplicate_rows(sensor: SensorRecording) -> np.ndarray:
    """True for each row that repeats the row before it: the same time stamp and the
    same six values (equal as numbers: -0.0 repeats 0.0, NaN never repeats).  No sensor gives that twice; a logger that re-sends
    a sample does (the x-io walks: 205 and 252 such rows, each after a lost sample)."""
    n = sensor.n_samples
    if sensor.acc_mps2_sf.shape != (n, 3) or sensor.gyr_dps_sf.shape != (n, 3):
        raise ValueError(f"sensor {sensor.name}: acc {sensor.acc_mps2_sf.shape} and gyr "
                         f"{sensor.gyr_dps_sf.shape} do not hold {n} rows of 3")
    dup = np.empty(n, dtype=np.bool_)
    repeated_rows(np.ascontiguousarray(sensor.t_s, dtype=np.float64), np.ascontiguousarray(sensor.acc_mps2_sf),
                  np.ascontiguousarray(sensor.gyr_dps_sf), dup)
    return dup


def drop_duplicate_rows(sensor: SensorRecording) -> tuple[SensorRecording, np.ndarray]:
    """The sensor without its :func:`duplicate_rows`, and those rows (a mask over the rows
    as given)."""
    dup = duplicate_rows(sensor)
    if not dup.any():
        return sensor, dup
    keep = ~dup
    return replace(sensor, t_s=sensor.t_s[keep], acc_mps2_sf=sensor.acc_mps2_sf[keep],
                   gyr_dps_sf=sensor.gyr_dps_sf[keep]), dup


def clock_check(t_s: np.ndarray, clock: np.ndarray, fs_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gap kinds (GAP_*) and lateness (s) per sample, tolerant of time-stamp jitter
    (:func:`gaitcore._quality_kernel.clock_gaps`), continuing from ``clock``; returns
    (kind, lag, new clock)."""
    kind = np.empty(t_s.shape[0], dtype=np.int8)
    lag = np.empty(t_s.shape[0])
    c = np.array(clock, dtype=np.float64)
    clock_gaps(np.ascontiguousarray(t_s, dtype=np.float64), c, 1.0 / fs_hz, float(c[3]), CLOCK_TRACK, kind, lag)
    return kind, lag, c


def gap_kinds(sensor: SensorRecording) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: the GAP_* kind of the interval before it and how late it came (s)."""
    kind, lag, _ = clock_check(sensor.t_s, new_clock(clock_tolerance_periods(sensor.t_s, sensor.fs_hz)),
                               sensor.fs_hz)
    return kind, lag


def clock_gaps_of(sensor: str, t_s: np.ndarray, t_before_s: float, kind: np.ndarray, lag: np.ndarray,
                  fs_hz: float) -> list[tuple[int, Gap]]:
    """The gaps the clock check found in rows with times ``t_s`` (``kind``/``lag`` from
    :func:`clock_check`; ``t_before_s``: the time of the row before the first), each with its
    row: the dropped stretches (in lost samples at the nominal rate, and whether bridged:
    :func:`bridged_drops`), then the time reversals."""
    if not kind.any():      # (GAP_NONE is 0)
        return []
    nominal = 1.0 / fs_hz
    bridged = bridged_drops(kind, lag)

    def before(k: int) -> float:
        return float(t_s[k - 1]) if k > 0 else t_before_s
    return [(k, Gap(sensor, "dropped", before(k), float(t_s[k]), max(1, int(round(lag[k] / nominal))),
                    bool(bridged[k]))) for k in np.flatnonzero(kind == GAP_DROPPED).tolist()] \
        + [(k, Gap(sensor, "time_reversal", before(k), float(t_s[k]), 0))
           for k in np.flatnonzero(kind == GAP_REVERSAL).tolist()]


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
        for a, b in true_runs(bad):
            if b - a == 1 and 0 < a < n - 1 and np.isfinite(t[a]):
                acc[a] = 0.5 * (acc[a - 1] + acc[a + 1])
                gyr[a] = 0.5 * (gyr[a - 1] + gyr[a + 1])
                repaired += 1
            else:
                t0 = float(t[a]) if np.isfinite(t[a]) else float("nan")
                t1 = float(t[b - 1]) if np.isfinite(t[b - 1]) else float("nan")
                gaps.append(Gap(sensor.name, "nan", t0, t1, int(b - a)))
    kind, lag = gap_kinds(sensor) if clock is None else clock
    if not (kind == GAP_DROPPED).any() and not (kind == GAP_REVERSAL).any():
        return sensor if not repaired else replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr), gaps, repaired
    gaps += [g for _, g in clock_gaps_of(sensor.name, t, float("nan"), kind, lag, sensor.fs_hz)]
    gaps.sort(key=lambda g: (g.start_s if np.isfinite(g.start_s) else -1.0))
    return replace(sensor, acc_mps2_sf=acc, gyr_dps_sf=gyr), gaps, repaired
