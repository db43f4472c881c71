"""Sensor-to-foot alignment found from the signals alone (no hand-entered rotations).

Foot frame (``_ff``): x forward (direction of travel), y to the athlete's left,
z up, right-handed.  The rotation is found in three steps:

1. z: gravity, the mean specific force over still periods (gyroscope norm and
   acceleration norm steady), as in the static-period levelling of
   Skog et al., "Zero-velocity detection - an algorithm evaluation", IEEE TBME 2010.
2. y: the dominant rotation axis of the swing phases, the principal eigenvector
   of the angular-rate covariance over moving samples, made orthogonal to z.
3. the sign of y: forward must be the direction of travel; each stride between
   two still periods is integrated (strapdown, velocity forced to zero at both
   ends) and the mean horizontal displacement gives forward = y x z.  Strides
   are bounded by the least-rotating instant of each low-motion stretch (rate
   below 10% of the recording's 95th-percentile rate), which even a sprint's
   90 ms stance has while the foot pivots on the ball; only segments whose
   integrated velocity closes (end speed < 30% of peak) are stance to stance.
   When none closes that well (strides of a few tens of cm, where the start
   attitude error dominates), each start's best-closing segment below 80% votes.

Without any still period (a recording that starts at a sprint) gravity falls
back to the mean specific force over the whole buffer, which is tilted by the
foot's mean pitch; the result then carries ``quality < 1``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._align_kernel import direction_votes, low_motion_marks_of_rate, max_strides, motion_summary
from .signals import GRAVITY_MPS2, MAX_STRIDE_S

STILL_GYR_DPS = 20.0
STILL_ACC_TOL_MPS2 = 0.6
STILL_WIN_S = 0.1
MOVING_GYR_DPS = 60.0
LOW_MOTION_FRACTION = 0.1
LOW_MOTION_MIN_DPS = 30.0
MIN_STRIDE_S = 0.12
REMOUNT_DEG = 20.0   # a mounting given (gaitcore.mounting) this far from what a recording shows is told
MIN_STRIDE_M = 0.1
MAX_CLOSURE = 0.3
FALLBACK_CLOSURE = 0.8  # short strides (fast feet): attitude error dominates closure
MAX_VOTES = 20
IMPACT_JERK_MPS3 = 10000.0  # as the event kernel's impact onset
LANDING_WINDOW_S = 0.25


@dataclass(frozen=True)
class Alignment:
    """``rot_ff_sf`` maps sensor-frame vectors to the foot frame: v_ff = R @ v_sf."""

    rot_ff_sf: np.ndarray
    n_still: int
    n_strides_used: int
    quality: float
    up_from_standing: bool = True   # False: up is the mean specific force, tilted by the foot's mean pitch


def _cross(a, b) -> np.ndarray:
    """3-vector cross product (np.cross costs ~10 us per call)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def _summary(acc: np.ndarray, gyr: np.ndarray, fs_hz: float):
    n = acc.shape[0]
    gn = np.empty(n)
    still = np.empty(n, dtype=np.bool_)
    sums = np.empty(8)
    cov = np.empty((3, 3))
    win = max(1, int(round(STILL_WIN_S * fs_hz)))
    n_moving = motion_summary(acc, gyr, STILL_GYR_DPS, STILL_ACC_TOL_MPS2, GRAVITY_MPS2, win,
                              MOVING_GYR_DPS, gn, still, sums, cov)
    return gn, still, sums, cov, n_moving


def still_mask(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float) -> np.ndarray:
    """Samples inside a window of ``STILL_WIN_S`` where the foot is quasi-static."""
    acc = np.ascontiguousarray(acc_mps2_sf, dtype=np.float64)
    gyr = np.ascontiguousarray(gyr_dps_sf, dtype=np.float64)
    return _summary(acc, gyr, fs_hz)[1]


def _low_motion_marks(gn: np.ndarray, fs_hz: float) -> np.ndarray:
    """The least-rotating sample of each low-motion stretch."""
    out = np.empty(gn.shape[0], dtype=np.int64)
    n = low_motion_marks_of_rate(gn, max(1, int(round(0.01 * fs_hz))), LOW_MOTION_FRACTION,
                                 LOW_MOTION_MIN_DPS, out)
    return out[:n]


def impact_samples(acc: np.ndarray, fs_hz: float, jerk_mps3: float = IMPACT_JERK_MPS3) -> np.ndarray:
    """The samples (indices into ``acc``) that end a step in acceleration whose jerk (norm of
    the sample difference, m/s^3) is over ``jerk_mps3``: impacts, whatever the alignment."""
    jerk = np.linalg.norm(np.diff(acc, axis=0), axis=1) * fs_hz
    return np.flatnonzero(np.nan_to_num(jerk) > jerk_mps3) + 1


def _landing_marks(acc: np.ndarray, marks: list[int], fs_hz: float) -> list[int]:
    """The first low-motion mark after each impact: stance instants whatever the sign of y."""
    hits = impact_samples(acc, fs_hz)
    out: list[int] = []
    m = np.asarray(marks)
    last = -np.inf
    for h in hits:
        if h - last < MIN_STRIDE_S * fs_hz:
            continue
        last = h
        k = np.searchsorted(m, h)
        if k < m.size and m[k] - h <= LANDING_WINDOW_S * fs_hz and (not out or out[-1] != m[k]):
            out.append(int(m[k]))
    return out


