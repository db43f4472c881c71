"""Private numba kernels of the alignment's direction-of-travel vote (:mod:`gaitcore.align`)."""
from __future__ import annotations

import numpy as np

from ._jit import kernel
from ._strapdown_kernel import advance, start


@kernel
def _world_from_sensor_tilt(f, r_out):
    """Shortest-arc rotation taking the unit vector of ``f`` onto world z (yaw arbitrary)."""
    nf = np.sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2])
    ax, ay, az = f[0] / nf, f[1] / nf, f[2] / nf
    # v = a x z, c = a . z
    vx, vy, vz = ay, -ax, 0.0
    c = az
    for i in range(3):
        for j in range(3):
            r_out[i, j] = 1.0 if i == j else 0.0
    if c < -1.0 + 1e-12:
        r_out[1, 1] = -1.0  # 180 deg about x
        r_out[2, 2] = -1.0
        return
    k = 1.0 / (1.0 + c)
    # I + [v]x + [v]x^2 / (1 + c)
    r_out[0, 1] += -vz
    r_out[0, 2] += vy
    r_out[1, 0] += vz
    r_out[1, 2] += -vx
    r_out[2, 0] += -vy
    r_out[2, 1] += vx
    r_out[0, 0] += k * (-vy * vy - vz * vz)
    r_out[0, 1] += k * vx * vy
    r_out[0, 2] += k * vx * vz
    r_out[1, 0] += k * vx * vy
    r_out[1, 1] += k * (-vx * vx - vz * vz)
    r_out[1, 2] += k * vy * vz
    r_out[2, 0] += k * vx * vz
    r_out[2, 1] += k * vy * vz
    r_out[2, 2] += k * (-vx * vx - vy * vy)


@kernel
def direction_votes(acc, gyr_dps, fs_hz, marks, forward, max_closure, good_closure, min_stride_s,
                    max_stride_s, min_stride_m, gravity_mps2, need, votes_out, spans_out):
    """Cosines between ``forward`` and the displacement of each stride between
    low-motion ``marks``: from each mark, strapdown-integrate (tilt from the
    specific force at the mark, yaw arbitrary) up to three marks ahead; at each
    mark reached, the closure is |v(end)| / max |v| before drift correction, and
    the displacement is the horizontal integral of the velocity with its drift
    removed linearly.  The best-closing stride below ``max_closure`` votes (the
    first below ``good_closure`` at once).  Returns the number of votes written
    (at most ``len(votes_out)``).  It stops early, with the votes it has, once there
    is at least one and ``need`` can no longer be reached (the strides left, each at
    least ``min_stride_s`` from mark to mark, cannot add enough: :func:`max_strides`).
    ``spans_out`` receives each voting stride's length in samples."""
    dt = 1.0 / fs_hz
    rate_dt = dt * np.pi / 180.0
    n_votes = 0
    i = 0
    r0 = np.empty((3, 3))
    best_d = np.empty(3)
    n_marks = marks.shape[0]
    af, gf = acc.ravel(), gyr_dps.ravel()
    while i < n_marks - 1 and n_votes < votes_out.shape[0]:
        if n_votes > 0 and n_votes + max_strides(marks[i:], min_stride_s * fs_hz) < need:
            break
        a = marks[i]
        last = min(i + 3, n_marks - 1)
        _world_from_sensor_tilt(acc[a], r0)
        st = start(af, a, r0, gravity_mps2)
        sx = sy = 0.0  # running sums of the velocity (trapezoid-free: rectangle on samples)
        vmax2 = 0.0
        best_c = np.inf
        best_j = -1
        j = i + 1
        k = a
        while j <= last:
            b = marks[j]
            if b - a > max_stride_s * fs_hz:
                break
            while k < b:
                sx += st[7]
                sy += st[8]
                st = advance(st, gf, af, k, dt, rate_dt, gravity_mps2)
                k += 1
                sp2 = st[7] * st[7] + st[8] * st[8] + st[9] * st[9]
                if sp2 > vmax2:
                    vmax2 = sp2
            if b - a >= min_stride_s * fs_hz:
                m = b - a + 1
                vx, vy, vz = st[7], st[8], st[9]
                vend = np.sqrt(vx * vx + vy * vy + vz * vz)
                c = vend / np.sqrt(vmax2) if vmax2 > 0.0 else 1.0
                # sum_k (v_k - k / (m - 1) * v_end) dt over k = 0..m-1
                dx = (sx + vx - 0.5 * m * vx) * dt
                dy = (sy + vy - 0.5 * m * vy) * dt
                ex = r0[0, 0] * dx + r0[1, 0] * dy
                ey = r0[0, 1] * dx + r0[1, 1] * dy
                ez = r0[0, 2] * dx + r0[1, 2] * dy
                norm = np.sqrt(ex * ex + ey * ey + ez * ez)
                if c < max_closure and norm > min_stride_m and c < best_c:
                    best_c = c
                    best_j = j
                    best_d[0], best_d[1], best_d[2] = ex / norm, ey / norm, ez / norm
                    if c < good_closure:
                        break
            j += 1
        if best_j < 0:
            i += 1
            continue
        votes_out[n_votes] = forward[0] * best_d[0] + forward[1] * best_d[1] + forward[2] * best_d[2]
        spans_out[n_votes] = marks[best_j] - a
        n_votes += 1
        i = best_j
    return n_votes


