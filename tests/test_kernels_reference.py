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


def _flat_top_reference(x, floor, min_run):
    a = np.abs(x[np.isfinite(x)])
    if a.size == 0 or a.max() < floor:
        return np.nan
    top = a.max()
    run = best = 0
    for v in np.abs(x):
        run = run + 1 if v >= top else 0
        best = max(best, run)
    return top if best >= min_run else np.nan


@pytest.mark.parametrize("seed", SEEDS)
def test_flat_tops(seed):
    rng = np.random.default_rng(seed)
    acc = rng.standard_normal((500, 3)) * 40
    gyr = rng.standard_normal((500, 3)) * 600
    for col in rng.choice(6, size=3, replace=False):  # plant clipped stretches on three axes
        arr, c = (acc, col) if col < 3 else (gyr, col - 3)
        k = int(rng.integers(0, 490))
        arr[k:k + int(rng.integers(1, 4)), c] = (-1) ** col * (200.0 if col < 3 else 2500.0)
    acc[rng.integers(0, 500), 0] = np.nan
    out = np.empty(6)
    QK.flat_tops(acc, gyr, 39.0, 500.0, 2, out)
    ref = [_flat_top_reference(acc[:, c], 39.0, 2) for c in range(3)] + \
          [_flat_top_reference(gyr[:, c], 500.0, 2) for c in range(3)]
    np.testing.assert_array_equal(out, ref, err_msg=f"seed {seed}")


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
    votes = np.empty(4)
    gyr_dps = np.degrees(gyr_rad)
    k = AK.direction_votes(acc, gyr_dps, fs, marks, forward, np.inf, -1.0, 0.1, 3.0, 0.0, GRAVITY_MPS2, votes)
    assert k == 1
    assert votes[0] == pytest.approx(float(forward @ d_ref / np.linalg.norm(d_ref)), abs=1e-9)
    # the closure decides: just above the reference closure the stride votes, just below it does not
    assert AK.direction_votes(acc, gyr_dps, fs, marks, forward, closure + 1e-9, -1.0, 0.1, 3.0, 0.0,
                              GRAVITY_MPS2, votes) == 1
    assert AK.direction_votes(acc, gyr_dps, fs, marks, forward, closure - 1e-9, -1.0, 0.1, 3.0, 0.0,
                              GRAVITY_MPS2, votes) == 0


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


def test_gap_flags_exhaustive_small():
    """Every sequence of up to 5 intervals from {1, 2, 3 periods, 0, backwards, NaN time},
    and every way of cutting it into two chunks."""
    from itertools import product

    from gaitcore.events import clock_check, new_clock
    steps = [0.01, 0.02, 0.03, 0.0, -0.01, np.nan]
    for n in range(1, 6):
        for combo in product(steps, repeat=n):
            t = np.concatenate([[0.0], np.cumsum(combo)])
            ref = _gap_flags_reference(t, 100.0)
            for cut in range(len(t) + 1):
                a, _, c = clock_check(t[:cut], new_clock(), 100.0)
                b, _, _ = clock_check(t[cut:], c, 100.0)
                np.testing.assert_array_equal(np.concatenate([a, b]) != 0, ref, err_msg=f"t={t} cut={cut}")


def test_packet_quantised_time_stamps_are_not_gaps():
    """x-io NGIMU style: a repeated stamp then a double step, around true drops; a short
    drop is reported but bridged, a long one breaks the stream."""
    from gaitcore.events import breaks_of, clock_check, new_clock
    t = np.arange(400) * 0.0025
    t[50::7] = t[49::7][:len(t[50::7])]          # repeated stamps, the next one on time
    t = np.concatenate([t[:200], t[203:300], t[320:]])  # 3 samples (7.5 ms) and 20 (50 ms) lost
    kind, lag, _ = clock_check(t, new_clock(), 400.0)
    assert np.flatnonzero(kind).tolist() == [200, 297]
    assert np.round(lag[[200, 297]] / 0.0025).tolist() == [3, 20]
    assert np.flatnonzero(breaks_of(kind, lag)).tolist() == [297]
