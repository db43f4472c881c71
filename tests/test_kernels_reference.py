"""Fast numba kernels against slow, obviously correct references (seeded inputs)."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from gaitcore import _align_kernel as AK
from gaitcore import _events_kernel as EK
from gaitcore import _quality_kernel as QK
from gaitcore.quaternion import rotation_between
from gaitcore.signals import GRAVITY_MPS2

SEEDS = range(8)


def _clip_level_reference(v, floor, min_run=2, exc=0.9, near=0.01, min_tops=3, share=0.4):
    """Where the signed signal ``v`` clips (inf: nowhere), plainly."""
    f = v[np.isfinite(v)]
    if f.size == 0 or f.max() < floor:
        return np.inf
    top = f.max()
    run = best = 0
    for x in v:
        run = run + 1 if x >= top else 0
        best = max(best, run)
    if best >= min_run:
        return top
    peaks, cur = [], None
    for x in list(v) + [-np.inf]:
        if x >= exc * top:
            cur = x if cur is None else max(cur, x)
        elif cur is not None:
            peaks.append(cur)
            cur = None
    tops = [p for p in peaks if p >= (1 - near) * top]
    return min(tops) if len(tops) >= min_tops and len(tops) >= share * len(peaks) else np.inf


@pytest.mark.parametrize("seed", SEEDS)
def test_clip_levels(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(3000) / 200.0
    # swing-like peaks whose height varies from cycle to cycle by a few percent, as real ones do
    amp = 1 + 0.04 * rng.standard_normal(40)
    x = np.column_stack([400 * np.sin(2 * np.pi * 1.1 * t) * amp[(1.1 * t).astype(int)],
                         rng.standard_normal(3000) * 150,
                         500 * np.sin(2 * np.pi * 0.9 * t + 1) * amp[(0.9 * t + 0.5).astype(int)]])
    kind = seed % 4
    if kind == 1:    # a raw clip: flat top held exactly
        x[:, 0] = np.clip(x[:, 0], -360.0, 360.0)
    elif kind == 2:  # a calibrated clip: the plateau jitters
        over = x[:, 2] < -450
        x[over, 2] = -450 + rng.uniform(-2, 2, over.sum())
    elif kind == 3:
        x[rng.integers(0, 3000, 5), 1] = np.nan
    out = np.empty((3, 2))
    QK.clip_levels(x, 300.0, 2, 0.9, 0.01, 3, 0.4, out)
    ref = [[_clip_level_reference(s * x[:, c], 300.0) for s in (1, -1)] for c in range(3)]
    np.testing.assert_array_equal(out, ref, err_msg=f"seed {seed}")
    if kind == 1:
        assert out[0, 0] == 360.0 and out[0, 1] == 360.0, f"seed {seed}"
    if kind == 2:
        assert 447 <= out[2, 1] <= 452 and out[2, 0] == np.inf, f"seed {seed}: {out}"
    if kind in (0, 3):
        assert np.isinf(out).all(), f"seed {seed}: an unclipped signal taken for clipped: {out}"


@pytest.mark.parametrize("seed", range(40))
def test_select_kth_is_the_sorted_arrays_kth(seed):
    """Quickselect against a full sort: random lengths, many ties, every k in turn."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    x = rng.integers(0, max(1, n // (1 + seed % 4)), n).astype(float) if seed % 2 else rng.standard_normal(n)
    ref = np.sort(x)
    for k in range(n):
        y = x.copy()
        assert AK.select_kth(y, k) == ref[k], f"seed {seed}, k {k}"
        assert (y[:k] <= y[k]).all() and (y[k + 1:] >= y[k]).all(), f"seed {seed}, k {k}"
        assert np.array_equal(np.sort(y), ref), f"seed {seed}, k {k}: values lost"


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 4096])
def test_percentile_matches_numpy(n):
    x = np.random.default_rng(n).standard_normal(n) * 100
    for q in (5.0, 50.0, 95.0):
        assert AK.percentile(x.copy(), q) == float(np.percentile(x, q))


@pytest.mark.parametrize("seed", SEEDS)
def test_to_foot_frame(seed):
    rng = np.random.default_rng(seed)
    r = Rotation.random(random_state=seed).as_matrix()
    acc, gyr = rng.standard_normal((200, 3)), rng.standard_normal((200, 3))
    acc_ff, p = np.empty((200, 3)), np.empty(200)
    EK.to_foot_frame(acc, gyr, r, acc_ff, p)
    np.testing.assert_allclose(acc_ff, acc @ r.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p, -(gyr @ r.T)[:, 1], rtol=0, atol=1e-12)


