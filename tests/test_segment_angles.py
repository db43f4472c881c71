"""Shank and thigh pods: swing peaks against the simulator's truth, the gravity
kernel against a slow reference, and plausibility on the real TRIPOD shank pods
(which have no angle reference)."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from benchmarks.simdata import segment_score
from gaitcore import _segment_kernel as SK
from gaitcore.analysis import analyze
from gaitcore.readers import read_recording
from gaitcore.simulate import DRILLS

# Sprint shank pods see > 16 g through the whole swing: they need the +-32 g range of
# the project's reference pod (at 16 g the clipped swing biases the shank by 4-6 deg).
RANGE_G = {"sprint": 32.0, "acceleration": 32.0}


# lunges take a second a step: 12 s hold too few once the start and the stop are left out
DURATION_S = {"lunges": 30.0}
KNOWN = {("power_skip", 500.0): "a power skip's thigh peaks are off by 4-9 deg, alternating (docs/findings.md)",
         ("power_skip", 1000.0): "a power skip's thigh peaks are off by 4-9 deg, alternating (docs/findings.md)",
         ("lunges", 1000.0): "lunges' thigh peaks read high, 3.5 deg on average (docs/findings.md)"}


@pytest.mark.parametrize("drill, fs_hz", [
    pytest.param(d, r, marks=pytest.mark.xfail(strict=True, reason=KNOWN[d, r])) if (d, r) in KNOWN else (d, r)
    for d in sorted(DRILLS) for r in (500.0, 1000.0)])
def test_swing_peaks_against_simulated_truth(drill, fs_hz):
    seed = 1
    res = segment_score(drill, fs_hz, seed, RANGE_G.get(drill, 16.0), duration_s=DURATION_S.get(drill, 12.0))
    for seg in ("shank", "thigh"):
        err, n_truth = res.errors[seg], res.n_truth[seg]
        msg = f"{drill} {fs_hz} Hz seed {seed} {seg}: {err.size}/{n_truth} peaks, errors {np.round(err, 1)}"
        assert n_truth >= 4 and err.size >= 0.95 * n_truth, msg
        assert np.abs(err).mean() <= 3.0, msg


def _up_reference(gyr_rad, acc, a0, a1, a, b, dt):
    """Mean specific force over [a0, a1] in the frame at a0 (trapezoid), then the up
    direction in the sensor frame at each sample of [a, b]; scipy rotations."""
    rots = [Rotation.identity()]
    for k in range(a0, a1):
        rots.append(rots[-1] * Rotation.from_rotvec(0.5 * (gyr_rad[k] + gyr_rad[k + 1]) * dt))
    f = np.array([r.apply(acc[a0 + i]) for i, r in enumerate(rots)])
    w = np.ones(len(f))
    w[[0, -1]] = 0.5
    g = (w[:, None] * f).sum(axis=0)
    g /= np.linalg.norm(g)
    return np.array([rots[k - a0].inv().apply(g) for k in range(a, b + 1)])


@pytest.mark.parametrize("seed", range(4))
def test_gravity_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n = 400
    gyr = np.cumsum(rng.standard_normal((n, 3)), axis=0) * 0.2
    acc = rng.standard_normal((n, 3)) * 3 + np.array([0.0, 0.0, 9.81])
    anchors = np.array([10, 80, 150, 230, 300, 390])
    usable = np.array([True, True, False, True, True])
    up = np.full((n, 3), np.nan)
    SK.up_between_anchors(gyr, acc, anchors, 0.01, usable, 150, np.zeros(3), np.full(6, np.nan), up)
    # interval 0 grows forward only (1 is usable, -1 does not exist): [10, 150] then [10, 150] spans 140 < 150,
    # interval 2 is unusable, so the window stops there: interval 0 uses anchors 0..2
    np.testing.assert_allclose(up[10:81], _up_reference(gyr, acc, 10, 150, 10, 80, 0.01), atol=1e-9,
                               err_msg=f"seed {seed}")
    np.testing.assert_allclose(up[230:301], _up_reference(gyr, acc, 230, 390, 230, 300, 0.01), atol=1e-9,
                               err_msg=f"seed {seed}")
    assert np.isnan(up[151:230]).all() and np.isnan(up[:10]).all()


def test_tripod_shank_pods(real_data):
    """Treadmill walk at preferred speed with pods on both shanks: a backward shank
    peak for nearly every swing, steady from stride to stride and alike on both legs
    (no angle reference exists in this data set; walking shank peaks are 40-70 deg)."""
    rec = read_recording([real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"])
    out = analyze(rec)
    means = []
    for foot in ("left", "right"):
        steps = [s for s in out.steps if s.foot.value == foot]
        peaks = np.array([s.shank_angle_peak_deg for s in steps if s.shank_angle_peak_deg is not None])
        assert peaks.size >= 0.9 * len(steps), (foot, peaks.size, len(steps))
        assert 40 <= np.median(peaks) <= 70 and peaks.std() < 5, (foot, np.median(peaks), peaks.std())
        means.append(peaks.mean())
        assert all(s.thigh_angle_peak_deg is None for s in steps)
    assert abs(means[0] - means[1]) < 5, means
