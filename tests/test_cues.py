"""Cues within a rep (gaitcore.cues): the rule, and the same cues live and offline."""
from dataclasses import replace
from pathlib import Path

import pytest

from firmware_bridge.live import LiftLine, RepEnd, final_steps, replay
from firmware_bridge.session_file import read_session
from gaitcore import analyze, read
from gaitcore.cues import baseline_contact_s, change_pct, rep_cues, step_cue
from gaitcore.drills import load_catalog
from gaitcore.signals import Side
from test_reps import BUNDLED, _step


def test_the_rule():
    assert baseline_contact_s([0.1, 0.12, 0.1]) is None                     # fewer than four
    assert baseline_contact_s([0.1, 0.12, 0.1, 0.14, 0.5]) == pytest.approx(0.11)    # the median of the first four
    assert change_pct(0.12, 0.1) == pytest.approx(20.0) and change_pct(None, 0.1) is None
    # more than 10% and more than the noise longer
    assert step_cue(None, 0.210, 0.180).text == "contacts 17% longer than the rep's start"
    assert step_cue(None, 0.200, 0.180) is None                               # 11%: a steady rep's scatter
    assert step_cue(None, 0.105, 0.090) is None                               # 17% but only 15 ms
    assert step_cue(None, 0.1051, 0.090) == ("longer", "contacts 17% longer than the rep's start")
    assert step_cue(None, 0.130, 0.120) is None                               # 8%
    ff = load_catalog(Path("/nonexistent")).find("fast_feet")
    assert step_cue(None, None, 0.1) is None                                  # a standing contact
    assert step_cue(ff, 0.101, None) == ("quick", "quicker off the ground")
    assert step_cue(ff, 0.090, None) is None
    assert step_cue(None, 0.2, None) is None                                  # no baseline yet


def test_the_foot_lift_rule_compares_like_swings():
    """A skip's foot swings high and low in turn: each swing is held against the same kind
    (every other earlier swing), so the low ones are no drop, and a high one that falls is."""
    from gaitcore.cues import foot_lift_cue
    ps = load_catalog(Path("/nonexistent")).find("power_skip")
    skip = [0.15, 0.23, 0.16, 0.22, 0.15, 0.23]
    assert foot_lift_cue(ps, "left", 0.14, skip, 0.17) is None               # a low swing, like the low ones
    assert foot_lift_cue(ps, "left", 0.23, skip + [0.16], 0.17) is None      # a high one, like the high ones
    assert foot_lift_cue(ps, "left", 0.17, skip + [0.16], 0.17).text == "left foot lift down 25%: drive the knee up"
    assert foot_lift_cue(ps, "left", 0.10, skip[:4], 0.17) is None          # three of its kind needed first
    even = [0.40] * 6
    assert foot_lift_cue(ps, "right", 0.30, even, 0.12).text.startswith("right foot lift down 25%")
    assert foot_lift_cue(ps, "right", 0.30, even, 0.9) is None               # a walking step's swing
    assert foot_lift_cue(load_catalog(Path("/nonexistent")).find("skip"), "right", 0.30, even, 0.12) is None


def test_rep_cues_at_their_steps():
    L, R = Side.LEFT, Side.RIGHT
    steps = [_step(L, 0.0, 0.10, 0.1), _step(R, 0.2, 0.10, 0.1), _step(L, 0.4, 0.10, 0.1), _step(R, 0.6, None, None),
             _step(L, 0.8, 0.10, 0.1), _step(R, 1.0, 0.13, 0.1), _step(L, 1.2, 0.13, 0.1), _step(R, 1.4, 0.13, 0.1)]
    cues = rep_cues(steps, None)
    # the standing contact enters no baseline: the fifth step is its fourth contact time; the
    # latest three contacts' median is the baseline at 1.0 s (one long contact is no trend),
    # 30% over it at 1.2 s, and at 1.4 s, within 3 s of the cue
    assert [(c.t_s, c.foot, c.text) for c in cues] == [(1.2, "left", "contacts 30% longer than the rep's start")]
    ff = load_catalog(Path("/nonexistent")).find("fast_feet")
    assert [(c.t_s, c.text) for c in rep_cues(steps, ff)] == [(1.2, "quicker off the ground")]   # once in 3 s


def _live_and_offline_cues(path, plan: bool = True, drill: str | None = None):
    """The cues replaying ``path`` shows (each step's, "; "-joined at one step, and each
    rep's end) and the ones its analysis lists, the same way; ``plan``: keep the session's."""
    s = read_session(path)
    meta = s.meta if plan else {k: v for k, v in s.meta.items() if k != "plan"}
    items = replay(s.records, meta, drill)
    at_step: dict = {(round(x.ic_s, 3), x.foot): [x.cue] for x in final_steps(items) if x.cue}
    for x in items:
        if isinstance(x, LiftLine) and x.cue:
            at_step.setdefault((round(x.ic_s, 3), x.foot), []).append(x.cue)
    live = sorted((t, f, "; ".join(v)) for (t, f), v in at_step.items())
    # (a rep's end to 10 ms: at a stop, the pods' causal clock offsets can move live's IC times 0.5-0.7 ms)
    ends = [(round(x.end_ic_s, 2), x.drill, x.walk_back, x.cue) for x in items if isinstance(x, RepEnd)]
    rec = read(path)
    out = analyze(replace(rec, session=replace(rec.session, drill=drill, plan=rec.session.plan if plan else None)))
    at: dict = {}
    for r in out.reps:
        for c in r.cues:
            if c.foot is not None:
                at.setdefault((round(c.t_s, 3), c.foot), []).append(c.text)
    offline = sorted((t, f, "; ".join(v)) for (t, f), v in at.items())
    offline_ends = [(round(r.end_s, 2), r.planned, r.is_rest, next((c.text for c in r.cues if c.foot is None), None))
                    for r in out.reps]
    return (live, ends), (offline, offline_ends)


def test_the_analysis_lists_the_cues_live_showed():
    """The bundled session replayed with the drill given as fast feet, and as none (its
    sprint's braking contacts are 16-22% longer than its start, told once), its plan set
    aside; and with its plan (a sprint, skips, high knees: no cue): every cue shown live is at
    a step the analysis lists it at, with the same text, and no other; each rep's end is
    shown with the analysis's drill for it."""
    for drill in (None, "fast_feet"):
        live, offline = _live_and_offline_cues(BUNDLED, plan=False, drill=drill)
        assert live == offline and len(live[0]) >= 1, (drill, live, offline)
    live, offline = _live_and_offline_cues(BUNDLED)
    assert live == offline and [e[1] for e in live[1]] == ["sprint", "skip", "high_knees"], (live, offline)


def test_injected_fatigue_is_cued_at_its_step():
    """A simulated session (seed 3): 20 m A-skips whose contacts are 30% longer from the
    15th on, steady 20 m high knees, 15 m fast feet 30% longer from the 31st (as fast feet:
    its quick cue).  The skips' and the fast feet's cues come within 3 contacts of the first
    longer one (the median of the latest three must be longer), the skips' again every 3 s
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
    ff_steps = [s.ic_s for s in out.steps if s.rep == 2]
    ff_at = next(k for k, t in enumerate(ff_steps) if t > sim.truth["reps"][2]["fatigue_from_s"] - 0.01)
    assert 0 <= ff_steps.index(ff.cues[0].t_s) - ff_at <= 3, (ff.cues, ff_at)
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
