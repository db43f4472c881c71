"""A rep's start and sprint splits (gaitcore.splits) against the simulator's truth: the
heel's first rise, the body's time at each distance (over the stance foot at mid-contact),
the fastest windows and the top speed; and the rules on hand-made signals."""
import json
from pathlib import Path

import numpy as np
import pytest

from gaitcore import analyze, read
from gaitcore.params import SplitParams
from gaitcore.signals import Side
from gaitcore.simulate import SPRINT, TEMPO, Rep, SessionPlan, simulate_plan
from gaitcore.splits import FootPath, Mark, Splits, first_movement_s, rep_splits

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"
TRUTH = json.loads((ROOT / "recordings" / "sprint_session.truth.json").read_text())

SPLIT_TOL_S = 0.05        # the bar for split times against the simulator's truth


@pytest.fixture(scope="module")
def bundled():
    return analyze(read(BUNDLED))


def _check_against_truth(rep, truth):
    sp = rep.splits
    assert sp is not None
    assert abs(sp.first_movement_s - truth["first_movement_s"]) < 0.015, (sp.first_movement_s, truth)
    want = truth["splits_s"]
    assert [f"{x.distance_m:g}" for x in sp.at] == list(want)
    for x in sp.at:     # the bar up to the sprint's distance; in the braking after it, the stated uncertainty
        bar = SPLIT_TOL_S if x.distance_m <= truth["distance_m"] else x.uncertainty_s
        assert abs(x.time_s - want[f"{x.distance_m:g}"]) < bar, (x, want)
        assert x.uncertainty_s > 0
    for f in sp.flying:
        assert abs(f.time_s - truth["flying_s"][f"{f.window_m:g}"]) < SPLIT_TOL_S, (f, truth["flying_s"])
    assert abs(sp.top_speed_mps / truth["top_speed_mps"] - 1) < 0.03, (sp.top_speed_mps, truth)
    assert abs(sp.top_speed_at_m - truth["top_speed_at_m"]) < 10.0


def test_bundled_sprint_splits_against_the_truth(bundled):
    """The bundled 40 m sprint from standing: first movement 3 ms after the heel's first rise
    (measured), each split 4-9 ms and each flying window within 5 ms of the truth, top speed
    0.6% low; the drills after it start from standing too and get a start."""
    sprint, skips, knees = bundled.reps
    _check_against_truth(sprint, TRUTH["reps"][0])
    first = [c for c in TRUTH["contacts"] if c["rep"] == 0]
    first_ic = min(c["ic_s"] for c in first)
    sp = sprint.splits
    assert abs(sp.first_movement_s + sp.first_contact_s - first_ic) < 0.005
    leaving = min((c for c in first), key=lambda c: c["ic_s"])
    assert sp.first_stride.foot.value == leaving["foot"]
    assert 1.0 < sp.first_stride.length_m < 2.0 and 0.2 < sp.first_stride.time_s < 0.35
    for r, t in ((skips, TRUTH["reps"][1]), (knees, TRUTH["reps"][2])):
        assert r.splits is not None and abs(r.splits.first_movement_s - t["first_movement_s"]) < 0.015
        assert abs(r.splits.distance_m - 20.0) < 2.0


@pytest.mark.parametrize("fs_hz,seed", [(200.0, 3), (1600.0, 5)])
def test_simulated_sprints_at_other_rates(fs_hz, seed):
    """Two sprints from standing (30 m, quick to top speed; 40 m tempo) at 200 and 1600 Hz."""
    plan = SessionPlan("t", "two sprints", "a", (Rep(SPRINT, 30.0, accel_tau_s=1.0, brake_mps2=4.0),
                                                  Rep(TEMPO, 40.0, accel_tau_s=1.5, brake_mps2=3.0)), rest_s=5.0)
    sim = simulate_plan(plan, fs_hz=fs_hz, seed=seed)
    a = analyze(sim.recording)
    assert len(a.reps) == 2
    for r, t in zip(a.reps, sim.truth["reps"]):
        _check_against_truth(r, t)


def test_custom_split_distances(bundled):
    a = analyze(read(BUNDLED), params=SplitParams(distances_m=(15.0, 45.0, 80.0), flying_m=(5.0,)))
    sp = a.reps[0].splits
    assert [x.distance_m for x in sp.at] == [15.0, 40.0, 45.0]    # the plan's 40 m too; 80 m was not reached
    assert [f.window_m for f in sp.flying] == [5.0]
    assert sp.time_at(20.0) == pytest.approx(bundled.reps[0].splits.at[2].time_s)


def test_flying_times_are_the_fastest_windows(bundled):
    """The reported fastest window against every window on a 1 cm grid (slow reference)."""
    sp = bundled.reps[0].splits
    for f in sp.flying:
        starts = np.arange(0.0, sp.distance_m - f.window_m, 0.01)
        best = min(sp.time_between(d, d + f.window_m) for d in starts)
        assert f.time_s == pytest.approx(best, abs=0.002)
        assert sp.time_between(f.from_m, f.from_m + f.window_m) == pytest.approx(f.time_s, abs=1e-9)
    assert sp.time_at(-1.0) is None and sp.time_at(sp.distance_m + 1.0) is None


