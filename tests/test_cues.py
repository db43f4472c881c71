"""Cues within a rep (gaitcore.cues): the rule, and the same cues live and offline."""
from dataclasses import replace
from pathlib import Path

import pytest

from firmware_bridge.live import final_steps, replay
from firmware_bridge.session_file import read_session
from gaitcore import analyze, read
from gaitcore.cues import baseline_contact_s, change_pct, rep_cues, step_cue
from gaitcore.drills import load_catalog
from gaitcore.signals import Side
from test_reps import BUNDLED, _step


def test_the_rule():
    assert baseline_contact_s([0.1, 0.12, 0.1]) is None                     # fewer than four
    assert baseline_contact_s([0.1, 0.12, 0.1, 0.14, 0.5]) == pytest.approx(0.115)
    assert change_pct(0.12, 0.1) == pytest.approx(20.0) and change_pct(None, 0.1) is None
    # more than 10% and more than the noise longer
    assert step_cue(None, 0.200, 0.180).text == "contacts 11% longer than the rep's start"
    assert step_cue(None, 0.105, 0.090) is None                               # 17% but only 15 ms
    assert step_cue(None, 0.1051, 0.090) == ("longer", "contacts 17% longer than the rep's start")
    assert step_cue(None, 0.130, 0.120) is None                               # 8%
    ff = load_catalog(Path("/nonexistent")).find("fast_feet")
    assert step_cue(None, None, 0.1) is None                                  # a standing contact
    assert step_cue(ff, 0.101, None) == ("quick", "quicker off the ground")
    assert step_cue(ff, 0.090, None) is None
    assert step_cue(None, 0.2, None) is None                                  # no baseline yet


def test_rep_cues_at_their_steps():
    L, R = Side.LEFT, Side.RIGHT
    steps = [_step(L, 0.0, 0.10, 0.1), _step(R, 0.2, 0.10, 0.1), _step(L, 0.4, 0.10, 0.1), _step(R, 0.6, None, None),
             _step(L, 0.8, 0.10, 0.1), _step(R, 1.0, 0.13, 0.1), _step(L, 1.2, 0.11, 0.1)]
    cues = rep_cues(steps, None)
    # the standing contact enters no baseline: the fifth step is its fourth contact time
    assert [(c.t_s, c.foot, c.text) for c in cues] == [(1.0, "right", "contacts 30% longer than the rep's start")]
    ff = load_catalog(Path("/nonexistent")).find("fast_feet")
    assert [(c.t_s, c.text) for c in rep_cues(steps, ff)] == [(1.0, "quicker off the ground")]   # once in 3 s


def test_the_analysis_lists_the_cues_live_showed():
    """The bundled session replayed with the drill given as fast feet, and as none (its
    sprint's braking contacts are 16-22% longer than its start, told once): every cue shown
    live is at a step the analysis lists it at, with the same text, and no other."""
    s = read_session(BUNDLED)
    for drill in (None, "fast_feet"):
        live = [(round(x.ic_s, 3), x.foot, x.cue) for x in final_steps(replay(s.records, s.meta, drill)) if x.cue]
        rec = read(BUNDLED)
        out = analyze(replace(rec, session=replace(rec.session, drill=drill)), trajectory=False)
        offline = [(round(c.t_s, 3), c.foot, c.text) for r in out.reps for c in r.cues]
        assert live == offline and len(live) >= 1, (drill, live, offline)


def test_injected_fatigue_is_cued_at_its_step():
    """A simulated session (seed 3): 20 m A-skips whose contacts are 30% longer from the
    15th on, steady 20 m high knees, 15 m fast feet 30% longer from the 31st (as fast feet:
    its quick cue).  The skips' cue comes at the first longer contact and again every 3 s
    or more while it lasts; the steady rep has none."""
    from gaitcore.simulate import FAST_FEET, HIGH_KNEES, SKIP, Rep, SessionPlan, simulate_plan
    plan = SessionPlan("fatigue", "injected fatigue", "test", (
        Rep(SKIP, 20.0, fatigue_from_step=14, fatigue_contact_pct=30.0), Rep(HIGH_KNEES, 20.0),
        Rep(FAST_FEET, 15.0, fatigue_from_step=30, fatigue_contact_pct=30.0)))
    sim = simulate_plan(plan, fs_hz=1000.0, seed=3)
    out = analyze(sim.recording)
    assert [r.recognised.drill for r in out.reps] == ["skip", "high_knees", "fast_feet"]
    skips, knees, ff = out.reps
    onset = sim.truth["reps"][0]["fatigue_from_s"]
    steps = [s for s in out.steps if s.rep == 0]
    at = next(k for k, s in enumerate(steps) if s.ic_s > onset - 0.01)
    cued = next(k for k, s in enumerate(steps) if s.ic_s == skips.cues[0].t_s)
    assert 0 <= cued - at <= 3 and "longer than the rep's start" in skips.cues[0].text, (at, cued, skips.cues)
    assert all(b.t_s - a.t_s >= 3.0 for a, b in zip(skips.cues, skips.cues[1:])) and len(skips.cues) >= 2
    assert knees.cues == ()
    assert abs(ff.cues[0].t_s - sim.truth["reps"][2]["fatigue_from_s"]) < 0.01
    assert skips.quality.score < knees.quality.score - 10


def test_no_lengthening_cue_where_contact_time_follows_speed():
    """A sprint's start and stop lengthen its contacts by design: with the session's drill
    a sprint, the bundled session's braking raises no cue (with none given it does, live and
    offline alike: test_the_analysis_lists_the_cues_live_showed)."""
    catalog = load_catalog(Path("/nonexistent"))
    sprint = catalog.find("sprint")
    assert not sprint.longer_cue and catalog.find("skip").longer_cue
    assert step_cue(sprint, 0.200, 0.100, catalog=catalog) is None
    rec = read(BUNDLED)
    out = analyze(replace(rec, session=replace(rec.session, drill="sprint")), trajectory=False)
    assert [r.cues for r in out.reps] == [(), (), ()]
    s = read_session(BUNDLED)
    assert not any(x.cue for x in final_steps(replay(s.records, s.meta, "sprint")))
