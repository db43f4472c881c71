"""Reps (gaitcore.reps): the rule, and the reps of a simulated session against its truth."""
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gaitcore import Pipeline, PodSpec, Step, analyze, read
from gaitcore.params import StepParams
from gaitcore.plan import try_plan
from gaitcore.reps import RepCount, begins_rep, count_rep, rep_metrics, rest_from, reps_of
from gaitcore.signals import Side
from gaitcore.simulate import START_PUSH_S

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"
TRUTH = json.loads((ROOT / "recordings" / "sprint_session.truth.json").read_text())


def test_the_rule():
    p = StepParams()
    assert begins_rep(None, math.inf, 1.0)                                 # the first contact
    assert not begins_rep(1.0, math.inf, 1.0 + p.rep_pause_s)              # a pause of exactly rep_pause_s
    assert begins_rep(1.0, math.inf, 1.0 + p.rep_pause_s + 1e-6)           # ... and longer
    assert not begins_rep(1.0, rest_from(1.0), 1.0 + p.max_contact_s)      # the other foot beside the stop
    assert begins_rep(1.0, rest_from(1.0), 1.0 + p.max_contact_s + 1e-6)   # after standing that long
    assert rest_from(1.0) == 1.0 + p.max_contact_s


def test_count_rep_numbers_contacts_in_order():
    s, got = RepCount(), []
    for ic, standing in [(1.0, False), (1.3, False), (1.6, True), (1.9, False), (4.0, False), (4.3, False),
                         (7.4, False)]:
        r, s = count_rep(s, ic, standing)
        got.append(r)
    # the stop at 1.6 ends rep 0 once stood 2 s: the other foot's landing at 1.9 is still in it;
    # 7.4 comes after a 3.1 s pause
    assert got == [0, 0, 0, 0, 1, 1, 2]
    with pytest.raises(ValueError, match="out of IC order"):
        count_rep(s, 7.0, False)


@pytest.fixture(scope="module")
def bundled():
    return analyze(read(BUNDLED))


def test_the_simulated_sessions_reps(bundled):
    """The bundled session (a 40 m sprint from standing with its braking, 20 m A-skips,
    20 m high knees; 10 s standing between): three reps, each from its first movement (the
    heel rise) to the stop.  The first movement within 15 ms of the truth's (measured 3 ms
    late), the push-off within 10 ms of the truth's first foot leaving the ground (its
    schedule's start plus START_PUSH_S; measured 5.7-6 ms late), the first landing after it;
    the end within 0.2 s of the truth's (the feet flat together after the stop: 0.16 s);
    the drills' distance within 5% of the planned 20 m, the sprint's the 40 m plus its
    braking."""
    reps, truth = bundled.reps, TRUTH["reps"]
    assert len(reps) == len(truth) == 3
    for r, t in zip(reps, truth):
        assert r.start_s == r.splits.first_movement_s and abs(r.start_s - t["first_movement_s"]) < 0.015, (r, t)
        assert abs(r.push_off_s - (t["start_s"] + START_PUSH_S)) < 0.01, (r, t)
        assert 0.2 < r.first_ic_s - r.push_off_s < 0.5, r
        assert abs(r.end_s - t["end_s"]) < 0.2, (r, t)
    assert [r.rest_before_s is None for r in reps] == [True, False, False]
    assert all(9.0 < r.rest_before_s < 12.0 for r in reps[1:])
    assert all(abs(r.distance_m / 20.0 - 1) < 0.05 for r in reps[1:]), reps
    assert 40.0 < reps[0].distance_m < 60.0
    # every step in one rep, numbered in time order; each truth contact in the truth's rep
    assert sum(r.n_steps for r in reps) == len(bundled.steps)
    assert [s.rep for s in bundled.steps] == sorted(s.rep for s in bundled.steps)
    for c in TRUTH["contacts"]:
        s = min(bundled.steps, key=lambda s: abs(s.ic_s - c["ic_s"]) + (s.foot.value != c["foot"]))
        if abs(s.ic_s - c["ic_s"]) < 0.05:
            assert s.rep == c["rep"], (s, c)