def _rise(fs_hz: float, start_s: float, toe_off_s: float, noise_dps: float = 0.5, seed: int = 1):
    """A foot standing, then its rate growing linearly from ``start_s`` to 600 deg/s at the
    toe-off (a heel rise), with white noise."""
    t = np.arange(0.0, toe_off_s + 0.2, 1.0 / fs_hz)
    rate = np.where(t > start_s, 600.0 * (t - start_s) / (toe_off_s - start_s), 0.0)
    gyr = np.zeros((t.size, 3))
    gyr[:, 1] = rate
    gyr += np.random.default_rng(seed).normal(0.0, noise_dps, gyr.shape)
    return t, gyr


@pytest.mark.parametrize("fs_hz", [200.0, 1000.0])
def test_first_movement_of_a_rise(fs_hz):
    t, gyr = _rise(fs_hz, 2.0, 2.2)
    assert first_movement_s(t, gyr, 2.2) == pytest.approx(2.0, abs=2.0 / fs_hz + 0.002)


def test_no_first_movement_when_the_foot_never_stood():
    t = np.arange(0.0, 3.0, 0.001)
    gyr = np.zeros((t.size, 3))
    gyr[:, 1] = 100.0 + 50.0 * np.sin(2 * np.pi * 2 * t)     # moving all along
    assert first_movement_s(t, gyr, 2.5) is None


def test_rep_splits_on_hand_made_marks():
    """One foot at exactly 2 m per stride, 1 s per stride, from its first movement on: the
    splits are the line's."""
    fs = 100.0
    t = np.arange(0.0, 14.0, 1.0 / fs)
    gyr = np.zeros((t.size, 3))
    move, off = 1.0, 1.2
    gyr[(t > move) & (t < off), 1] = 300.0 * (t[(t > move) & (t < off)] - move) / (off - move)
    ic = 1.9 + np.arange(10.0)
    mid = ic + 0.1
    pos = np.zeros((t.size, 3))
    anchors = np.searchsorted(t, mid)
    x = 2.0 * (np.arange(10.0) + 1.0)
    for a, xa in zip(anchors, x):
        pos[a, 0] = xa
    path = FootPath(Side.LEFT, t, gyr, pos, np.zeros(t.size, dtype=np.int64), ic, mid, anchors.astype(np.int64),
                    (off,))
    sp = rep_splits([path], -np.inf, ic[0], ic[-1], SplitParams(distances_m=(4.0, 10.0), flying_m=(6.0,),
                                                                  moving_dps=15.0))
    assert isinstance(sp, Splits)
    assert sp.first_movement_s == pytest.approx(move, abs=0.02)
    assert sp.marks[0] == Mark(sp.first_movement_s, 0.0) and len(sp.marks) == 11
    times = {x.distance_m: x.time_s for x in sp.at}
    assert times[4.0] == pytest.approx(2.0, abs=0.02) and times[10.0] == pytest.approx(5.0, abs=0.02)
    assert sp.flying[0].time_s == pytest.approx(3.0, abs=1e-6)
    assert sp.top_speed_mps == pytest.approx(2.0) and sp.top_speed_uncertainty_mps == pytest.approx(2.0 * 0.031)
    assert sp.first_stride.length_m == pytest.approx(2.0) and sp.first_stride.time_s == pytest.approx(1.9 - off)
    # the earliest stride: 2 m in 1 s, its middle 1.5 s after the first movement
    assert sp.first_speed_mps == pytest.approx(2.0) and sp.first_speed_at_s == pytest.approx(1.5, abs=0.02)
    assert sp.start_acceleration_mps2 == pytest.approx(2.0 / 1.5, rel=0.02)
    # a rep with no toe-off from standing before it has no splits
    assert rep_splits([path], off, ic[0], ic[-1]) is None


def test_split_params_are_checked():
    from gaitcore.errors import UsageError
    with pytest.raises(UsageError, match="distances_m"):
        SplitParams(distances_m=(10.0, -5.0))
    with pytest.raises(UsageError, match="moving_dps"):
        SplitParams(moving_dps=0.0)


def test_splits_in_the_json(bundled):
    d = bundled.reps[0].to_dict()["splits"]
    assert set(d) == {"first_movement_s", "first_contact_s", "first_stride", "distance_m", "at", "flying",
                      "top_speed_mps", "top_speed_at_m", "top_speed_uncertainty_mps", "first_speed_mps",
                      "first_speed_at_s", "start_acceleration_mps2", "stride_error_pct"}
    assert [x["distance_m"] for x in d["at"]] == [5.0, 10.0, 20.0, 30.0, 40.0]