def _stride_reference(acc, gyr_rad, fs, a, b):
    """Displacement (sensor frame at a, horizontal) and closure, by scipy rotations."""
    r0 = rotation_between(acc[a], np.array([0.0, 0.0, 1.0]))
    rot = Rotation.identity()
    dt = 1.0 / fs
    acc_w = [r0 @ acc[a] - [0, 0, GRAVITY_MPS2]]
    for k in range(a, b):
        rot = rot * Rotation.from_rotvec(0.5 * (gyr_rad[k] + gyr_rad[k + 1]) * dt)
        acc_w.append(r0 @ rot.apply(acc[k + 1]) - [0, 0, GRAVITY_MPS2])
    acc_w = np.array(acc_w)
    vel = np.vstack([[0, 0, 0], np.cumsum(0.5 * (acc_w[1:] + acc_w[:-1]) * dt, axis=0)])
    speed = np.linalg.norm(vel, axis=1)
    closure = speed[-1] / speed.max()
    drift = np.linspace(0, 1, len(vel))[:, None] * vel[-1]
    d = (vel - drift).sum(axis=0) * dt
    d[2] = 0.0
    return r0.T @ d, closure


@pytest.mark.parametrize("seed", SEEDS)
def test_direction_vote_matches_reference(seed):
    rng = np.random.default_rng(seed)
    fs, n = 200.0, 160
    acc = np.array([0.3, -0.2, GRAVITY_MPS2]) + rng.standard_normal((n, 3)) * 3
    gyr_rad = rng.standard_normal((n, 3)) * 2
    d_ref, closure = _stride_reference(acc, gyr_rad, fs, 0, n - 1)
    forward = rng.standard_normal(3)
    forward /= np.linalg.norm(forward)
    marks = np.array([0, n - 1], dtype=np.int64)
    votes, spans = np.empty(4), np.empty(4)
    gyr_dps = np.degrees(gyr_rad)
    k = AK.direction_votes(acc, gyr_dps, fs, marks, forward, np.inf, -1.0, 0.1, 3.0, 0.0, GRAVITY_MPS2, 0,
                           votes, spans)
    assert k == 1
    assert votes[0] == pytest.approx(float(forward @ d_ref / np.linalg.norm(d_ref)), abs=1e-9)
    assert spans[0] == n - 1
    # the closure decides: just above the reference closure the stride votes, just below it does not
    assert AK.direction_votes(acc, gyr_dps, fs, marks, forward, closure + 1e-9, -1.0, 0.1, 3.0, 0.0,
                              GRAVITY_MPS2, 0, votes, spans) == 1
    assert AK.direction_votes(acc, gyr_dps, fs, marks, forward, closure - 1e-9, -1.0, 0.1, 3.0, 0.0,
                              GRAVITY_MPS2, 0, votes, spans) == 0


def _gap_flags_reference(t_s, fs_hz, tol=1.5, track=0.01):
    """The jitter-tolerant gap rule, written plainly."""
    period = 1.0 / fs_hz
    flags = []
    last = clock = None
    after_bad = False
    for t in t_s:
        if not np.isfinite(t):
            flags.append(True)
            after_bad = True
            continue
        if last is None:
            flags.append(after_bad)
            clock = t
        elif after_bad:
            flags.append(True)
            clock = t
        elif t < last:
            flags.append(True)
            clock = t
        elif t - (clock + period) > tol * period:
            flags.append(True)
            clock = t
        else:
            flags.append(False)
            clock = clock + period + track * (t - (clock + period))
        last = t
        after_bad = False
    return np.array(flags, dtype=bool)


@pytest.mark.parametrize("tol", [1.5, 0.5])
def test_gap_flags_exhaustive_small(tol):
    """Every sequence of up to 5 intervals from {1, 1.5, 2, 3 periods, 0, backwards, NaN
    time}, and every way of cutting it into two chunks, at the jitter-tolerant and the
    clean-clock tolerance."""
    from itertools import product

    from gaitcore.events import clock_check, new_clock
    steps = [0.01, 0.015, 0.02, 0.03, 0.0, -0.01, np.nan]
    for n in range(1, 6):
        for combo in product(steps, repeat=n):
            t = np.concatenate([[0.0], np.cumsum(combo)])
            ref = _gap_flags_reference(t, 100.0, tol)
            for cut in range(len(t) + 1):
                a, _, c = clock_check(t[:cut], new_clock(tol), 100.0)
                b, _, _ = clock_check(t[cut:], c, 100.0)
                np.testing.assert_array_equal(np.concatenate([a, b]) != 0, ref, err_msg=f"t={t} cut={cut}")


