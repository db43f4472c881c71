"""Private numba kernels for sample-level quality scans (:mod:`gaitcore.quality`)."""
from __future__ import annotations

import numpy as np

from ._jit import kernel


@kernel
def finite_rows(t_s, acc, gyr, out):
    """out[i] = every value of row i (time, acc, gyr) is finite; returns how many are."""
    n_ok = 0
    for i in range(acc.shape[0]):
        ok = np.isfinite(t_s[i])
        for j in range(3):
            ok = ok and np.isfinite(acc[i, j]) and np.isfinite(gyr[i, j])
        out[i] = ok
        n_ok += ok
    return n_ok


@kernel
def flat_tops(acc, gyr, acc_floor, gyr_floor, min_run, out):
    """For each of the six axes (acc x, y, z, gyr x, y, z) into ``out``: the largest
    |value| if it is >= the sensor's floor and held for ``min_run`` consecutive
    samples (a clipped signal); NaN otherwise."""
    n = acc.shape[0]
    top = np.full(6, -1.0)
    for i in range(n):
        for c in range(3):
            a = abs(acc[i, c])
            if a > top[c]:  # NaN compares False
                top[c] = a
            g = abs(gyr[i, c])
            if g > top[3 + c]:
                top[3 + c] = g
    run = np.zeros(6, dtype=np.int64)
    check = False
    for c in range(6):
        out[c] = np.nan
        if top[c] >= (acc_floor if c < 3 else gyr_floor):
            check = True
        else:
            top[c] = np.inf  # never reached: no run counted
    if not check:
        return
    for i in range(n):
        for c in range(6):
            x = abs(acc[i, c]) if c < 3 else abs(gyr[i, c - 3])
            if x >= top[c]:
                run[c] += 1
                if run[c] >= min_run:
                    out[c] = top[c]
            else:
                run[c] = 0


@kernel
def clipped_rows(acc, gyr, acc_limit, gyr_limit, out):
    """out[i] = any axis at or beyond its limit (a limit <= 0 disables that sensor)."""
    for i in range(acc.shape[0]):
        c = False
        for j in range(3):
            if acc_limit > 0.0 and abs(acc[i, j]) >= acc_limit:
                c = True
            if gyr_limit > 0.0 and abs(gyr[i, j]) >= gyr_limit:
                c = True
        out[i] = c


@kernel
def gap_flags(t_s, last_t_s, limit_s, out):
    """out[i] = the interval before sample i is not positive or longer than ``limit_s``,
    or t_s[i] is not finite.  ``last_t_s`` is the previous chunk's last time (NaN at
    the start of a stream, where the first sample is never a gap)."""
    prev = last_t_s
    for i in range(t_s.shape[0]):
        t = t_s[i]
        if not np.isfinite(t):
            out[i] = True
        elif not np.isfinite(prev):
            out[i] = i > 0  # a NaN time before this one broke the stream
        else:
            dt = t - prev
            out[i] = not (dt > 0.0) or dt > limit_s
        prev = t