def _direction_votes(acc, gyr_dps, fs_hz, marks, forward, max_closure, need: int) -> tuple[list[float], list[int]]:
    """Cosines between ``forward`` and each closing stride's displacement (fewer than
    all once there are some but ``need`` of them can no longer be reached), and each
    voting stride's length in samples."""
    out = np.empty(MAX_VOTES)
    spans = np.empty(MAX_VOTES, dtype=np.int64)
    n = direction_votes(acc, gyr_dps, float(fs_hz),
                        np.asarray(marks, dtype=np.int64), np.ascontiguousarray(forward, dtype=np.float64),
                        max_closure, MAX_CLOSURE, MIN_STRIDE_S, MAX_STRIDE_S, MIN_STRIDE_M, GRAVITY_MPS2, need,
                        out, spans)
    return out[:n].tolist(), spans[:n].tolist()


def estimate_alignment(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float) -> Alignment:
    """The sensor-to-foot rotation from these samples (method: module docstring)."""
    al = warmup_alignment(acc_mps2_sf, gyr_dps_sf, fs_hz, 0)
    assert al is not None
    return al


def _axes(sums: np.ndarray, cov: np.ndarray, n_moving: int, fs_hz: float) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """From :func:`_summary`'s sums: (up, the dominant rotation axis made orthogonal to
    it or None with fewer than 10 moving samples, whether up came from still samples
    rather than the mean specific force over everything)."""
    n_still = int(sums[3])
    standing = n_still >= max(3, int(0.05 * fs_hz))
    g = sums[:3] / n_still if standing else sums[4:7] / max(sums[7], 1.0)
    z = g / np.sqrt(g @ g)
    if n_moving < 10:
        return z, None, standing
    y = np.linalg.eigh(cov)[1][:, -1]
    y = y - (y @ z) * z
    return z, y / np.sqrt(y @ y), standing


def up_and_swing_axis(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray,
                      fs_hz: float) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Steps 1 and 2 of the alignment for any segment (sensor frame): up from still
    periods (else the mean specific force), the swing's rotation axis orthogonal to it
    (None without swing), and whether up came from standing."""
    acc = np.ascontiguousarray(acc_mps2_sf, dtype=np.float64)
    gyr = np.ascontiguousarray(gyr_dps_sf, dtype=np.float64)
    _, _, sums, cov, n_moving = _summary(acc, gyr, fs_hz)
    return _axes(sums, cov, n_moving, fs_hz)


class WarmupAttempt(NamedTuple):
    """What one warm-up attempt found: the alignment (None with fewer than the strides
    asked for), how many strides voted and their median length (s, the upper median; NaN without votes),
    so that the next attempt can wait for the strides that are missing."""

    alignment: Alignment | None
    n_votes: int
    stride_s: float


def warmup_alignment(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float,
                     min_strides: int) -> Alignment | None:
    """As :func:`estimate_alignment`, but None when fewer than ``min_strides`` strides
    vote (:func:`warmup_attempt`)."""
    return warmup_attempt(acc_mps2_sf, gyr_dps_sf, fs_hz, min_strides).alignment


def warmup_attempt(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float,
                   min_strides: int) -> WarmupAttempt:
    """:func:`estimate_alignment` needing ``min_strides`` voting strides; found at once
    when fewer could (:func:`_align_kernel.max_strides`), which spares the strapdown of a
    warm-up attempt that cannot succeed, and as soon as the votes can no longer reach it
    (so ``n_votes`` of a failed attempt may count fewer than the samples hold)."""
    acc = np.ascontiguousarray(acc_mps2_sf, dtype=np.float64)
    gyr = np.ascontiguousarray(gyr_dps_sf, dtype=np.float64)
    gn, _, sums, cov, n_moving = _summary(acc, gyr, fs_hz)
    marks = _low_motion_marks(gn, fs_hz)
    if min_strides and max_strides(marks, MIN_STRIDE_S * fs_hz) < min_strides:
        return WarmupAttempt(None, 0, np.nan)
    n_still = int(sums[3])
    z, y, standing = _axes(sums, cov, n_moving, fs_hz)
    quality = 1.0 if standing else 0.5
    if y is None:
        # No swing seen: keep gravity, choose an arbitrary horizontal pair.
        y = _cross(z, [1.0, 0, 0]) if abs(z[0]) < 0.9 else _cross(z, [0, 1.0, 0])
        y /= np.linalg.norm(y)
        return WarmupAttempt(Alignment(np.vstack([_cross(y, z), y, z]), n_still, 0, 0.0, bool(standing)), 0, np.nan)
    # Sign from the direction of travel over strides bounded by low-motion instants.
    votes, spans = _direction_votes(acc, gyr, fs_hz, marks, _cross(y, z), MAX_CLOSURE, min_strides)
    if not votes:
        # Dynamic drills: no stride closes well, because even the stance's least-rotating
        # instant carries the tangential acceleration of the roll-over.  Only stances that
        # follow an impact bound the strides then, so a mid-swing pause cannot.
        landings = _landing_marks(acc, marks, fs_hz)
        votes, spans = _direction_votes(acc, gyr, fs_hz, landings, _cross(y, z), FALLBACK_CLOSURE, min_strides)
    if not votes:
        votes, spans = _direction_votes(acc, gyr, fs_hz, marks, _cross(y, z), FALLBACK_CLOSURE, min_strides)
    stride_s = sorted(spans)[len(spans) // 2] / fs_hz if spans else np.nan   # (np.median: 20 us a call)
    if len(votes) < min_strides:
        return WarmupAttempt(None, len(votes), stride_s)
    if votes:
        if sum(votes) < 0:
            y = -y
        quality *= abs(sum((v > 0) - (v < 0) for v in votes) / len(votes))
    else:
        quality *= 0.5
    x = _cross(y, z)
    return WarmupAttempt(Alignment(np.vstack([x, y, z]), n_still, len(votes), float(quality), bool(standing)),
                         len(votes), stride_s)
