"""Shank and thigh pods: the segment's sagittal angle from vertical, and its peak in
each swing of the same-side foot (the direct knee-lift measure).

Units: angles in degrees, times in seconds.  Angle convention: 0 = segment vertical
(standing), positive when the distal end is ahead (shank: ankle ahead of the knee;
thigh: knee ahead of the hip).  Reported peaks are the flexion magnitudes in the
swing: ``thigh_angle_peak_deg`` = the largest forward thigh angle (knee drive),
``shank_angle_peak_deg`` = the largest backward shank angle (heel recovery).

Method (the foot pod supplies the timing):
1. The segment's long axis in the sensor frame is gravity at quiet standing (legs
   upright), the sagittal axis the dominant rotation axis of its moving samples made
   orthogonal to it (as for the foot, :mod:`gaitcore.align`); the sign of the
   forward direction is the one that makes the segment rotate forward from the
   foot's toe-off to its next initial contact.
2. Each gait cycle, from one stance anchor of the same-side foot (its least
   rotating sample) to the next, the segment's attitude is integrated from its
   gyroscope relative to the cycle's start, and the specific force, rotated into
   that frame, is averaged over the cycle: the segment moves at the same velocity
   at both ends of a cycle, so its own acceleration averages out and the mean is
   gravity (no single instant works at sprint speed, where the shank's tangential
   acceleration in stance exceeds g several times).  Cycles are pooled into a
   window of at least ``WINDOW_S``.  Where the athlete speeds up or slows down, the
   pod's velocity change over the window (the foot trajectory's speed times
   ``POD_SPEED_FRACTION``) is taken off the mean before it is used as gravity;
   whatever remains tilts the reference by (velocity error) / (g x window).
3. The angle is the up direction's inclination in the segment's sagittal plane.
"""
from __future__ import annotations

import numpy as np

from . import _segment_kernel as K
from .align import up_and_swing_axis
from .signals import Segment, SensorRecording

WINDOW_S = 2.0           # gravity is averaged over whole gait cycles spanning at least this
MAX_INTERVAL_S = 3.0     # longer between references: no angle (the drift model no longer holds)
# The pod's forward speed at the foot's mid-stance as a fraction of the athlete's: the
# stance leg pivots about the ankle (inverted pendulum, hip 0.88 m above the ankle),
# so a pod half-way up the shank moves at 0.215 / 0.88 of the hip's speed, one
# half-way up the thigh at (0.43 + 0.225) / 0.88.
POD_SPEED_FRACTION = {Segment.SHANK: 0.25, Segment.THIGH: 0.74}
PEAK_KEYS = {Segment.SHANK: "shank_angle_peak_deg", Segment.THIGH: "thigh_angle_peak_deg"}


def _axes(acc: np.ndarray, gyr: np.ndarray, fs_hz: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(long axis up, forward axis candidate, quality) in the sensor frame."""
    up, y, standing = up_and_swing_axis(acc, gyr, fs_hz)
    if y is None:
        return up, np.full(3, np.nan), 0.0
    return up, np.cross(y, up), 1.0 if standing else 0.5


def segment_swing_peaks(sensor: SensorRecording, breaks: np.ndarray,
                        contacts: list[tuple[float, float | None, float | None]],
                        speed_mps: list[float | None]) -> tuple[list[float | None], float]:
    """Per contact of the same-side foot, given as (IC s, TO s or None, anchor s or
    None), with the athlete's speed at its anchor (m/s, None if unknown): the
    segment's peak flexion (deg, see the module docstring) in the swing from this TO
    to the next contact's IC, None where it cannot be measured; and the quality of
    the segment's axes (1: long axis from standing, 0.5: from the mean specific
    force, 0: no swing seen)."""
    acc = np.ascontiguousarray(sensor.acc_mps2_sf, dtype=np.float64)
    gyr = np.ascontiguousarray(sensor.gyr_dps_sf, dtype=np.float64)
    n, fs = sensor.n_samples, sensor.fs_hz
    none = [None] * len(contacts)
    if len(contacts) < 2 or n < 2:
        return none, 0.0
    up_axis, fwd, quality = _axes(acc, gyr, fs)
    if quality == 0.0:
        return none, 0.0
    t = sensor.t_s
    anchor_t = np.array([np.nan if c[2] is None else c[2] for c in contacts])
    ok = np.isfinite(anchor_t) & (anchor_t >= t[0]) & (anchor_t <= t[-1])
    idx = np.clip(np.searchsorted(t, np.nan_to_num(anchor_t)), 0, n - 1).astype(np.int64)
    ok &= np.isfinite(acc[idx]).all(axis=1)
    n_breaks = np.concatenate([[0], np.cumsum(breaks)])
    span = np.diff(idx)
    # a cycle ending in a contact without toe-off (the athlete stops) is not periodic
    ends_running = np.array([c[1] is not None for c in contacts[1:]])
    usable = ok[:-1] & ok[1:] & (span > 0) & (span <= MAX_INTERVAL_S * fs) & ends_running & \
        (n_breaks[idx[1:] + 1] == n_breaks[idx[:-1] + 1])
    # Forward is where the segment swings between toe-off and the next contact.
    swings = [(c[1], nxt[0]) for c, nxt in zip(contacts[:-1], contacts[1:]) if c[1] is not None]

    def angles(forward: np.ndarray, dv: np.ndarray) -> np.ndarray:
        up = np.full((n, 3), np.nan)
        K.up_between_anchors(np.radians(gyr), acc, idx, 1.0 / fs, usable, int(round(WINDOW_S * fs)),
                             forward, dv, up)
        return np.degrees(np.arctan2(up @ forward, up @ up_axis))

    angle = angles(fwd, np.full(len(contacts), np.nan))
    at = lambda x, s: x[min(n - 1, int(np.searchsorted(t, s)))]  # noqa: E731
    turn = np.array([at(angle, b) - at(angle, a) for a, b in swings])
    if np.isfinite(turn).any() and np.nanmedian(turn) < 0:
        fwd = -fwd
        angle = -angle
    speed = np.array([np.nan if v is None else v for v in speed_mps], dtype=float)
    if np.isfinite(speed).any():
        angle = angles(fwd, POD_SPEED_FRACTION[sensor.placement.segment] * speed)
    flex = -angle if sensor.placement.segment is Segment.SHANK else angle
    out: list[float | None] = []
    for c, nxt in zip(contacts[:-1], contacts[1:]):
        if c[1] is None:
            out.append(None)
            continue
        a, b = np.searchsorted(t, c[1]), min(n - 1, int(np.searchsorted(t, nxt[0])))
        seg = flex[a:b + 1]
        out.append(round(float(seg.max()), 1) if seg.size and np.isfinite(seg).all() else None)
    return out + [None], quality
