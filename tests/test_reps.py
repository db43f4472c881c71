"""Reps (gaitcore.reps): the rule, and the reps of a simulated session against its truth."""
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from gaitcore import Pipeline, PodSpec, analyze, read
from gaitcore.params import StepParams
from gaitcore.reps import RepCount, begins_rep, count_rep, rest_from, reps_of

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
    20 m high knees; 10 s standing between): three reps, each from its first landing to the
    stop.  The start is the first landing, 0.6 s after the truth's first movement (the push
    off from standing is not a contact); the end within 0.2 s of the truth's (the feet
    flat together after the stop); the drills' distance within 5% of the planned 20 m, the
    sprint's the 40 m plus its braking."""
    reps, truth = bundled.reps, TRUTH["reps"]
    assert len(reps) == len(truth) == 3
    for r, t in zip(reps, truth):
        assert 0.4 < r.start_s - t["start_s"] < 0.8, (r, t)
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
    again = reps_of(bundled.steps)
    assert again == bundled.reps
    assert [r.to_dict()["steps"] for r in again] == [r.n_steps for r in bundled.reps]


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