def test_packet_quantised_time_stamps_are_not_gaps():
    """Packet-quantised stamps (a repeated stamp with a sample of its own, then a double
    step) around true drops: a short drop is reported but bridged, a long one breaks the
    stream; the same at the clean-clock tolerance, which the repeat does not trip."""
    from gaitcore.events import breaks_of, clock_check, new_clock
    t = np.arange(400) * 0.0025
    t[50::7] = t[49::7][:len(t[50::7])]          # repeated stamps, the next one on time
    t = np.concatenate([t[:200], t[203:300], t[320:]])  # 3 samples (7.5 ms) and 20 (50 ms) lost
    for tol in (1.5, 0.5):
        kind, lag, _ = clock_check(t, new_clock(tol), 400.0)
        assert np.flatnonzero(kind).tolist() == [200, 297]
        assert np.round(lag[[200, 297]] / 0.0025).tolist() == [3, 20]
        assert np.flatnonzero(breaks_of(kind, lag)).tolist() == [297]


# --------------------------------------------------------------------- trajectory geometry

def _zero_velocity_reference(events, gyr_dps, fs_hz, still, breaks):
    """Per contact: zero-velocity flags, TO (None past a break) and anchor, in plain Python."""
    from gaitcore.events import EventKind
    from gaitcore.trajectory import EDGE_FRACTION, ZV_GYR_DPS, ZV_MIN_FACTOR
    n = gyr_dps.shape[0]
    gn = np.linalg.norm(gyr_dps, axis=1)
    zupt = still.copy()
    spans = []
    bi = [i for i in range(n) if breaks[i]]
    for j, ev in enumerate(events):
        if ev.kind is not EventKind.IC:
            continue
        to = events[j + 1].pos if j + 1 < len(events) and events[j + 1].kind is EventKind.TO else None
        ic_i = int(np.ceil(ev.pos))
        if ic_i >= n:
            spans.append((ev.pos, to, -1))
            continue
        end = next((b for b in bi if b > ic_i), n)
        open_ended = not (to is not None and to < end)
        if not open_ended:
            edge = EDGE_FRACTION * (to - ev.pos)
            a, b = int(np.ceil(ev.pos + edge)), int(np.floor(to - edge))
        else:
            to = None
            a, b = int(np.ceil(ev.pos + 0.05 * fs_hz)), min(end - 1, int(np.ceil(ev.pos + 2.0 * fs_hz)))
            nxt = next((e.pos for e in events[j + 1:] if e.kind is EventKind.IC), None)
            if nxt is not None:
                b = min(b, int(np.ceil(nxt)) - 1)     # not into the next contact
        if b < a:
            if open_ended:
                spans.append((ev.pos, to, -1))
                continue
            a = b = min(n - 1, int(round(0.5 * (ev.pos + to))))
        seg = gn[a:b + 1].copy()
        if open_ended:
            seg[~still[a:b + 1]] = np.nan          # without a TO, only quiet standing
        if seg.size == 0 or not np.isfinite(seg).any():
            spans.append((ev.pos, to, -1))
            continue
        k = a + int(np.nanargmin(seg))
        slow = gn[a:b + 1] <= max(ZV_GYR_DPS, ZV_MIN_FACTOR * gn[k])
        if open_ended:                             # not past the anchor's slow run
            hi = k - a
            while hi < len(slow) - 1 and slow[hi + 1]:
                hi += 1
            slow[hi + 1:] = False
        zupt[a:b + 1] |= slow
        spans.append((ev.pos, to, k))
    return zupt, spans


def _pitch_yaw_reference(q, fwd_sf):
    r = Rotation.from_quat([q[1], q[2], q[3], q[0]]).as_matrix()   # scipy: x y z w
    f = r @ fwd_sf
    return np.degrees(np.arcsin(np.clip(f[2], -1, 1))), np.degrees(np.arctan2(f[1], f[0]))


