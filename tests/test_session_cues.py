"""The cues a coach's plan brings, on simulated sessions recorded by two reference pods:
within a rep (feet uneven, foot lift falling), across reps (speed and contacts against the
athlete's best rep), and the plan naming the reps with the walks back as rest; the same
cues live (replayed) as in the analysis, at the same steps."""
import json
import re

import pytest

from firmware_bridge.simulated_session import write_pod_session
from gaitcore import analyze, read
from gaitcore.simulate import DRILL_SET, HIGH_KNEES, SPRINT, SPRINT_SET, WALK, Rep, SessionPlan, simulate_pod_session
from test_cues import _live_and_offline_cues

FS_HZ = 416.0     # a reference pod rate: quicker to simulate, well above the 200 Hz the timing needs


def _session(tmp_path, plan: SessionPlan, seed: int):
    path = tmp_path / f"{plan.name}.podses"
    write_pod_session(simulate_pod_session(plan, fs_hz=FS_HZ, seed=seed), path, tmp_path / f"{plan.name}.json")
    return path, json.loads((tmp_path / f"{plan.name}.json").read_text())


def test_drill_session_cues_live_and_offline(tmp_path):
    """The simulator's drill set, seed 2: the plan names the five drill reps, the walks back
    are rest; the second skips rep (every contact 25% longer) is told against the first;
    the uneven high knees (right 25% longer) are told at their steps; the falling foot lift
    is told at the first lower swing; the last, steady rep of high knees gets no cue.  Live
    shows the same."""
    path, truth = _session(tmp_path, DRILL_SET, seed=2)
    (live, live_ends), (offline, offline_ends) = _live_and_offline_cues(path)
    assert live == offline and live_ends == offline_ends, (live, offline, live_ends, offline_ends)
    out = analyze(read(path))
    assert [(r.planned, r.is_rest) for r in out.reps] == [
        ("skip", False), (None, True), ("skip", False), (None, True), ("high_knees", False), (None, True),
        ("high_knees", False), (None, True), ("high_knees", False)]
    texts = [[c.text for c in r.cues] for r in out.reps]
    assert texts[0] == [] and texts[8] == [] and all(texts[k] == [] for k in (1, 3, 5, 7))
    assert len(texts[2]) == 1 and re.fullmatch(r"contacts 2\d% longer than your best rep: take more recovery",
                                               texts[2][0]), texts[2]
    uneven = [t for t in texts[4] if "even them out" in t]
    assert uneven and all(t.startswith("right contacts") for t in uneven), texts[4]
    lift = [c for c in out.reps[6].cues if "foot lift down" in c.text]
    first_lower = truth["reps"][6]["lift_drop_from_s"]
    assert lift and abs(lift[0].t_s - first_lower) < 0.01, (lift, first_lower)


def test_sprint_set_cues_live_and_offline(tmp_path):
    """The simulator's sprint set (five 30 m sprints planned, the simulated top speed 9.5,
    9.5, 9.45, 9.0 and 8.6 m/s; seed 4): the fourth is told slower than the best, the fifth
    to stop the set; the first three, within 3% of the best, are not.  Live shows the same at
    each rep's end."""
    path, _ = _session(tmp_path, SPRINT_SET, seed=4)
    (live, live_ends), (offline, offline_ends) = _live_and_offline_cues(path)
    assert live == offline and live_ends == offline_ends, (live_ends, offline_ends)
    told = [e[3] for e in offline_ends]
    assert told[:3] == [None, None, None] and "take more recovery" in told[3] and "stop the set" in told[4], told


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_steady_sets_raise_no_cue(tmp_path, seed):
    """Four 30 m sprints at one top speed, then four steady 20 m high knees with walks back:
    no cue at all."""
    reps = tuple(Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0) for _ in range(4)) \
        + (Rep(HIGH_KNEES, 20.0), Rep(WALK, 10.0)) * 3 + (Rep(HIGH_KNEES, 20.0),)
    sim_path, _ = _session(tmp_path, SessionPlan("steady", "steady sets", "test", reps, rest_s=3.0), seed=seed)
    out = analyze(read(sim_path))
    assert [r.planned for r in out.reps if not r.is_rest] == ["sprint"] * 4 + ["high_knees"] * 4
    assert [c for r in out.reps for c in r.cues] == []
