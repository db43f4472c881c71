"""Private numba kernels: zero-velocity flags inside contacts, and stride geometry
from a smoothed foot trajectory (public wrappers: :mod:`gaitcore.trajectory`).

Units: positions m, angles degrees, rates deg/s, sample positions in samples.
Python references: tests/test_kernels_reference.py.
"""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel


@inline_kernel
def _quietest(gn, still, a, b, at_standing, row0):
    """The least rotating sample in a..b (-1 if none; NaN never is), at quiet standing
    (``still``) only if ``at_standing``; ``gn``/``still`` hold the rows from ``row0``."""
    k = -1
    best = np.inf
    for i in range(a, b + 1):
        if gn[i - row0] < best and (still[i - row0] or not at_standing):
            best = gn[i - row0]
            k = i
    return k


@kernel
def contact_zero_velocity(ic, to, gn, fs_hz, next_break, max_contact_s, edge_fraction, zv_gyr_dps, zv_min_factor,
                          still, zupt, to_out, quietest_out, anchor_out, off_anchor_out, row0, n_rows, m):
    """Per contact (IC ``ic[j]``, TO ``to[j]`` or NaN): flag the samples of its
    zero-velocity part in ``zupt`` (in place) and write its TO (NaN when the TO lies past
    a break), its least rotating sample there (``quietest_out[j]``, the stance's instant
    for the INS's level-ground update) and its anchors: ``anchor_out[j]`` where the stride
    into the contact ends, ``off_anchor_out[j]`` where the stride out of it starts; -1:
    none.

    The zero-velocity part leaves ``edge_fraction`` of the contact at both ends
    (touchdown and push-off artefacts).  Inside it, samples rotating at most
    max(zv_gyr_dps, zv_min_factor x the least rotating one's rate) are flagged, and that
    least rotating sample is the anchor at both ends.  A contact without a TO (the foot
    stays down, the signal breaks off, or the TO was lost) has no known end: it looks
    from 50 ms after IC to ``max_contact_s``, the break or the next contact's IC,
    whichever comes first, for its anchor only at quiet standing (``still``), since the
    least rotating sample of a stretch that may hold a swing can be a sprint swing's
    mid-air turn, and flags no further than the end of the anchor's run of slow samples;
    without standing in it the contact gets no anchor.

    A contact longer than ``max_contact_s`` is standing, not a step's stance (a stop
    between reps, a pause), and its least rotating sample can lie anywhere in it, seconds
    from either stride.  It is flagged, and has its least rotating sample, as a contact
    with a TO, but gets an anchor at each end, both at quiet standing: the stride into it
    ends at the landing's (looked for as without a TO), the stride out of it starts at the
    push-off's (the least rotating standing sample from ``max_contact_s`` to 50 ms before
    the TO); where the foot did not stand still there, that stride has no anchor.
    ``next_break[i]``: the first break after sample i (n if none).

    The contacts computed are the first ``m``; ``ic[m]``, if given, is the IC after the
    last of them (it bounds that contact's search as a contact's would).  ``gn``,
    ``still``, ``zupt`` and ``next_break`` hold the samples from ``row0`` on (contact
    positions and the sample indices written count from the stream's start) of a stream
    of ``n_rows`` samples: a streaming caller passes the stretch its contacts reach.
    """
    n = n_rows
    for j in range(m):
        pos = ic[j]
        t = to[j]
        to_out[j] = t
        quietest_out[j] = -1
        anchor_out[j] = -1
        off_anchor_out[j] = -1
        ic_i = int(np.ceil(pos))
        if ic_i >= n:
            continue
        end = next_break[ic_i - row0]
        open_ended = not (np.isfinite(t) and t < end)
        standing = not open_ended and t - pos > max_contact_s * fs_hz
        # where a contact without a known end, or standing, has its landing's anchor
        la = int(np.ceil(pos + 0.05 * fs_hz))
        lb = min(end - 1, int(np.ceil(pos + max_contact_s * fs_hz)))
        if j + 1 < ic.shape[0]:
            lb = min(lb, int(np.ceil(ic[j + 1])) - 1)
        lb = min(lb, n - 1)
        if not open_ended:
            edge = edge_fraction * (t - pos)
            a, b = int(np.ceil(pos + edge)), int(np.floor(t - edge))
        else:
            to_out[j] = np.nan
            t = np.nan
            a, b = la, lb
        if b < a:
            if open_ended:
                continue
            a = b = min(n - 1, int(np.rint(0.5 * (pos + t))))
        b = min(b, n - 1)
        k = _quietest(gn, still, a, b, open_ended, row0)
        if k < 0:
            continue
        limit = max(zv_gyr_dps, zv_min_factor * gn[k - row0])
        last = b
        if open_ended:   # up to the end of the anchor's run of slow samples, not into later swings
            last = k
            while last < b and gn[last + 1 - row0] <= limit:
                last += 1
        for i in range(a, last + 1):
            if gn[i - row0] <= limit:
                zupt[i - row0] = True
        quietest_out[j] = k
        if standing:
            anchor_out[j] = _quietest(gn, still, la, lb, True, row0)
            off_anchor_out[j] = _quietest(gn, still, max(la, int(np.ceil(t - max_contact_s * fs_hz))),
                                          min(n - 1, int(np.floor(t - 0.05 * fs_hz))), True, row0)
        else:
            anchor_out[j] = k
            off_anchor_out[j] = k


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
def _wrap_rad(x):
    return (x + np.pi) % (2.0 * np.pi) - np.pi


