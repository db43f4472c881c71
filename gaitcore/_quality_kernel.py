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


GAP_NONE, GAP_DROPPED, GAP_REVERSAL, GAP_AFTER_BAD = 0, 1, 2, 3


@kernel
def clock_gaps(t_s, clock, period_s, tol_periods, track, kind_out, lag_out):
    """Gaps in a time column, tolerant of timestamp jitter.

    A regular clock runs alongside the samples (``clock`` = [previous time,
    clock time, previous sample bad], carried between chunks; NaN to start).  A
    sample more than ``tol_periods`` periods later than the clock's next tick is
    after a dropped stretch (``lag_out`` = how late, s); one earlier than the
    previous sample is a time reversal; the first sample after a non-finite time
    breaks the stream too.  Otherwise the clock ticks one period and moves
    ``track`` of the way towards the sample, so packet-quantised time stamps
    (a repeated stamp, then a double step) are not gaps.  Writes GAP_* kinds.
    """
    last, tick, after_bad = clock[0], clock[1], clock[2] > 0.0
    limit = tol_periods * period_s
    for i in range(t_s.shape[0]):
        t = t_s[i]
        lag_out[i] = 0.0
        if not np.isfinite(t):
            kind_out[i] = GAP_AFTER_BAD
            after_bad = True
            continue
        if after_bad and np.isfinite(last):
            kind_out[i] = GAP_AFTER_BAD
            tick = t
        elif not np.isfinite(last):
            kind_out[i] = GAP_AFTER_BAD if after_bad else GAP_NONE
            tick = t
        elif t < last:
            kind_out[i] = GAP_REVERSAL
            tick = t
        else:
            late = t - (tick + period_s)
            if late > limit:
                kind_out[i] = GAP_DROPPED
                lag_out[i] = late
                tick = t
            else:
                kind_out[i] = GAP_NONE
                tick = tick + period_s + track * late
        last = t
        after_bad = False
    clock[0], clock[1], clock[2] = last, tick, 1.0 if after_bad else 0.0
