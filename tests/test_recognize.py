"""Drill recognition per rep (gaitcore.recognize)."""
from dataclasses import replace

import pytest

from gaitcore import analyze, read
from gaitcore.readers import read_recording
from gaitcore.report import summary_text
from gaitcore.simulate import DRILLS, drill_by_name, simulate_session
from test_reps import BUNDLED

SIM_TO_CATALOG = {"skips": "skip", "skips_held": "skip"}


def test_the_bundled_sessions_drills_are_recognised():
    """Its plan set aside, the bundled session's reps are named by their steps alone (its
    40 m sprint from standing begins with a sprint start: an acceleration); with it, by the
    plan, which they match (a planned sprint may look like an acceleration)."""
    rec = read(BUNDLED)
    out = analyze(replace(rec, session=replace(rec.session, plan=None)))
    assert [r.recognised.drill for r in out.reps] == ["acceleration", "skip", "high_knees"]
    assert [r.drill for r in out.reps] == ["acceleration", "skip", "high_knees"]
    assert out.reps[0].recognised.reason.startswith("a sprint start: ")
    assert all(0.5 <= r.recognised.confidence <= 1.0 and r.recognised.reason for r in out.reps)
    d = out.reps[1].to_dict()
    assert (d["drill"], d["drill_source"], d["plan_mismatch"]) == ("skip", "recognised", False)
    planned = [r.to_dict() for r in analyze(rec).reps]
    assert [(d["drill"], d["drill_source"], d["plan_mismatch"]) for d in planned] == [
        ("sprint", "plan", False), ("skip", "plan", False), ("high_knees", "plan", False)]


def test_a_plan_names_the_reps_and_flags_the_ones_unlike_it():
    rec = read(BUNDLED)
    rec = replace(rec, session=replace(rec.session, plan=None))    # (one drill for every rep instead)
    out = analyze(replace(rec, session=replace(rec.session, drill="skips")), trajectory=True)
    assert [r.drill for r in out.reps] == ["skip"] * 3
    assert [r.plan_mismatch for r in out.reps] == [True, False, True]
    d = out.reps[0].to_dict()
    assert d["drill_source"] == "plan" and d["recognised"]["drill"] == "acceleration" and d["confidence"] == 1.0
    text = summary_text(out)
    assert "rep 1: skip (looks like acceleration), 3.18-11.06 s" in text and "rep 2: skip, 21.40" in text, text
    assert "rep 2: skip (recognised), 21.40" in summary_text(analyze(rec))


@pytest.mark.parametrize("name", list(DRILLS))
def test_each_simulated_drill(name):
    """Each simulator drill (seed 11, 700 Hz: neither is in benchmarks/recognition.py's
    grid) is one rep, recognised as itself."""
    out = analyze(simulate_session(drill_by_name(name), fs_hz=700.0, duration_s=12.0, seed=11).recording)
    assert [r.recognised.drill for r in out.reps] == [SIM_TO_CATALOG.get(name, name)], \
        [(r.recognised, r.n_steps) for r in out.reps]


def test_one_pod_is_never_a_skip(real_data):
    """With one pod every contact follows one of the same foot: the skip's rule is not read
    (PyShoe: one shoe; a jogging trial at 2.6 m/s and a walking one)."""
    for trial, want in (("2017-11-27-11-25-12", "jog"), ("2017-11-22-11-22-03", "walk")):
        out = analyze(read_recording([real_data / "pyshoe_vicon" / f"{trial}.mat"]))
        assert [r.recognised.drill for r in out.reps] == [want], [r.recognised for r in out.reps]


def test_too_few_contacts_are_no_drill():
    from gaitcore.recognize import recognise
    from gaitcore.reps import rep_metrics
    out = analyze(read(BUNDLED), trajectory=False)
    few = out.steps[:3]
    r = recognise(few, rep_metrics(few))
    assert r.drill is None and r.confidence == 0.0 and "too few" in r.reason


def test_a_sprint_start_is_an_acceleration_and_a_build_up_a_flying_sprint():
    """Two sprints from standing at the same top speed (seeded, 500 Hz): one from a sprint
    start (the speed's time constant 1.2 s), one built up over 55 m (3.0 s): an
    acceleration and a sprint by the push from standing.  Planned as "sprint", the start is
    no mismatch (a sprint from standing begins with a sprint start); planned as "accel", the
    build-up is."""
    from gaitcore.drills import looks_unlike
    from gaitcore.simulate import SPRINT, Rep, SessionPlan, simulate_plan
    plan = SessionPlan("two", "a start and a fly", "sim", (
        Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0, called="sprint"),
        Rep(SPRINT, 55.0, accel_tau_s=3.0, brake_mps2=3.5, called="accel")), rest_s=4.0)
    out = analyze(simulate_plan(plan, fs_hz=500.0, seed=5).recording)
    assert [r.recognised.drill for r in out.reps] == ["acceleration", "sprint"], [r.recognised for r in out.reps]
    start, fly = (r.splits.start_acceleration_mps2 for r in out.reps)
    assert start > 5.5 and fly < 4.0, (start, fly)
    assert f"; push {start:.1f} m/s² to " in summary_text(out)
    assert [r.drill for r in out.reps] == ["sprint", "acceleration"]
    assert [r.plan_mismatch for r in out.reps] == [False, True]
    assert not looks_unlike("sprint", "acceleration") and looks_unlike("acceleration", "sprint")
    assert not looks_unlike(None, "sprint") and not looks_unlike("skip", None)
