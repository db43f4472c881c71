"""Private numba kernel: per-contact timing metrics of one foot (:mod:`gaitcore.steps`)."""
from __future__ import annotations

import numpy as np

from ._jit import kernel

# Columns of the output matrix.
C_CONTACT, C_FLIGHT, C_STEP, C_STRIDE, C_CADENCE, C_CONF = 0, 1, 2, 3, 4, 5
N_COLS = 6


@kernel
def _median_of_neighbours(x, k, half, buf):
    """Median of the finite x[j], 0 < |j - k| <= half; NaN with fewer than two."""
    m = 0
    for j in range(max(0, k - half), min(x.shape[0], k + half + 1)):
        if j != k and np.isfinite(x[j]):
            buf[m] = x[j]
            m += 1
    if m < 2:
        return np.nan
    v = np.sort(buf[:m])
    return 0.5 * (v[(m - 1) // 2] + v[m // 2])


@kernel
def _unbroken(a_ic, a_run_end, b_ic, b_run_start):
    """Whether the time from contact A's IC to contact B's (later) IC lies within the
    stretches of both their sensors in which no contact can be missing."""
    return a_run_end >= b_ic and b_run_start <= a_ic


@kernel
def foot_metrics(ic_s, to_s, off_s, run_start_s, run_end_s, other_ic_s, other_off_s, other_run_start_s,
                 other_run_end_s, swing_dps, push_dps, impact, saturated, max_stride_s, together_s,
                 strong_swing_dps, strong_push_dps, out):
    """Contact, flight, step and stride time, cadence and confidence per contact
    (rows of ``out``; NaN = unknown).  ``to_s``/``push_dps`` are NaN without a TO;
    ``off_s``/``other_off_s`` are this and the other foot's contacts' TOs however long
    they lasted (NaN: none found); ``other_ic_s`` is sorted.  Flight runs from this TO
    to the next IC of either foot, when the other foot is off the ground at this TO (its
    latest contact before it ended before it).  Step time runs from the other foot's
    latest IC to this one, except in a landing on both feet (the other foot is in the
    air at this IC and lands within ``together_s`` of it, before this foot leaves):
    then from this IC to the other foot's, so that both feet carry the time between
    their landings.
    ``run_start_s``/``run_end_s``
    (``other_...`` for the other foot) bound the stretch around each IC in which its
    sensor missed no contact (-inf/inf without a break in the signal): an interval
    between two contacts that reaches outside either one's stretch spans lost samples,
    where a contact may be missing, and is NaN."""
    n = ic_s.shape[0]
    n_other = other_ic_s.shape[0]
    buf = np.empty(6)
    for k in range(n):
        out[k, C_CONTACT] = to_s[k] - ic_s[k]
    for k in range(n):
        ic, to = ic_s[k], to_s[k]
        stride = np.nan
        if (k + 1 < n and ic_s[k + 1] - ic <= max_stride_s
                and _unbroken(ic, run_end_s[k], ic_s[k + 1], run_start_s[k + 1])):
            stride = ic_s[k + 1] - ic
        out[k, C_STRIDE] = stride
        out[k, C_CADENCE] = 120.0 / stride
        flight = np.nan
        step = np.nan
        if n_other > 0:
            j = np.searchsorted(other_ic_s, to, side="right")   # the other foot's first IC after this TO
            airborne = j == 0 or other_off_s[j - 1] < to          # (NaN: no TO found)
            if np.isfinite(to) and airborne:
                land, ok = np.inf, False      # the first landing of either foot after this TO
                if j < n_other:
                    land, ok = other_ic_s[j], _unbroken(ic, run_end_s[k], other_ic_s[j], other_run_start_s[j])
                if k + 1 < n and ic_s[k + 1] < land:
                    # this foot lands first, if the other one's signal lost nothing before then
                    # (else its landing may be missing)
                    other_ok = other_run_end_s[j - 1] >= ic_s[k + 1] if j > 0 else \
                        (j < n_other and other_run_start_s[j] <= ic)
                    land, ok = ic_s[k + 1], other_ok and _unbroken(ic, run_end_s[k], ic_s[k + 1], run_start_s[k + 1])
                fl = land - to
                if ok and 0.0 <= fl <= max_stride_s:
                    flight = fl
            j = np.searchsorted(other_ic_s, ic, side="left") - 1
            off = off_s[k]
            if (j + 1 < n_other and not np.isnan(off) and other_ic_s[j + 1] < min(off, ic + together_s)
                    and (j < 0 or other_off_s[j] < ic)):
                if _unbroken(ic, run_end_s[k], other_ic_s[j + 1], other_run_start_s[j + 1]):
                    step = other_ic_s[j + 1] - ic      # landing on both feet, this one first
            elif (j >= 0 and ic - other_ic_s[j] <= max_stride_s
                    and _unbroken(other_ic_s[j], other_run_end_s[j], ic, run_start_s[k])):
                step = ic - other_ic_s[j]
        out[k, C_FLIGHT] = flight
        out[k, C_STEP] = step
        # Confidence: a quality index, not a probability (see steps.py).
        conf = min(1.0, swing_dps[k] / strong_swing_dps)
        contact = out[k, C_CONTACT]
        if not np.isfinite(contact):
            conf *= 0.5
        else:
            conf *= min(1.0, push_dps[k] / strong_push_dps)
            med = _median_of_neighbours(out[:, C_CONTACT], k, 3, buf)
            if np.isfinite(med):
                dev = abs(contact - med) / med if med > 0 else 1.0
                conf *= min(1.0, max(0.3, 1.0 - (dev - 0.2)))
        if impact[k]:
            conf *= 0.9
        if saturated[k]:
            conf *= 0.8
        out[k, C_CONF] = min(1.0, max(0.0, conf))


@kernel
def column_stats(v, group, n_groups, out):
    """Per group g (0 .. n_groups - 1; row r belongs to ``group[r]``) and for all rows
    together (g = n_groups), per column c of ``v``: out[g, c] = (n, mean, sample SD,
    median) of the finite values; NaN where undefined (SD needs two values)."""
    m, k = v.shape
    buf = np.empty(m)
    for g in range(n_groups + 1):
        for c in range(k):
            n = 0
            s = 0.0
            for r in range(m):
                if (g == n_groups or group[r] == g) and np.isfinite(v[r, c]):
                    buf[n] = v[r, c]
                    s += v[r, c]
                    n += 1
            out[g, c, 0] = n
            out[g, c, 1] = out[g, c, 2] = out[g, c, 3] = np.nan
            if n == 0:
                continue
            mean = s / n
            out[g, c, 1] = mean
            if n > 1:
                ss = 0.0
                for r in range(n):
                    ss += (buf[r] - mean) ** 2
                out[g, c, 2] = np.sqrt(ss / (n - 1))
            srt = np.sort(buf[:n])
            out[g, c, 3] = srt[n // 2] if n % 2 else 0.5 * (srt[n // 2 - 1] + srt[n // 2])
