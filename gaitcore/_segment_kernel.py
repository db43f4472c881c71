"""Private numba kernel: the up direction seen by a shank or thigh pod between two
reference instants (:mod:`gaitcore.segment_angles`)."""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel
from ._ins_kernel import _quat_exp_mul


@inline_kernel
def _rotate_by_quat(q0, q1, q2, q3, v0, v1, v2):
    """R(q) v for the unit quaternion q (scalar first)."""
    t0 = 2.0 * (q2 * v2 - q3 * v1)
    t1 = 2.0 * (q3 * v0 - q1 * v2)
    t2 = 2.0 * (q1 * v1 - q2 * v0)
    return (v0 + q0 * t0 + (q2 * t2 - q3 * t1), v1 + q0 * t1 + (q3 * t0 - q1 * t2),
            v2 + q0 * t2 + (q1 * t1 - q2 * t0))


@kernel
def up_between_anchors(gyr_rad, acc, anchors, dt_s, usable, min_window, fwd, dv_anchor, up_out):
    """For each interval between consecutive ``anchors`` (sample indices; gait cycles)
    that is ``usable``, write the world's up direction in the sensor frame at every
    sample of the interval to ``up_out`` (n x 3; other rows are left as they are).

    The attitude is integrated from the rate (mean rate per sample interval) over a
    window of whole cycles around the interval, grown symmetrically over usable
    neighbours until it spans ``min_window`` samples; the up direction in the
    frame at the window's start is the window's mean specific force in that frame:
    the segment moves at about the same velocity at both ends of the window, so
    its own acceleration averages out and gravity remains.  What the pod's forward
    velocity does change over the window, ``dv_anchor[hi] - dv_anchor[lo]`` (m/s,
    NaN: unknown, taken as 0), is removed along the horizontal part of ``fwd`` (the
    segment's forward axis in the sensor frame).
    """
    n_anchor = anchors.shape[0]
    for j in range(n_anchor - 1):
        if not usable[j]:
            continue
        lo, hi = j, j + 1
        grow = True
        while grow and anchors[hi] - anchors[lo] < min_window:
            grow = False
            if lo > 0 and usable[lo - 1]:
                lo -= 1
                grow = True
            if anchors[hi] - anchors[lo] < min_window and hi < n_anchor - 1 and usable[hi]:
                hi += 1
                grow = True
        a0, a1 = anchors[lo], anchors[hi]
        a, b = anchors[j], anchors[j + 1]
        quat = np.empty((b - a + 1, 4))
        q0, q1, q2, q3 = 1.0, 0.0, 0.0, 0.0
        g0, g1, g2 = 0.5 * acc[a0, 0], 0.5 * acc[a0, 1], 0.5 * acc[a0, 2]
        if a0 == a:
            quat[0, 0], quat[0, 1], quat[0, 2], quat[0, 3] = q0, q1, q2, q3
        for k in range(a0, a1):
            q0, q1, q2, q3 = _quat_exp_mul(0.5 * (gyr_rad[k, 0] + gyr_rad[k + 1, 0]) * dt_s,
                                           0.5 * (gyr_rad[k, 1] + gyr_rad[k + 1, 1]) * dt_s,
                                           0.5 * (gyr_rad[k, 2] + gyr_rad[k + 1, 2]) * dt_s, q0, q1, q2, q3, False)
            if a <= k + 1 <= b:
                i = k + 1 - a
                quat[i, 0], quat[i, 1], quat[i, 2], quat[i, 3] = q0, q1, q2, q3
            w = 0.5 if k + 1 == a1 else 1.0
            f0, f1, f2 = _rotate_by_quat(q0, q1, q2, q3, acc[k + 1, 0], acc[k + 1, 1], acc[k + 1, 2])
            g0 += w * f0
            g1 += w * f1
            g2 += w * f2
        dv = dv_anchor[hi] - dv_anchor[lo]
        if np.isfinite(dv) and dv != 0.0:
            gn = np.sqrt(g0 * g0 + g1 * g1 + g2 * g2)
            c = (fwd[0] * g0 + fwd[1] * g1 + fwd[2] * g2) / gn
            h0, h1, h2 = fwd[0] - c * g0 / gn, fwd[1] - c * g1 / gn, fwd[2] - c * g2 / gn
            hn = np.sqrt(h0 * h0 + h1 * h1 + h2 * h2)
            if hn > 0.0:
                # sums are per sample: the velocity change is dv / dt_s in those units
                scale = dv / dt_s / hn
                g0, g1, g2 = g0 - scale * h0, g1 - scale * h1, g2 - scale * h2
        gn = np.sqrt(g0 * g0 + g1 * g1 + g2 * g2)
        g0, g1, g2 = g0 / gn, g1 / gn, g2 / gn
        for i in range(b - a + 1):
            # into the sensor frame at this sample: R(q)^T g = R(q*) g
            v0, v1, v2 = _rotate_by_quat(quat[i, 0], -quat[i, 1], -quat[i, 2], -quat[i, 3], g0, g1, g2)
            up_out[a + i, 0], up_out[a + i, 1], up_out[a + i, 2] = v0, v1, v2