def _stride_metrics_reference(spans, pos, quat, fwd_sf, max_stride, breaks, rec):
    """Stride length, peak height, strike / toe-off pitch, lateral excursion and turn per
    contact (NaN when unknown), and whether a reconstructed sample lies in the stride.
    Lateral excursion: the largest sideways distance of a swing sample from the circular
    arc between the anchors, R = L / (2 sin(|turn| / 2)), at the same place along the
    chord: sqrt(R^2 - u^2) - sqrt(R^2 - (L/2)^2), u from the chord's middle, on the
    side away from the turn.  The turn: the changes of chord direction from the previous
    stride to this one and from this one to the next (a neighbour under half this stride's
    length counts as none); both there: the smaller if they agree in sign, else 0; one
    there: it; none: 0."""
    n = pos.shape[0]
    out = np.full((len(spans), 6), np.nan)
    flags = np.zeros(len(spans), dtype=bool)
    chord = [None] * len(spans)
    swing = [None] * len(spans)
    for j, (ic, to, a) in enumerate(spans):
        ic_i = min(n - 1, int(round(ic)))
        if np.isfinite(quat[ic_i]).all():
            out[j, 2] = _pitch_yaw_reference(quat[ic_i], fwd_sf)[0]
        if to is not None and np.isfinite(quat[min(n - 1, int(round(to)))]).all():
            out[j, 3] = _pitch_yaw_reference(quat[min(n - 1, int(round(to)))], fwd_sf)[0]
        if j + 1 == len(spans):
            continue
        b = spans[j + 1][2]
        if a < 0 or b < 0 or not (np.isfinite(pos[a]).all() and np.isfinite(pos[b]).all()):
            continue
        if b <= a or b - a > max_stride or breaks[a + 1:b + 1].any():
            continue
        d = pos[b, :2] - pos[a, :2]
        out[j, 0] = np.hypot(*d)
        flags[j] = rec[a:b].any()
        lo = int(np.ceil(to)) if to is not None else a
        hi = min(n - 1, int(np.floor(spans[j + 1][0])))
        if hi > lo:
            seg = pos[lo:hi + 1]
            ok = np.isfinite(seg[:, 2])
            if ok.any():
                out[j, 1] = seg[ok, 2].max() - pos[a, 2]
            swing[j] = seg - pos[a]
        if out[j, 0] > 0:
            chord[j] = np.arctan2(d[1], d[0])
        turn = _pitch_yaw_reference(quat[b], fwd_sf)[1] - _pitch_yaw_reference(quat[a], fwd_sf)[1]
        out[j, 5] = (turn + 180.0) % 360.0 - 180.0

    def wrap(x):
        return (x + np.pi) % (2 * np.pi) - np.pi

    for j in range(len(spans)):
        if chord[j] is None or swing[j] is None:
            continue
        length = out[j, 0]
        sides = []
        if j > 0 and chord[j - 1] is not None and out[j - 1, 0] >= 0.5 * length:
            sides.append(wrap(chord[j] - chord[j - 1]))
        if j + 1 < len(spans) and chord[j + 1] is not None and out[j + 1, 0] >= 0.5 * length:
            sides.append(wrap(chord[j + 1] - chord[j]))
        if len(sides) == 2:
            turn = min(sides, key=abs) if sides[0] * sides[1] > 0 else 0.0
        else:
            turn = sides[0] if sides else 0.0
        along = np.cos(chord[j]) * swing[j][:, 0] + np.sin(chord[j]) * swing[j][:, 1] - length / 2
        side = np.cos(chord[j]) * swing[j][:, 1] - np.sin(chord[j]) * swing[j][:, 0]
        if turn == 0.0:
            arc = np.zeros_like(along)
        else:
            r = length / (2 * np.sin(abs(turn) / 2))
            arc = -np.sign(turn) * (np.sqrt(np.maximum(0, r ** 2 - along ** 2)) - np.sqrt(max(0, r ** 2 - length ** 2 / 4)))
        e = np.abs(side - arc)
        if np.isfinite(e).any():
            out[j, 4] = e[np.isfinite(e)].max()
    return out, flags


