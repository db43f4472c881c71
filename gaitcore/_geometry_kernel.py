"""Private numba kernels: zero-velocity flags inside contacts, and stride geometry
from a smoothed foot trajectory (public wrappers: :mod:`gaitcore.trajectory`).

Units: positions m, angles degrees, rates deg/s, sample positions in samples.
Python references: tests/test_kernels_reference.py.
"""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel


@kernel
def contact_zero_velocity(ic, to, gn, fs_hz, next_break, edge_fraction, zv_gyr_dps, zv_min_factor, still, zupt,
                          to_out, anchor_out):
    """Per contact (IC ``ic[j]``, TO ``to[j]`` or NaN): flag the samples of its
    zero-velocity part in ``zupt`` (in place) and write its anchor, the least
    rotating sample (-1 if none), and its TO (NaN when the TO lies past a break).

    The zero-velocity part leaves ``edge_fraction`` of the contact at both ends
    (touchdown and push-off artefacts).  Inside it, samples rotating at most
    max(zv_gyr_dps, zv_min_factor x the anchor's rate) are flagged.  A contact without a
    TO (the foot stays down, the signal breaks off, or the TO was lost) has no known end:
    it looks from 50 ms after IC to 2 s, the break or the next contact's IC, whichever
    comes first, for its anchor only at quiet standing (``still``), since the least
    rotating sample of a stretch that may hold a swing can be a sprint swing's mid-air
    turn, and flags no further than the end of the anchor's run of slow samples; without
    standing in it the contact gets no anchor.  ``next_break[i]``: the first break after
    sample i (n if none).
    """
    n = gn.shape[0]
    for j in range(ic.shape[0]):
        pos = ic[j]
        t = to[j]
        to_out[j] = t
        anchor_out[j] = -1
        ic_i = int(np.ceil(pos))
        if ic_i >= n:
            continue
        end = next_break[ic_i]
        open_ended = not (np.isfinite(t) and t < end)
        if not open_ended:
            edge = edge_fraction * (t - pos)
            a, b = int(np.ceil(pos + edge)), int(np.floor(t - edge))
        else:
            to_out[j] = np.nan
            t = np.nan
            a, b = int(np.ceil(pos + 0.05 * fs_hz)), min(end - 1, int(np.ceil(pos + 2.0 * fs_hz)))
            if j + 1 < ic.shape[0]:
                b = min(b, int(np.ceil(ic[j + 1])) - 1)
        if b < a:
            if open_ended:
                continue
            a = b = min(n - 1, int(np.rint(0.5 * (pos + t))))
        b = min(b, n - 1)
        k = -1
        best = np.inf
        for i in range(a, b + 1):
            if gn[i] < best and (still[i] or not open_ended):   # NaN never compares below: skipped
                best = gn[i]
                k = i
        if k < 0:
            continue
        limit = max(zv_gyr_dps, zv_min_factor * gn[k])
        last = b
        if open_ended:   # up to the end of the anchor's run of slow samples, not into later swings
            last = k
            while last < b and gn[last + 1] <= limit:
                last += 1
        for i in range(a, last + 1):
            if gn[i] <= limit:
                zupt[i] = True
        anchor_out[j] = k


@inline_kernel
def _pitch_yaw(quat, i, f0, f1, f2):
    """Pitch (toe up +) and heading (deg) of the sensor-frame axis f under quat[i]."""
    w, x, y, z = quat[i, 0], quat[i, 1], quat[i, 2], quat[i, 3]
    fx = (1 - 2 * (y * y + z * z)) * f0 + 2 * (x * y - w * z) * f1 + 2 * (x * z + w * y) * f2
    fy = 2 * (x * y + w * z) * f0 + (1 - 2 * (x * x + z * z)) * f1 + 2 * (y * z - w * x) * f2
    fz = 2 * (x * z - w * y) * f0 + 2 * (y * z + w * x) * f1 + (1 - 2 * (x * x + y * y)) * f2
    return np.degrees(np.arcsin(min(1.0, max(-1.0, fz)))), np.degrees(np.arctan2(fy, fx))


@inline_kernel
def _finite_row(a, i):
    for c in range(a.shape[1]):
        if not np.isfinite(a[i, c]):
            return False
    return True


@kernel
def stride_metrics(ic, to, anchor, pos, quat, fwd_sf, max_stride_samples, n_breaks, n_rec, out, reconstructed):
    """Per contact j, into ``out[j]`` (NaN when unknown): stride length to the next
    contact's anchor (m), peak height above the anchor in the swing between TO and the
    next IC (m), strike and toe-off pitch (deg), lateral excursion from the stride's
    chord (m), turn between the two anchors (deg, -180..180).  ``reconstructed[j]``:
    a clipped sample lies in the stride.  ``n_breaks``/``n_rec`` are cumulative
    counts of breaks / reconstructed samples (length n + 1)."""
    n = pos.shape[0]
    m = ic.shape[0]
    f0, f1, f2 = fwd_sf[0], fwd_sf[1], fwd_sf[2]
    for j in range(m):
        for c in range(6):
            out[j, c] = np.nan
        reconstructed[j] = False
        ic_i = min(n - 1, int(np.rint(ic[j])))
        if _finite_row(quat, ic_i):
            out[j, 2] = _pitch_yaw(quat, ic_i, f0, f1, f2)[0]
        if np.isfinite(to[j]):
            to_i = min(n - 1, int(np.rint(to[j])))
            if _finite_row(quat, to_i):
                out[j, 3] = _pitch_yaw(quat, to_i, f0, f1, f2)[0]
        if j + 1 >= m:
            continue
        a, b = anchor[j], anchor[j + 1]
        if a < 0 or b < 0 or not _finite_row(pos, a) or not _finite_row(pos, b):
            continue
        if b <= a or b - a > max_stride_samples or n_breaks[b + 1] != n_breaks[a + 1]:
            continue
        dx, dy = pos[b, 0] - pos[a, 0], pos[b, 1] - pos[a, 1]
        length = np.hypot(dx, dy)
        out[j, 0] = length
        reconstructed[j] = n_rec[b] > n_rec[a]
        lo = int(np.ceil(to[j])) if np.isfinite(to[j]) else a
        hi = min(n - 1, int(np.floor(ic[j + 1])))
        if hi > lo:
            peak = -np.inf
            lateral = -np.inf
            for i in range(lo, hi + 1):
                if pos[i, 2] > peak:
                    peak = pos[i, 2]
                if length > 0:
                    e = abs(dx / length * (pos[i, 1] - pos[a, 1]) - dy / length * (pos[i, 0] - pos[a, 0]))
                    if e > lateral:
                        lateral = e
            if peak > -np.inf:
                out[j, 1] = peak - pos[a, 2]
            if length > 0 and lateral > -np.inf:
                out[j, 4] = lateral
        yaw_a = _pitch_yaw(quat, a, f0, f1, f2)[1]
        yaw_b = _pitch_yaw(quat, b, f0, f1, f2)[1]
        out[j, 5] = (yaw_b - yaw_a + 180.0) % 360.0 - 180.0
