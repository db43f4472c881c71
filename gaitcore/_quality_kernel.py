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
def clip_levels(x, floor, min_run, excursion_frac, near_frac, min_tops, min_share, out):
    """Where each axis of ``x`` (n x 3) clips, per sign, into ``out`` (3 x 2: axis,
    [positive, negative] magnitudes); inf where it does not.

    For the axis/sign, let L be the largest signed value (>= ``floor``).  It clips at
    L when L is held for ``min_run`` consecutive samples (a raw clipped signal
    repeats its limit exactly).  A sensor that calibrates after the ADC leaves
    a clipped plateau jittering by a fraction of a percent instead; then the
    excursions above ``excursion_frac`` L pile up at the limit: when at least
    ``min_tops`` of them, and ``min_share`` of all, peak within ``near_frac`` of L, the
    axis clips at the lowest of those peaks.  A real signal's peaks spread over
    the band below its maximum instead.
    """
    n = x.shape[0]
    hi = np.full(3, -np.inf)
    lo = np.full(3, np.inf)
    for i in range(n):            # one pass for every axis's extremes (NaN compares False)
        for c in range(3):
            v = x[i, c]
            if v > hi[c]:
                hi[c] = v
            if v < lo[c]:
                lo[c] = v
    for c in range(3):
        for side in range(2):
            sgn = 1.0 if side == 0 else -1.0
            out[c, side] = np.inf
            top = hi[c] if side == 0 else -lo[c]
            if not top >= floor:
                continue
            # one pass: is the top held for min_run samples, and how do excursions peak?
            run = 0
            held = False
            n_exc = 0
            n_top = 0
            lowest = np.inf
            peak = -np.inf
            inside = False
            for i in range(n + 1):
                v = sgn * x[i, c] if i < n else -np.inf
                if v >= top:
                    run += 1
                    if run >= min_run:
                        held = True
                        break
                else:
                    run = 0
                if v >= excursion_frac * top:
                    if not inside:
                        inside = True
                        peak = v
                    elif v > peak:
                        peak = v
                elif inside:
                    inside = False
                    n_exc += 1
                    if peak >= (1.0 - near_frac) * top:
                        n_top += 1
                        if peak < lowest:
                            lowest = peak
            if held:
                out[c, side] = top
            elif n_top >= min_tops and n_top >= min_share * n_exc:
                out[c, side] = lowest


@kernel
def clipped_rows(acc, gyr, acc_limit, gyr_limit, margin, out):
    """out[i] = any axis at or beyond ``margin`` times its limit on that side
    (limits: 3 x 2, [positive, negative] magnitudes, inf for none)."""
    for i in range(acc.shape[0]):
        c = False
        for j in range(3):
            a, g = acc[i, j], gyr[i, j]
            if a >= margin * acc_limit[j, 0] or -a >= margin * acc_limit[j, 1]:
                c = True
            if g >= margin * gyr_limit[j, 0] or -g >= margin * gyr_limit[j, 1]:
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
