"""Private numba kernels for sample-level quality scans (:mod:`gaitcore.quality`)."""
from __future__ import annotations

import numpy as np

from ._jit import inline_kernel, kernel


BLOCK = 64   # samples per block of the clip scans' block extremes


@kernel
def finite_rows(t_s, acc, gyr, out):
    """out[i] = every value of row i (time, acc, gyr) is finite; returns how many are."""
    n_ok = 0
    a, g = acc.ravel(), gyr.ravel()    # flat (C-order) indexing: 2-d indexing does not vectorise
    for i in range(t_s.shape[0]):
        j = 3 * i
        # x - x is 0.0 for a finite x and NaN otherwise: one comparison, no branches
        s = (t_s[i] - t_s[i]) + (a[j] - a[j]) + (a[j + 1] - a[j + 1]) + (a[j + 2] - a[j + 2]) \
            + (g[j] - g[j]) + (g[j + 1] - g[j + 1]) + (g[j + 2] - g[j + 2])
        ok = s == 0.0
        out[i] = ok
        n_ok += ok
    return n_ok


@kernel
def beyond_rows(acc, gyr, acc_limit, gyr_limit, out):
    """out[i] = some acc value of row i exceeds ``acc_limit`` in magnitude or some gyr value
    ``gyr_limit`` (NaN exceeds nothing); returns how many rows do."""
    n_bad = 0
    a, g = acc.ravel(), gyr.ravel()
    for i in range(out.shape[0]):
        j = 3 * i
        bad = (abs(a[j]) > acc_limit) | (abs(a[j + 1]) > acc_limit) | (abs(a[j + 2]) > acc_limit) \
            | (abs(g[j]) > gyr_limit) | (abs(g[j + 1]) > gyr_limit) | (abs(g[j + 2]) > gyr_limit)
        out[i] = bad
        n_bad += bad
    return n_bad


@kernel
def unit_counts(acc, gyr, step, acc_lo, acc_hi, gyr_hi, quiet_dps, quiet_lo, quiet_hi, move_mps2, turn_dps, out):
    """Over every ``step``-th row with six finite values: out[0] = how many, out[1] / out[2]
    = how many have a specific-force magnitude below ``acc_lo`` / above ``acc_hi``, out[3]
    = how many a rate magnitude above ``gyr_hi``, out[4] = how many a rate below
    ``quiet_dps``, out[5] = how many of those a specific force outside ``quiet_lo`` ..
    ``quiet_hi``, out[6] = how many a specific force above ``move_mps2``, out[7] = how
    many a rate above ``turn_dps``."""
    a, g = acc.ravel(), gyr.ravel()
    for k in range(8):
        out[k] = 0
    for i in range(0, acc.shape[0], step):
        j = 3 * i
        an = np.sqrt(a[j] * a[j] + a[j + 1] * a[j + 1] + a[j + 2] * a[j + 2])
        gn = np.sqrt(g[j] * g[j] + g[j + 1] * g[j + 1] + g[j + 2] * g[j + 2])
        if not (np.isfinite(an) and np.isfinite(gn)):
            continue
        out[0] += 1
        out[1] += an < acc_lo
        out[2] += an > acc_hi
        out[3] += gn > gyr_hi
        if gn < quiet_dps:
            out[4] += 1
            out[5] += an < quiet_lo or an > quiet_hi
        out[6] += an > move_mps2
        out[7] += gn > turn_dps


@kernel
def near_period_spread(t_s, fs_hz, scratch, out):
    """Of the steps between consecutive stamps that lie within half a period of one
    period (in periods; ``scratch`` has room for them all): out[0] = their median,
    out[1] = the 99th percentile of their distance from it (linear interpolation, as
    numpy's default); returns how many there are (below 2: out untouched)."""
    m = 0
    for i in range(1, t_s.shape[0]):
        d = (t_s[i] - t_s[i - 1]) * fs_hz
        if d > 0.5 and d < 1.5:     # NaN is neither
            scratch[m] = d
            m += 1
    if m < 2:
        return m
    near = scratch[:m]
    mid = np.median(near)
    out[0] = mid
    out[1] = np.quantile(np.abs(near - mid), 0.99)
    return m


@kernel
def clean_steps_sure(t_s, fs_hz, rate_match, spread):
    """One pass, no sort: True only where :func:`near_period_spread` would give a median
    within ``rate_match`` of 1 and a 99th percentile within ``spread`` (False: undecided).
    More than half the near steps (plus one) within ``rate_match`` of 1 holds both middle
    order statistics, so the median; ``floor(0.99 (m - 1)) + 2`` of them within
    ``spread - rate_match`` of 1 lie within ``spread`` of that median, which holds both
    order statistics the 99th percentile interpolates between.  Margins of 1e-9 keep
    rounding on the sure side."""
    m = 0
    a = 0
    b = 0
    for i in range(1, t_s.shape[0]):
        d = (t_s[i] - t_s[i - 1]) * fs_hz
        if d > 0.5 and d < 1.5:     # NaN is neither
            m += 1
            e = abs(d - 1.0)
            a += e < rate_match - 1e-9
            b += e < spread - rate_match - 1e-9
    if m < 2:
        return False
    return 2 * a > m + 2 and b >= int(np.floor(0.99 * (m - 1))) + 2


