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
    for c in range(6):
        x = acc[:, c] if c < 3 else gyr[:, c - 3]
        floor = acc_floor if c < 3 else gyr_floor
        top = -1.0
        for i in range(n):
            a = abs(x[i])
            if np.isfinite(a) and a > top:
                top = a
        out[c] = np.nan
        if top < floor:
            continue
        run = 0
        for i in range(n):
            if abs(x[i]) >= top:
                run += 1
                if run >= min_run:
                    out[c] = top
                    break
            else:
                run = 0


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
