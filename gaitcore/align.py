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

import numpy as np

from ._strapdown_kernel import integrate_velocity
from .quaternion import rotation_between
from .signals import GRAVITY_MPS2

STILL_GYR_DPS = 20.0
STILL_ACC_TOL_MPS2 = 0.6
STILL_WIN_S = 0.1
MOVING_GYR_DPS = 60.0
LOW_MOTION_FRACTION = 0.1
LOW_MOTION_MIN_DPS = 30.0
MIN_STRIDE_S = 0.12
MAX_STRIDE_S = 3.0
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


def still_mask(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float) -> np.ndarray:
    """Samples inside a window of ``STILL_WIN_S`` where the foot is quasi-static."""
    gn = np.linalg.norm(gyr_dps_sf, axis=1)
    an = np.abs(np.linalg.norm(acc_mps2_sf, axis=1) - GRAVITY_MPS2)
    ok = (gn < STILL_GYR_DPS) & (an < STILL_ACC_TOL_MPS2)
    ok &= np.isfinite(gn) & np.isfinite(an)
    w = max(1, int(round(STILL_WIN_S * fs_hz)))
    c = np.concatenate([[0], np.cumsum(~ok)])
    full = np.zeros_like(ok)
    if len(ok) >= w:
        win_ok = (c[w:] - c[:-w]) == 0
        for k in range(w):
            full[k:k + len(win_ok)] |= win_ok
    return full


def _stride_displacement(acc: np.ndarray, gyr_rad: np.ndarray, fs_hz: float, a: int,
                         b: int) -> tuple[np.ndarray, float]:
    """Horizontal displacement over [a, b] in the sensor frame at ``a``, and closure.

    Closure is |v(b)| / max |v| before the drift correction: near 0 when both
    ends really are stance instants, near 1 when one end is mid-swing.
    """
    g_s = acc[a] / np.linalg.norm(acc[a])
    r0 = rotation_between(g_s, np.array([0.0, 0.0, 1.0]))  # world <- sensor, yaw arbitrary
    dt = 1.0 / fs_hz
    vel = np.empty((b - a + 1, 3))
    integrate_velocity(np.ascontiguousarray(acc[a:b + 1]), np.ascontiguousarray(gyr_rad[a:b + 1]),
                       dt, np.ascontiguousarray(r0), GRAVITY_MPS2, vel)
    speed = np.linalg.norm(vel, axis=1)
    closure = float(speed[-1] / speed.max()) if speed.max() > 0 else 1.0
    drift = np.linspace(0, 1, b - a + 1)[:, None] * vel[-1]
    d = np.sum(vel - drift, axis=0) * dt
    d[2] = 0.0
    return r0.T @ d, closure


def _low_motion_marks(gn: np.ndarray, finite: np.ndarray, fs_hz: float) -> list[int]:
    """The least-rotating sample of each low-motion stretch."""
    w = max(1, int(round(0.01 * fs_hz)))
    g = np.convolve(np.where(finite, gn, np.inf), np.ones(w) / w, mode="same")
    ok = np.isfinite(g)
    if not ok.any():
        return []
    thr = max(LOW_MOTION_MIN_DPS, LOW_MOTION_FRACTION * float(np.percentile(g[ok], 95)))
    low = ok & (g < thr)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], low.astype(np.int8), [0]])))
    return [a + int(np.argmin(g[a:b])) for a, b in zip(edges[::2], edges[1::2])]


def _landing_marks(acc: np.ndarray, marks: list[int], fs_hz: float) -> list[int]:
    """The first low-motion mark after each impact: stance instants whatever the sign of y."""
    jerk = np.linalg.norm(np.diff(acc, axis=0), axis=1) * fs_hz
    hits = np.flatnonzero(np.nan_to_num(jerk) > IMPACT_JERK_MPS3) + 1
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


def _direction_votes(acc, gyr_rad, fs_hz, marks, forward, max_closure) -> list[float]:
    """Cosines between ``forward`` and each closing stride's displacement."""
    votes: list[float] = []
    i = 0
    while i < len(marks) - 1 and len(votes) < MAX_VOTES:
        best = None
        for j in range(i + 1, min(i + 4, len(marks))):
            if not MIN_STRIDE_S * fs_hz <= marks[j] - marks[i] <= MAX_STRIDE_S * fs_hz:
                continue
            d, closure = _stride_displacement(acc, gyr_rad, fs_hz, marks[i], marks[j])
            if closure < max_closure and np.linalg.norm(d) > MIN_STRIDE_M and (
                    best is None or closure < best[0]):
                best = (closure, j, d)
                if closure < MAX_CLOSURE:
                    break
        if best is None:
            i += 1
            continue
        d = best[2]
        votes.append(float(np.dot(forward, d / np.linalg.norm(d))))
        i = best[1]
    return votes


def estimate_alignment(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float) -> Alignment:
    acc = np.asarray(acc_mps2_sf, dtype=np.float64)
    gyr = np.asarray(gyr_dps_sf, dtype=np.float64)
    finite = np.all(np.isfinite(acc), axis=1) & np.all(np.isfinite(gyr), axis=1)
    still = still_mask(acc, gyr, fs_hz) & finite
    quality = 1.0
    if still.sum() >= max(3, int(0.05 * fs_hz)):
        g = acc[still].mean(axis=0)
    else:
        g = acc[finite].mean(axis=0)
        quality = 0.5
    z = g / np.linalg.norm(g)
    gn = np.linalg.norm(gyr, axis=1)
    moving = finite & (gn > MOVING_GYR_DPS)
    if moving.sum() < 10:
        # No swing seen: keep gravity, choose an arbitrary horizontal pair.
        y = np.cross(z, [1.0, 0, 0]) if abs(z[0]) < 0.9 else np.cross(z, [0, 1.0, 0])
        y /= np.linalg.norm(y)
        return Alignment(np.vstack([np.cross(y, z), y, z]), int(still.sum()), 0, 0.0)
    w = gyr[moving]
    cov = w.T @ w
    evals, evecs = np.linalg.eigh(cov)
    y = evecs[:, -1]
    y = y - np.dot(y, z) * z
    y /= np.linalg.norm(y)
    # Sign from the direction of travel over strides bounded by low-motion instants.
    marks = _low_motion_marks(gn, finite, fs_hz)
    gyr_rad = np.radians(gyr)
    votes = _direction_votes(acc, gyr_rad, fs_hz, marks, np.cross(y, z), MAX_CLOSURE)
    if not votes:
        # Dynamic drills: no stride closes well, because even the stance's least-rotating
        # instant carries the tangential acceleration of the roll-over.  Only stances that
        # follow an impact bound the strides then, so a mid-swing pause cannot.
        landings = _landing_marks(acc, marks, fs_hz)
        votes = _direction_votes(acc, gyr_rad, fs_hz, landings, np.cross(y, z), FALLBACK_CLOSURE)
    if not votes:
        votes = _direction_votes(acc, gyr_rad, fs_hz, marks, np.cross(y, z), FALLBACK_CLOSURE)
    if votes:
        if np.sum(votes) < 0:
            y = -y
        agree = abs(float(np.mean(np.sign(votes))))
        quality *= agree
    else:
        quality *= 0.5
    x = np.cross(y, z)
    return Alignment(np.vstack([x, y, z]), int(still.sum()), len(votes), float(quality))