@kernel
def repeated_rows(t_s, acc, gyr, out):
    """out[i] = row i has the time and the six values of row i - 1 (== on floats: NaN never
    repeats); returns how many rows do."""
    n_rep = 0
    a, g = acc.ravel(), gyr.ravel()
    n = out.shape[0]
    if n:
        out[0] = False
    same_t = 0
    for i in range(1, n):             # the time stamps first: a loop that vectorises
        out[i] = t_s[i] == t_s[i - 1]
        same_t += out[i]
    if same_t == 0:
        return 0
    for i in range(1, n):             # then the values, where a time stamp repeats
        if out[i]:
            j, k = 3 * i, 3 * i - 3
            rep = (a[j] == a[k]) & (a[j + 1] == a[k + 1]) & (a[j + 2] == a[k + 2]) \
                & (g[j] == g[k]) & (g[j + 1] == g[k + 1]) & (g[j + 2] == g[k + 2])
            out[i] = rep
            n_rep += rep
    return n_rep


@inline_kernel
def _end_excursion(peak, top, near_frac, n_exc, n_top, lowest):
    """Count an excursion that peaked at ``peak``; those within ``near_frac`` of ``top``
    count as tops, and the lowest of them is kept."""
    if peak >= (1.0 - near_frac) * top:
        return n_exc + 1, n_top + 1, min(lowest, peak)
    return n_exc + 1, n_top, lowest


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

    The scans visit only blocks of ``BLOCK`` samples whose extreme reaches the
    excursion band: a block below it ends any excursion and any run at its first
    sample, exactly as visiting its samples would.
    """
    n = x.shape[0]
    nb = (n + BLOCK - 1) // BLOCK
    bhi = np.empty((nb, 3))
    blo = np.empty((nb, 3))
    xf = x.ravel()                # flat (C-order) indexing: 2-d indexing does not vectorise
    for b in range(nb):           # one pass for every block's extremes (NaN compares False)
        h0 = h1 = h2 = -np.inf
        l0 = l1 = l2 = np.inf
        for i in range(b * BLOCK, min(n, (b + 1) * BLOCK)):
            v0, v1, v2 = xf[3 * i], xf[3 * i + 1], xf[3 * i + 2]
            h0 = v0 if v0 > h0 else h0
            h1 = v1 if v1 > h1 else h1
            h2 = v2 if v2 > h2 else h2
            l0 = v0 if v0 < l0 else l0
            l1 = v1 if v1 < l1 else l1
            l2 = v2 if v2 < l2 else l2
        bhi[b, 0], bhi[b, 1], bhi[b, 2] = h0, h1, h2
        blo[b, 0], blo[b, 1], blo[b, 2] = l0, l1, l2
    for c in range(3):
        for side in range(2):
            sgn = 1.0 if side == 0 else -1.0
            out[c, side] = np.inf
            top = -np.inf
            for b in range(nb):
                e = bhi[b, c] if side == 0 else -blo[b, c]
                if e > top:
                    top = e
            if not top >= floor:
                continue
            band = min(top, excursion_frac * top)
            # one pass: is the top held for min_run samples, and how do excursions peak?
            run = 0
            held = False
            n_exc = 0
            n_top = 0
            lowest = np.inf
            peak = -np.inf
            inside = False
            for b in range(nb + 1):
                if b < nb and (bhi[b, c] if side == 0 else -blo[b, c]) >= band:
                    lo_i, hi_i = b * BLOCK, min(n, (b + 1) * BLOCK)
                else:
                    lo_i, hi_i = 0, 0     # the block's first sample ends what is open
                    run = 0
                    if inside:
                        inside = False
                        n_exc, n_top, lowest = _end_excursion(peak, top, near_frac, n_exc, n_top, lowest)
                for i in range(lo_i, hi_i):
                    v = sgn * x[i, c]
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
                        n_exc, n_top, lowest = _end_excursion(peak, top, near_frac, n_exc, n_top, lowest)
                if held:
                    break
            if held:
                out[c, side] = top
            elif n_top >= min_tops and n_top >= min_share * n_exc:
                out[c, side] = lowest


@kernel
def clipped_rows(acc, gyr, acc_limit, gyr_limit, margin, out):
    """out[i] = any axis at or beyond ``margin`` times its limit on that side
    (limits: 3 x 2, [positive, negative] magnitudes, inf for none)."""
    a_hi = np.empty(3)
    a_lo = np.empty(3)
    g_hi = np.empty(3)
    g_lo = np.empty(3)
    for j in range(3):
        a_hi[j], a_lo[j] = margin * acc_limit[j, 0], -(margin * acc_limit[j, 1])
        g_hi[j], g_lo[j] = margin * gyr_limit[j, 0], -(margin * gyr_limit[j, 1])
    a, g = acc.ravel(), gyr.ravel()    # flat (C-order) indexing: 2-d indexing does not vectorise
    for i in range(acc.shape[0]):
        c = False
        for j in range(3):
            k = 3 * i + j
            c = c | (a[k] >= a_hi[j]) | (a[k] <= a_lo[j]) | (g[k] >= g_hi[j]) | (g[k] <= g_lo[j])
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