@kernel
def max_strides(marks, min_len):
    """An upper bound on the strides that can vote: each runs from one mark to a later
    one, at least ``min_len`` samples on, and the next starts where it ended; taking each
    as short as allowed (greedy) gives the most."""
    n = 0
    start = -1
    for k in range(marks.shape[0]):
        m = marks[k]
        if start < 0:
            start = m
        elif m - start >= min_len:
            n += 1
            start = m
    return n


@kernel
def motion_summary(acc, gyr, still_gyr_dps, still_acc_tol, gravity_mps2, win, moving_gyr_dps,
                   gn_out, still_out, acc_sums, cov_out):
    """One pass over the buffer: gyro norm (NaN where a row is not finite) into
    ``gn_out``; ``still_out`` marks samples inside a ``win``-sample window that is
    quasi-static throughout; ``acc_sums`` = [sum over still samples (3), their
    count, sum over finite samples (3), their count]; ``cov_out`` = sum of
    w w^T over moving samples.  Returns the number of moving samples."""
    n = acc.shape[0]
    ok = np.zeros(n, dtype=np.bool_)
    for k in range(8):
        acc_sums[k] = 0.0
    for i in range(3):
        for j in range(3):
            cov_out[i, j] = 0.0
    n_moving = 0
    af, gf = acc.ravel(), gyr.ravel()    # flat: 2-d indexing costs half the pass
    for i in range(n):
        j = 3 * i
        a0, a1, a2, g0, g1, g2 = af[j], af[j + 1], af[j + 2], gf[j], gf[j + 1], gf[j + 2]
        if not ((a0 - a0) + (a1 - a1) + (a2 - a2) + (g0 - g0) + (g1 - g1) + (g2 - g2) == 0.0):
            gn_out[i] = np.nan      # (x - x is 0.0 only for a finite x)
            continue
        g = np.sqrt(g0 ** 2 + g1 ** 2 + g2 ** 2)
        a = np.sqrt(a0 ** 2 + a1 ** 2 + a2 ** 2)
        gn_out[i] = g
        ok[i] = g < still_gyr_dps and abs(a - gravity_mps2) < still_acc_tol
        acc_sums[4] += a0
        acc_sums[5] += a1
        acc_sums[6] += a2
        acc_sums[7] += 1.0
        if g > moving_gyr_dps:
            n_moving += 1
            cov_out[0, 0] += g0 * g0
            cov_out[0, 1] += g0 * g1
            cov_out[0, 2] += g0 * g2
            cov_out[1, 0] += g1 * g0
            cov_out[1, 1] += g1 * g1
            cov_out[1, 2] += g1 * g2
            cov_out[2, 0] += g2 * g0
            cov_out[2, 1] += g2 * g1
            cov_out[2, 2] += g2 * g2
    # A sample is still when some all-ok window of ``win`` samples covers it.
    for i in range(n):
        still_out[i] = False
    run = 0
    for i in range(n):
        run = run + 1 if ok[i] else 0
        if run >= win:
            if run == win:
                for k in range(i - win + 1, i + 1):
                    still_out[k] = True
            else:
                still_out[i] = True
    for i in range(n):
        if still_out[i]:
            for j in range(3):
                acc_sums[j] += acc[i, j]
            acc_sums[3] += 1.0
    return n_moving