@pytest.mark.parametrize("seed", SEEDS)
def test_zero_velocity_and_stride_metrics_match_reference(seed):
    from gaitcore import _geometry_kernel as GK
    from gaitcore.analysis import detect_sensor
    from gaitcore.simulate import drill_by_name, simulate_session
    from gaitcore.trajectory import stride_geometry, zero_velocity

    rng = np.random.default_rng(seed)
    drill = ["walk", "sprint", "skips", "bunny_hops", "fast_feet", "tempo", "high_knees", "butt_kicks"][seed]
    sim = simulate_session(drill_by_name(drill), fs_hz=500.0, duration_s=10.0, seed=seed)
    s = sim.recording.sensors[0]
    r = detect_sensor(s)
    n = s.n_samples
    breaks = r.breaks.copy()
    breaks[rng.integers(0, n, size=3)] = True     # the filter restarts there
    gyr = s.gyr_dps_sf.copy()
    gyr[rng.integers(0, n, size=20), 1] = np.nan
    still = rng.random(n) < 0.02
    from gaitcore.events import EventKind
    tos = [k for k, ev in enumerate(r.events) if ev.kind is EventKind.TO]
    events = [ev for k, ev in enumerate(r.events) if k != tos[len(tos) // 2]]   # one TO not found
    zupt, _, spans = zero_velocity(events, gyr, s.fs_hz, still, breaks)
    zupt_ref, spans_ref = _zero_velocity_reference(events, gyr, s.fs_hz, still, breaks)
    assert len(spans) > 5, f"seed {seed}"
    np.testing.assert_array_equal(zupt, zupt_ref, err_msg=f"seed {seed}")
    assert [(sp.ic, sp.to, sp.anchor) for sp in spans] == spans_ref, f"seed {seed}"

    pos = np.cumsum(rng.standard_normal((n, 3)) * 0.01, axis=0)
    pos[rng.integers(0, n, size=5)] = np.nan
    quat = Rotation.random(n, random_state=seed).as_quat()[:, [3, 0, 1, 2]]
    fwd = Rotation.random(random_state=seed + 100).as_matrix()
    clipped = rng.random(n) < 0.01
    out = np.empty((len(spans), 6))
    rec = np.empty(len(spans), dtype=np.bool_)
    GK.stride_metrics(np.array([sp.ic for sp in spans]), np.array([np.nan if sp.to is None else sp.to for sp in spans]),
                      np.array([sp.anchor for sp in spans]), pos, quat, fwd[0], 3.0 * s.fs_hz,
                      np.r_[0, np.cumsum(breaks)], np.r_[0, np.cumsum(clipped)], out, rec)
    ref, rec_ref = _stride_metrics_reference(spans_ref, pos, quat, fwd[0], 3.0 * s.fs_hz, breaks, clipped)
    assert np.isfinite(ref[:, 0]).sum() >= 3, f"seed {seed}: too few strides to compare"
    cols = [0, 1, 2, 3, 5]
    np.testing.assert_allclose(out[:, cols], ref[:, cols], rtol=0, atol=1e-9, err_msg=f"seed {seed}")
    # the reference's sqrt(R^2 - u^2) loses digits where a sample lies near the circle's edge
    np.testing.assert_allclose(out[:, 4], ref[:, 4], rtol=0, atol=1e-7, err_msg=f"seed {seed}")
    np.testing.assert_array_equal(rec, rec_ref, err_msg=f"seed {seed}")
    geometry = stride_geometry(spans, pos, quat, fwd, s.fs_hz, breaks, clipped)
    lengths = [g.stride_length_m for g in geometry]
    assert lengths == [None if v != v else round(v, 3) for v in ref[:, 0]], f"seed {seed}"


@pytest.mark.parametrize("m", [0, 1, 2, 3, 10, 57])
def test_column_stats_match_numpy(m):
    from gaitcore import _steps_kernel as SK
    rng = np.random.default_rng(m)
    v = rng.standard_normal((m, 4)) * 3
    v[rng.random((m, 4)) < 0.2] = np.nan
    group = rng.integers(0, 2, size=m)
    out = np.empty((3, 4, 4))
    SK.column_stats(v, group, 2, out)
    for g in range(3):
        for c in range(4):
            x = v[(group == g) if g < 2 else slice(None), c]
            x = x[np.isfinite(x)]
            want = [x.size, x.mean() if x.size else np.nan, x.std(ddof=1) if x.size > 1 else np.nan,
                    np.median(x) if x.size else np.nan]
            np.testing.assert_allclose(out[g, c], want, rtol=1e-12, atol=1e-12, err_msg=f"m {m} group {g} col {c}")


def _foot_metrics_reference(ic, to, off, run_lo, run_hi, oic, ooff, orun_lo, orun_hi, swing, push, impact, sat,
                            max_stride, together, strong_swing, strong_push):
    """Per contact: contact, flight, step and stride time, cadence, confidence; an interval
    from contact A to a later contact B counts only when both lie in each other's stretch
    of unbroken signal (A's stretch reaches B's IC and B's reaches back to A's).  Flight:
    from the TO to the first landing of either foot after it, if the other foot's last
    contact begun by then has ended (``ooff``; NaN: unknown, so not).  Step: from the
    other foot's last landing before this one, or, when the other foot was in the air
    and lands before this contact ends (``off``) and within ``together`` of it, to that
    landing."""
    def unbroken(a_ic, a_hi, b_ic, b_lo):
        return a_hi >= b_ic and b_lo <= a_ic

    n = len(ic)
    out = np.full((n, 6), np.nan)
    contact = [to[k] - ic[k] for k in range(n)]
    for k in range(n):
        out[k, 0] = contact[k]
        if k + 1 < n and ic[k + 1] - ic[k] <= max_stride and unbroken(ic[k], run_hi[k], ic[k + 1], run_lo[k + 1]):
            out[k, 3] = ic[k + 1] - ic[k]
        out[k, 4] = 120.0 / out[k, 3]
        begun = [j for j in range(len(oic)) if oic[j] <= to[k]]
        if np.isfinite(to[k]) and (not begun or ooff[begun[-1]] < to[k]):
            landings = [(oic[j], unbroken(ic[k], run_hi[k], oic[j], orun_lo[j])) for j in range(len(oic))
                        if oic[j] > to[k]][:1]
            if k + 1 < n:       # this foot's own: the other sensor must have lost nothing before it
                other_ok = orun_hi[begun[-1]] >= ic[k + 1] if begun else \
                    next((orun_lo[j] <= ic[k] for j in range(len(oic)) if oic[j] > to[k]), False)
                landings.append((ic[k + 1], other_ok and unbroken(ic[k], run_hi[k], ic[k + 1], run_lo[k + 1])))
            if landings:
                land, ok = min(landings)
                if ok and 0.0 <= land - to[k] <= max_stride:
                    out[k, 1] = land - to[k]
        earlier = [j for j in range(len(oic)) if oic[j] < ic[k]]
        later = [j for j in range(len(oic)) if oic[j] >= ic[k]]
        if later and oic[later[0]] < off[k] and oic[later[0]] - ic[k] < together and (
                not earlier or ooff[earlier[-1]] < ic[k]):
            j = later[0]
            if unbroken(ic[k], run_hi[k], oic[j], orun_lo[j]):
                out[k, 2] = oic[j] - ic[k]
        elif earlier:
            j = earlier[-1]
            if ic[k] - oic[j] <= max_stride and unbroken(oic[j], orun_hi[j], ic[k], run_lo[k]):
                out[k, 2] = ic[k] - oic[j]
        conf = min(1.0, swing[k] / strong_swing)
        if not np.isfinite(contact[k]):
            conf *= 0.5
        else:
            conf *= min(1.0, push[k] / strong_push)
            near = [contact[j] for j in range(max(0, k - 3), min(n, k + 4)) if j != k and np.isfinite(contact[j])]
            if len(near) >= 2:
                med = float(np.median(near))
                dev = abs(contact[k] - med) / med if med > 0 else 1.0
                conf *= min(1.0, max(0.3, 1.0 - (dev - 0.2)))
        conf *= 0.9 if impact[k] else 1.0
        conf *= 0.8 if sat[k] else 1.0
        out[k, 5] = min(1.0, max(0.0, conf))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_foot_metrics_match_reference(seed):
    """Two feet in turn, some contacts lost, some TOs missing, and lost stretches of either
    sensor's signal: the kernel's timing and confidence are the reference's."""
    from gaitcore import _steps_kernel as SK
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.1, 0.4, 80))
    t[rng.random(t.size) < 0.05] += 4.0                 # a few pauses past the longest stride
    t = np.sort(t)
    foot = np.arange(t.size) % 2
    keep = rng.random(t.size) > 0.1                      # contacts the detector missed
    lost = [(a, a + rng.uniform(0.01, 0.8)) for a in rng.uniform(0.0, t[-1], 4)]

    def runs(x, which):
        gaps = [g for g, w in zip(lost, [0, 1, 0, 1]) if w == which or seed % 3 == 0]
        lo = np.array([max([b for a, b in gaps if a < v], default=-np.inf) for v in x])
        hi = np.array([min([a for a, b in gaps if b > v], default=np.inf) for v in x])
        return lo, hi

    ic, oic = t[(foot == 0) & keep], t[(foot == 1) & keep]
    to = ic + rng.uniform(0.05, 0.3, ic.size)
    to[rng.random(ic.size) < 0.15] = np.nan
    ooff = oic + rng.uniform(0.05, 0.3, oic.size)       # the other foot's TOs
    ooff[rng.random(oic.size) < 0.15] = np.nan
    run_lo, run_hi = runs(ic, 0)
    orun_lo, orun_hi = runs(oic, 1)
    swing = rng.uniform(50, 400, ic.size)
    push = np.where(np.isfinite(to), rng.uniform(50, 400, ic.size), np.nan)
    impact = rng.random(ic.size) < 0.3
    sat = rng.random(ic.size) < 0.2
    off = np.where(np.isnan(to) & (rng.random(ic.size) < 0.5), np.inf, to)   # some still standing at the end
    out = np.empty((ic.size, SK.N_COLS))
    SK.foot_metrics(ic, to, off, run_lo, run_hi, oic, ooff, orun_lo, orun_hi, swing, push, impact, sat, 3.0, 0.25,
                    150.0, 150.0, out)
    ref = _foot_metrics_reference(ic, to, off, run_lo, run_hi, oic, ooff, orun_lo, orun_hi, swing, push, impact, sat,
                                  3.0, 0.25, 150.0, 150.0)
    cols = [SK.C_CONTACT, SK.C_FLIGHT, SK.C_STEP, SK.C_STRIDE, SK.C_CADENCE, SK.C_CONF]
    np.testing.assert_allclose(out[:, cols], ref, rtol=0, atol=1e-12, err_msg=f"seed {seed}")
    inf = np.full(ic.size, np.inf), np.full(oic.size, np.inf)
    whole = _foot_metrics_reference(ic, to, off, -inf[0], inf[0], oic, ooff, -inf[1], inf[1], swing, push, impact, sat,
                                    3.0, 0.25, 150.0, 150.0)
    for c in (1, 2, 3):     # each interval is cut by a lost stretch somewhere
        assert (np.isfinite(whole[:, c]) & np.isnan(ref[:, c])).any(), f"seed {seed} column {c}"
    # and some steps are landings on both feet (paired forward) and some are not
    forward = [np.isclose(oic - ic[k], out[k, SK.C_STEP], rtol=0, atol=1e-12).any() for k in range(ic.size)]
    assert 0 < sum(forward) < np.isfinite(out[:, SK.C_STEP]).sum(), f"seed {seed}"