def test_reps_of_groups_the_steps(bundled):
    plan = try_plan(read(BUNDLED).session.plan)     # (the simulator writes the session's plan)
    assert [(r.drill, r.distance_m) for r in plan.reps] == [("sprint", 40.0), ("skip", 20.0), ("high_knees", 20.0)]
    again = reps_of(bundled.steps, [r.push_off_s for r in bundled.reps], plan=plan)
    # (without the feet's paths there are no splits, and a rep from standing starts at its push-off;
    # the sprint's start is then not read: the rep is a sprint by its top speed alone)
    assert [r.recognised.drill for r in again] == ["sprint", "skip", "high_knees"]
    assert [r.recognised.drill for r in bundled.reps] == ["acceleration", "skip", "high_knees"]
    assert tuple(replace(r, rest_before_s=None, recognised=None) for r in again) == tuple(
        replace(r, splits=None, start_s=r.push_off_s, rest_before_s=None, recognised=None) for r in bundled.reps)
    assert [r.rest_before_s for r in again] == [None] + [
        pytest.approx(r.rest_before_s + r.push_off_s - r.start_s) for r in bundled.reps[1:]]
    assert [r.to_dict()["steps"] for r in again] == [r.n_steps for r in bundled.reps]
    # without push-offs (or with one outside the rep's rest) a rep starts at its first landing
    for r in (reps_of(bundled.steps), reps_of(bundled.steps, [bundled.reps[1].first_ic_s + 0.1])):
        assert [x.start_s for x in r] == [x.first_ic_s for x in r] and all(x.push_off_s is None for x in r)


def test_the_streaming_pipeline_numbers_the_same_reps(bundled):
    """gaitcore.Pipeline fed 250 rows at a time, the pods in turn: each step's rep as the
    analysis's (its steps stage applies the rule as the steps come out)."""
    rec = read(BUNDLED)
    pipe = Pipeline([PodSpec(s.name, s.placement, s.fs_hz) for s in rec.sensors])
    n = max(s.n_samples for s in rec.sensors)
    for a in range(0, n, 250):
        for s in rec.sensors:
            pipe.feed(s.name, s.t_s[a:a + 250], s.acc_mps2_sf[a:a + 250], s.gyr_dps_sf[a:a + 250])
    pipe.finish()
    assert [(s.foot, s.ic_s, s.rep) for s in pipe.steps] == [(s.foot, s.ic_s, s.rep) for s in bundled.steps]


def test_a_pause_without_standing_splits_reps():
    """The bundled session's left pod with its samples from 8 s to 20 s gone (the sprint's
    end, its stop and the rest): no standing contact parts the sprint from the skips, the
    12 s without a contact does."""
    rec = read(BUNDLED)
    s = rec.sensors[0]
    keep = (s.t_s < 8.0) | (s.t_s > 20.0)
    cut = replace(rec, sensors=(replace(s, t_s=s.t_s[keep], acc_mps2_sf=s.acc_mps2_sf[keep],
                                        gyr_dps_sf=s.gyr_dps_sf[keep]),))
    out = analyze(cut, trajectory=False)
    assert len(out.reps) == 3 and out.reps[0].end_s < 8.0 and 20.0 < out.reps[1].start_s < 23.0, out.reps
    assert out.reps[1].push_off_s is None and out.reps[1].start_s == out.reps[1].first_ic_s   # not from standing


def _step(foot, ic_s, contact_s, flight_s, step_length_m=None, lift_m=None, speed_mps=None,
          stride_time_s=0.4) -> Step:
    """A step with the figures the rep metrics read (the rest unknown)."""
    return Step(rep=0, foot=foot, ic_s=ic_s, to_s=None if contact_s is None else ic_s + contact_s, contact_s=contact_s,
                flight_s=flight_s, step_time_s=None, step_length_m=step_length_m, stride_time_s=stride_time_s,
                cadence_spm=None, stride_length_m=None, speed_mps=speed_mps, peak_height_m=lift_m,
                strike_angle_deg=None, toe_off_angle_deg=None, lateral_excursion_m=None, turning_angle_deg=None,
                position_m=None, shank_angle_peak_deg=None, thigh_angle_peak_deg=None, saturated=False,
                confidence=1.0)