@kernel
def select_kth(x, k):
    """Reorder ``x`` in place so that x[k] is its k-th smallest value, everything before
    it no larger and everything after it no smaller (quickselect, Hoare partition with a
    median-of-three pivot; O(n) on average), and return x[k].  Written out because
    numba's np.partition costs about 9 s of compilation for the same result."""
    lo = 0
    hi = x.shape[0] - 1
    while hi > lo:
        mid = (lo + hi) // 2
        if x[mid] < x[lo]:
            x[mid], x[lo] = x[lo], x[mid]
        if x[hi] < x[lo]:
            x[hi], x[lo] = x[lo], x[hi]
        if x[hi] < x[mid]:
            x[hi], x[mid] = x[mid], x[hi]
        pivot = x[mid]
        i = lo
        j = hi
        while i <= j:
            while x[i] < pivot:
                i += 1
            while x[j] > pivot:
                j -= 1
            if i <= j:
                x[i], x[j] = x[j], x[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            break
    return x[k]


@kernel
def percentile(x, q):
    """np.percentile(x, q) for finite 1-d ``x`` (linear method, numpy's rounding)."""
    n = x.shape[0]
    pos = q / 100.0 * (n - 1)
    lo = int(np.floor(pos))
    part = x.copy()
    a = select_kth(part, lo)
    b = a
    if lo + 1 < n:
        b = part[lo + 1]
        for k in range(lo + 2, n):
            if part[k] < b:
                b = part[k]
    t = pos - lo
    if t >= 0.5:
        return b - (b - a) * (1 - t)
    return a + (b - a) * t


@kernel
def low_motion_marks_of_rate(gn, w, fraction, floor_dps, marks_out):
    """The least-rotating sample of each stretch where the ``w``-sample moving mean
    of the rate ``gn`` is below max(``floor_dps``, ``fraction`` x its 95th
    percentile); returns how many marks were written."""
    n = gn.shape[0]
    g = np.empty(n)
    moving_mean(gn, w, g)
    finite = np.empty(n)
    m = 0
    for i in range(n):
        if np.isfinite(g[i]):
            finite[m] = g[i]
            m += 1
    if m == 0:
        return 0
    thr = max(floor_dps, fraction * percentile(finite[:m], 95.0))
    return low_motion_marks(g, thr, marks_out)


@kernel
def low_motion_marks(g, threshold, marks_out):
    """The least-rotating sample of each stretch of ``g`` below ``threshold``
    (NaN counts as moving); returns how many."""
    n_marks = 0
    in_low = False
    best = np.inf
    best_i = -1
    for i in range(g.shape[0]):
        if np.isfinite(g[i]) and g[i] < threshold:
            if not in_low:
                in_low = True
                best = np.inf
            if g[i] < best:
                best = g[i]
                best_i = i
        elif in_low:
            in_low = False
            marks_out[n_marks] = best_i
            n_marks += 1
    if in_low:
        marks_out[n_marks] = best_i
        n_marks += 1
    return n_marks


@kernel
def moving_mean(gn, w, out):
    """Centred ``w``-sample moving mean (zero-padded at the ends)."""
    n = gn.shape[0]
    half = w // 2
    for i in range(n):
        s = 0.0
        for k in range(i - half, i - half + w):
            if 0 <= k < n:
                s += gn[k]
        out[i] = s / w


@kernel
def trailing_mean_rows(x, w, out):
    """Each row of ``x`` (n x k) averaged with the ``w - 1`` rows before it, the first
    ``w - 1`` rows as given; a non-finite value spoils only the ``w`` means that hold it."""
    n, k = x.shape
    for i in range(n):
        for c in range(k):
            if i < w - 1:
                out[i, c] = x[i, c]
            else:
                s = 0.0
                for j in range(i - w + 1, i + 1):
                    s += x[j, c]
                out[i, c] = s / w