def test_warmup_early_stop_changes_no_outcome(real_data):
    """A warm-up attempt that stops once it cannot reach its stride count decides as the
    full attempt does: where the full one has enough strides the alignment is the same,
    elsewhere there is none.  Real walks and jogs, windows of every warm-up length."""
    from gaitcore.align import warmup_alignment
    from gaitcore.readers import read_recording
    recs = [read_recording([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)]
    recs += [read_recording([p], placements=["right_foot"])
             for p in sorted((real_data / "pyshoe_vicon").glob("2017-11-27-*.mat"))[:4]]
    stopped = decided = 0
    for rec in recs:
        for s in rec.sensors:
            for seconds in range(3, 31, 1):
                n = int(round(seconds * s.fs_hz))
                if n > s.n_samples:
                    break
                a, g = s.acc_mps2_sf[:n], s.gyr_dps_sf[:n]
                full = warmup_alignment(a, g, s.fs_hz, 0)
                part = warmup_alignment(a, g, s.fs_hz, 6)
                if full.n_strides_used >= 6:
                    decided += 1
                    assert part is not None, (s.name, seconds)
                    np.testing.assert_array_equal(part.rot_ff_sf, full.rot_ff_sf)
                    assert (part.n_strides_used, part.quality) == (full.n_strides_used, full.quality)
                else:
                    stopped += 1
                    assert part is None, (s.name, seconds, part)
    assert decided > 20 and stopped > 20, (decided, stopped)


@pytest.mark.parametrize("seed", SEEDS)
def test_row_scans_against_numpy(seed):
    """quality.implausible_rows and duplicate_rows (numba kernels) against plain numpy, on
    rows with NaN, values past the plausible limits (and exactly at them), repeated rows,
    rows repeated in all but one value or the time, and -0.0 against 0.0."""
    from gaitcore.quality import PLAUSIBLE_ACC_MPS2, PLAUSIBLE_GYR_DPS, duplicate_rows, implausible_rows
    from gaitcore.signals import Placement, SensorRecording
    rng = np.random.default_rng(seed)
    n = 400
    t = np.arange(n) / 100.0
    acc, gyr = rng.normal(0, 20, (n, 3)), rng.normal(0, 300, (n, 3))
    for k in rng.choice(n, 20, replace=False):
        which = rng.integers(0, 5)
        if which == 0:
            acc[k, rng.integers(0, 3)] = np.nan
        elif which == 1:
            acc[k, rng.integers(0, 3)] = rng.choice([-1, 1]) * PLAUSIBLE_ACC_MPS2 * rng.choice([1.0, 1.0 + 1e-12, 7.0])
        elif which == 2:
            gyr[k, rng.integers(0, 3)] = rng.choice([-1, 1]) * PLAUSIBLE_GYR_DPS * rng.choice([1.0, 1.0 + 1e-12, 1e295])
        elif which == 3:
            gyr[k, rng.integers(0, 3)] = np.inf
    for k in rng.choice(np.arange(1, n), 40, replace=False):
        t[k], acc[k], gyr[k] = t[k - 1], acc[k - 1], gyr[k - 1]
        change = rng.integers(0, 3)
        if change == 1:
            gyr[k, rng.integers(0, 3)] += 1e-9
        elif change == 2:
            t[k] += 1e-6
    acc[5], acc[6] = [0.0, 1.0, 2.0], [-0.0, 1.0, 2.0]
    gyr[6], t[6] = gyr[5], t[5]
    with np.errstate(invalid="ignore"):
        ref_bad = (np.abs(acc) > PLAUSIBLE_ACC_MPS2).any(axis=1) | (np.abs(gyr) > PLAUSIBLE_GYR_DPS).any(axis=1)
    ref_dup = np.r_[False, (t[1:] == t[:-1]) & (acc[1:] == acc[:-1]).all(axis=1) & (gyr[1:] == gyr[:-1]).all(axis=1)]
    assert ref_bad.any() and ref_dup.sum() >= 5 and ref_dup[6]
    np.testing.assert_array_equal(implausible_rows(acc, gyr), ref_bad)
    sensor = SensorRecording("s", Placement.parse("left"), 100.0, t, acc, gyr)
    np.testing.assert_array_equal(duplicate_rows(sensor), ref_dup)


@pytest.mark.parametrize("seed", SEEDS)
def test_near_period_spread_against_numpy(seed):
    """The clean-clock statistics (median step near one period and the 99th percentile of
    the distance from it) against numpy, on jittered stamps with drops, repeats, reversals
    and NaN."""
    from gaitcore._quality_kernel import near_period_spread
    rng = np.random.default_rng(seed)
    fs = 200.0
    steps = 1.0 + rng.normal(0, rng.choice([0.001, 0.02, 0.2]), 3000)
    steps[rng.choice(3000, 30, replace=False)] = rng.choice([0.0, 2.0, 3.0, -1.0], 30)
    t = np.cumsum(steps) / fs
    t[rng.choice(3000, 5, replace=False)] = np.nan
    d = np.diff(t) * fs
    near = d[np.isfinite(d) & (d > 0.5) & (d < 1.5)]
    mid = np.median(near)
    out = np.zeros(2)
    assert near_period_spread(t, fs, np.empty(t.size - 1), out) == near.size
    np.testing.assert_allclose(out, [mid, np.quantile(np.abs(near - mid), 0.99)], rtol=0, atol=1e-15)
    few = np.zeros(2)
    assert near_period_spread(np.array([0.0, 1.0 / fs]), fs, np.empty(1), few) == 1 and not few.any()


def test_clean_steps_sure_never_says_clean_where_the_sort_would_not():
    """The one-pass shortcut of quality.clock_tolerance_periods: over 600 seeded stamp
    sets around both thresholds (period off by 0-0.4%, jitter 0.05-1.5%, a few drops,
    repeats and NaN), whenever it says clean, numpy's median and 99th percentile say
    clean too; and it does say clean on most stamp sets that are (not a test that passes
    by never deciding)."""
    from gaitcore._quality_kernel import clean_steps_sure
    from gaitcore.quality import CLEAN_RATE_MATCH, CLEAN_STEP_SPREAD
    rng = np.random.default_rng(17)
    fs, sure, clean = 200.0, 0, 0
    for _ in range(600):
        n = int(rng.integers(20, 3000))
        steps = 1.0 + rng.uniform(-0.004, 0.004) + rng.normal(0, rng.uniform(0.0005, 0.015), n) \
            * rng.choice([0.0, 1.0], p=[0.2, 0.8])
        k = rng.integers(0, 4)
        steps[rng.choice(n, k, replace=False)] = rng.choice([0.0, 2.0, -1.0], k)
        t = np.cumsum(steps) / fs
        if rng.random() < 0.2:
            t[rng.integers(0, n)] = np.nan
        d = np.diff(t) * fs
        near = d[np.isfinite(d) & (d > 0.5) & (d < 1.5)]
        mid = np.median(near)
        exact = abs(mid - 1.0) <= CLEAN_RATE_MATCH and np.quantile(np.abs(near - mid), 0.99) <= CLEAN_STEP_SPREAD
        fast = clean_steps_sure(t, fs, CLEAN_RATE_MATCH, CLEAN_STEP_SPREAD)
        assert exact or not fast, (n, mid)
        sure += fast
        clean += exact
    assert clean > 80 and sure > 0.7 * clean, (sure, clean)      # 111 and 87
    assert clean_steps_sure(np.arange(5000) / fs, fs, CLEAN_RATE_MATCH, CLEAN_STEP_SPREAD)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unit_counts_match_numpy(seed):
    """The unit check's counts (analysis._check_units) against numpy on every 8th row,
    non-finite rows left out (seeded)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    acc = rng.normal(0, 40, (n, 3))
    gyr = rng.normal(0, 3000, (n, 3))
    acc[rng.random(n) < 0.05, 1] = np.nan
    gyr[rng.random(n) < 0.05, 2] = np.inf
    out = np.zeros(8, dtype=np.int64)
    QK.unit_counts(acc, gyr, 8, 3.0, 60.0, 5000.0, 2000.0, 20.0, 50.0, 40.0, 3000.0, out)
    a, g = np.linalg.norm(acc[::8], axis=1), np.linalg.norm(gyr[::8], axis=1)
    ok = np.isfinite(a) & np.isfinite(g)
    a, g = a[ok], g[ok]
    quiet = g < 2000.0
    assert out.tolist() == [ok.sum(), (a < 3.0).sum(), (a > 60.0).sum(), (g > 5000.0).sum(), quiet.sum(),
                            ((a[quiet] < 20.0) | (a[quiet] > 50.0)).sum(), (a > 40.0).sum(), (g > 3000.0).sum()]
    assert 0 < out[5] < out[4]      # the draws exercise both sides of the quiet test


@pytest.mark.parametrize("w", [1, 2, 5, 17])
def test_trailing_mean_matches_numpy_windows(w):
    """The standing calibration's 5 ms means: each row with the w - 1 before it, NaN
    spoiling only the means that hold it (seed 11)."""
    from gaitcore._align_kernel import trailing_mean_rows
    rng = np.random.default_rng(11)
    x = rng.standard_normal((300, 3)) * 5.0
    x[[40, 41, 200], [0, 0, 2]] = np.nan
    out = np.empty_like(x)
    trailing_mean_rows(x, w, out)
    ref = x.copy()
    ref[w - 1:] = np.lib.stride_tricks.sliding_window_view(x, w, axis=0).mean(axis=-1)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12, equal_nan=True)