def test_rep_metrics_by_hand():
    """Six steps, left and right in turn: contacts 0.10, 0.12, 0.10, 0.12, 0.14, None (the
    stop, whose swing after it is the next rep's start: no stride time); the numbers worked
    out by hand."""
    L, R = Side.LEFT, Side.RIGHT
    steps = [_step(L, 0.0, 0.10, 0.10, 1.0, 0.20, 5.0), _step(R, 0.2, 0.12, 0.12, 1.2, 0.20, 6.0),
             _step(L, 0.4, 0.10, 0.08, 1.0, 0.30), _step(R, 0.6, 0.12, None, 1.2, 0.30),
             _step(L, 0.8, 0.14, 0.07), _step(R, 1.0, None, None, lift_m=0.5, stride_time_s=None)]
    m = rep_metrics(steps)
    c = m.contact_s
    assert c.n == 5 and c.mean == pytest.approx(0.116)
    assert c.cv_pct == pytest.approx(100 * np.std([0.10, 0.12, 0.10, 0.12, 0.14], ddof=1) / 0.116)
    assert c.first_third == pytest.approx(0.11) and c.last_third == pytest.approx(0.14)   # steps 1-2, 5-6
    assert m.rsi.n == 4 and m.rsi.mean == pytest.approx((1.0 + 1.0 + 0.8 + 0.5) / 4)
    assert m.top_speed_mps == 6.0 and m.speed_mps.n == 2
    a = m.asymmetry_pct
    # left contacts 0.10, 0.10, 0.14 (mean 0.11333), right 0.12, 0.12
    assert a.contact_s == pytest.approx(100 * (0.34 / 3 - 0.12) / ((0.34 / 3 + 0.12) / 2))
    assert a.step_length_m == pytest.approx(100 * (1.0 - 1.2) / 1.1) and a.foot_lift_m == pytest.approx(0.0)
    assert m.foot_lift_m.n == 4 and m.foot_lift_m.mean == pytest.approx(0.25)    # not the stop's swing out
    assert rep_metrics(steps[:2]).contact_s.first_third is None       # fewer than three steps: no thirds
    assert rep_metrics([s for s in steps if s.foot is L]).asymmetry_pct.contact_s is None


def test_rep_metrics_against_the_simulated_truth(bundled):
    """Per rep of the bundled session, against the truth's contacts of that rep: the mean
    contact time within 5 ms (measured +3.1 to +3.3 ms, the detector's bias on the
    simulator, docs/accuracy.md), foot lift within 1 cm (-0.1 to +0.3 cm), stride length
    within 1% (0.03-0.7%), the feet within 10% of each other (the simulation is
    symmetric: 6.2% at most, the sprint's step length with its braking); and what tells the
    drills apart: high knees lift the foot four times as high as the A-skips."""
    for r in bundled.reps:
        tc = [c for c in TRUTH["contacts"] if c["rep"] == r.index]
        for trend, key, tol in ((r.metrics.contact_s, "contact_s", 0.005),
                                (r.metrics.foot_lift_m, "peak_height_m", 0.01)):
            truth = [c[key] for c in tc if c[key] is not None]
            assert trend.n == len(truth) and abs(trend.mean - np.mean(truth)) < tol, (r.index, key, trend)
        strides = [c["stride_length_m"] for c in tc if c["stride_length_m"] is not None]
        assert abs(r.metrics.stride_length_m.mean / np.mean(strides) - 1) < 0.01
        assert all(abs(v) < 10 for v in r.metrics.asymmetry_pct.to_dict().values())
    sprint, skips, knees = bundled.reps
    assert knees.metrics.foot_lift_m.mean > 4 * skips.metrics.foot_lift_m.mean
    assert 9.0 < sprint.metrics.top_speed_mps < 10.0 and sprint.metrics.rsi.mean > 0.5


def test_walking_back_is_rest():
    """A simulated session (seed 5, 500 Hz): 20 m A-skips, 3 s standing, a 10 m walk, 3 s
    standing, 20 m high knees.  The walk is rest, not a rep: no quality, and the high knees'
    rest counts from the skips' end (the walk, and the standing around it, included)."""
    from gaitcore.simulate import HIGH_KNEES, SKIP, WALK, Rep, SessionPlan, simulate_plan
    plan = SessionPlan("walk back", "skips, walk back, high knees", "test",
                       (Rep(SKIP, 20.0), Rep(WALK, 10.0), Rep(HIGH_KNEES, 20.0)), rest_s=3.0)
    sim = simulate_plan(plan, fs_hz=500.0, seed=5)
    out = analyze(sim.recording)
    assert [(r.recognised.drill, r.is_rest) for r in out.reps] == [("skip", False), ("walk", True),
                                                                   ("high_knees", False)]
    skips, walk, knees = out.reps
    assert walk.quality.score is None and walk.rest_before_s is None and walk.to_dict()["rest"] is True
    assert knees.rest_before_s == pytest.approx(knees.start_s - skips.end_s) and knees.rest_before_s > 15.0
    assert knees.quality.score is not None