@kernel
def path_turn_rad(chord_rad, length_m, j):
    """The path's turn over stride j (rad) from the directions of the foot's chords
    (NaN: no stride): a circle's equal chords each turn from the one before by the angle
    one of them subtends, so the turn from the previous chord to this one, and from this
    one to the next, where both agree in sign the smaller of the two (a bend both sides
    show), where they disagree 0 (a corner made at one stance, an S-bend's inflection);
    the one there is at the end of a bout; 0 without either.  A neighbour under half this
    stride's length counts as none (the direction of a settling shuffle is noise)."""
    m = chord_rad.shape[0]
    before = j > 0 and np.isfinite(chord_rad[j - 1]) and length_m[j - 1] >= 0.5 * length_m[j]
    after = j + 1 < m and np.isfinite(chord_rad[j + 1]) and length_m[j + 1] >= 0.5 * length_m[j]
    t1 = _wrap_rad(chord_rad[j] - chord_rad[j - 1]) if before else 0.0
    t2 = _wrap_rad(chord_rad[j + 1] - chord_rad[j]) if after else 0.0
    if before and after:
        if t1 * t2 <= 0.0:
            return 0.0
        return t1 if abs(t1) < abs(t2) else t2
    return t1 if before else t2


@kernel
def arc_offset(u, length, turn_rad):
    """Signed sideways offset (m, positive to the left) from a chord of ``length`` of
    the circular arc whose tangent turns by ``turn_rad`` (positive: left) between the
    chord's ends, at ``u`` along the chord from its middle.  A left turn's arc lies to
    the right of its chord.  Written as (c^2 - u^2) k / (sqrt(1 - k^2 u^2) + sqrt(1 -
    k^2 c^2)) with c = length / 2 and curvature k = 2 sin(|turn| / 2) / length, the
    difference sqrt(R^2 - u^2) - sqrt(R^2 - c^2) without its cancellation; beyond the
    circle (|u| > R) the offset at |u| = R."""
    c = 0.5 * length
    k = 2.0 * np.sin(0.5 * abs(turn_rad)) / length
    if k * abs(u) > 1.0:
        u = 1.0 / k
    den = np.sqrt(max(0.0, 1.0 - k * k * u * u)) + np.sqrt(max(0.0, 1.0 - k * k * c * c))
    if den <= 0.0:
        return 0.0
    h = (c * c - u * u) * k / den
    return -h if turn_rad > 0 else h


@kernel
def stride_metrics(ic, to, anchor, pos, quat, fwd_sf, max_stride_samples, n_breaks, n_rec, out, reconstructed,
                   off_anchor=None):
    """Per contact j, into ``out[j]`` (NaN when unknown): stride length from its anchor
    ``off_anchor[j]`` to the next contact's ``anchor[j + 1]`` (m), peak height above the
    first in the swing between TO and the next IC (m), strike and toe-off pitch (deg),
    lateral excursion (m), turn between the two anchors (deg, -180..180).
    ``reconstructed[j]``: a clipped sample lies in the stride.  ``n_breaks``/``n_rec``
    are cumulative counts of breaks / reconstructed samples (length n + 1).
    ``off_anchor``: where each contact's stride starts, which differs from ``anchor``
    in standing (:func:`contact_zero_velocity`); None: ``anchor``.

    Lateral excursion is the swing's largest sideways departure from the path the
    stride follows: from the circular arc between the two anchors that turns as the
    path does where the neighbouring strides show a bend (:func:`path_turn_rad`,
    :func:`arc_offset`; elsewhere the chord).
    From the chord alone a bend's sagitta counted as excursion (L^2 / 8R: 7 cm for a
    4.4 m stride on a 36.5 m track bend)."""
    n = pos.shape[0]
    m = ic.shape[0]
    f0, f1, f2 = fwd_sf[0], fwd_sf[1], fwd_sf[2]
    chord_rad = np.full(m, np.nan)
    swing_lo = np.full(m, -1, dtype=np.int64)
    swing_hi = np.full(m, -1, dtype=np.int64)
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
        a = anchor[j] if off_anchor is None else off_anchor[j]
        b = anchor[j + 1]
        if a < 0 or b < 0 or not _finite_row(pos, a) or not _finite_row(pos, b):
            continue
        if b <= a or b - a > max_stride_samples or n_breaks[b + 1] != n_breaks[a + 1]:
            continue
        dx, dy = pos[b, 0] - pos[a, 0], pos[b, 1] - pos[a, 1]
        length = np.hypot(dx, dy)
        out[j, 0] = length
        if length > 0:
            chord_rad[j] = np.arctan2(dy, dx)
        reconstructed[j] = n_rec[b] > n_rec[a]
        lo = int(np.ceil(to[j])) if np.isfinite(to[j]) else a
        hi = min(n - 1, int(np.floor(ic[j + 1])))
        if hi > lo:
            swing_lo[j], swing_hi[j] = lo, hi
            peak = -np.inf
            for i in range(lo, hi + 1):
                if pos[i, 2] > peak:
                    peak = pos[i, 2]
            if peak > -np.inf:
                out[j, 1] = peak - pos[a, 2]
        yaw_a = _pitch_yaw(quat, a, f0, f1, f2)[1]
        yaw_b = _pitch_yaw(quat, b, f0, f1, f2)[1]
        out[j, 5] = (yaw_b - yaw_a + 180.0) % 360.0 - 180.0
    for j in range(m):
        if not np.isfinite(chord_rad[j]) or swing_lo[j] < 0:
            continue
        a = anchor[j] if off_anchor is None else off_anchor[j]
        length = out[j, 0]
        ux, uy = np.cos(chord_rad[j]), np.sin(chord_rad[j])
        turn = path_turn_rad(chord_rad, out[:, 0], j)
        lateral = -np.inf
        for i in range(swing_lo[j], swing_hi[j] + 1):
            px, py = pos[i, 0] - pos[a, 0], pos[i, 1] - pos[a, 1]
            e = abs(ux * py - uy * px - arc_offset(ux * px + uy * py - 0.5 * length, length, turn))
            if e > lateral:
                lateral = e
        if lateral > -np.inf:
            out[j, 4] = lateral
