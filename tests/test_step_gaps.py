"""Step, flight and stride times across lost samples (a gap that is not bridged) are null:
a contact may be missing in the gap, or just after it while the detector picks the cycle
up again, so the next contact recorded need not be the next one made.  Everything away
from the gap is as in the intact recording."""
from dataclasses import replace

import numpy as np
import pytest

from gaitcore.analysis import analyze
from gaitcore.results import Step
from gaitcore.signals import Recording
from gaitcore.simulate import SPRINT, WALK, simulate_session

TIMING = ("flight_s", "step_time_s", "stride_time_s", "cadence_spm")
DERIVED = {"step_length_m": "step_time_s", "speed_mps": "stride_time_s"}


@pytest.fixture(scope="module")
def sprint():
    """The reviewer's case: ``gait simulate sprint --seed 1 --rate 1000``."""
    sim = simulate_session(SPRINT, fs_hz=1000.0, duration_s=12.0, seed=1)
    return sim.recording, analyze(sim.recording)


def _damage(rec: Recording, sensor: int, t0: float, dur: float, how: str = "drop") -> Recording:
    """Lose ``dur`` s of one sensor's samples from ``t0``: dropped, or unreadable (NaN)."""
    sensors = list(rec.sensors)
    s = sensors[sensor]
    hit = (s.t_s >= t0) & (s.t_s < t0 + dur)
    if how == "drop":
        s = replace(s, t_s=s.t_s[~hit], acc_mps2_sf=s.acc_mps2_sf[~hit], gyr_dps_sf=s.gyr_dps_sf[~hit])
    else:
        acc = s.acc_mps2_sf.copy()
        acc[hit] = np.nan
        s = replace(s, acc_mps2_sf=acc)
    sensors[sensor] = s
    return Recording(tuple(sensors), rec.source)


def _at(steps: list[Step], foot: str, ic: float) -> Step | None:
    return next((s for s in steps if s.foot.value == foot and abs(s.ic_s - ic) < 0.002), None)


def _spanning(steps: list[Step], damaged: str, g0: float, g1: float):
    """(step, key) of each timing value whose interval spans the lost stretch (g0, g1) of
    foot ``damaged``: a stride of that foot, a step or flight between the feet."""
    for s in steps:
        mine = [x.ic_s for x in steps if x.foot.value == s.foot.value]
        other = [x.ic_s for x in steps if x.foot.value != s.foot.value]
        nxt = [t for t in mine if t > s.ic_s]
        later = [t for t in other if t > s.ic_s]
        before = [t for t in other if t < s.ic_s]
        landings = ([later[0]] if later else []) + ([nxt[0]] if nxt else [])   # either foot's next landing
        spans = {"flight_s": (s.ic_s, min(landings) if landings else None),
                 "step_time_s": (before[-1] if before else None, s.ic_s)}
        if s.foot.value == damaged:
            spans["stride_time_s"] = (s.ic_s, nxt[0] if nxt else None)
        for key, (a, b) in spans.items():
            if a is not None and b is not None and a < g1 and b > g0:
                yield s, key


@pytest.mark.parametrize("dur", [0.05, 0.3])
def test_intervals_across_a_dropped_stretch_are_null(sprint, dur):
    rec, clean = sprint
    got = analyze(_damage(rec, 0, 5.0, dur))
    (gap,) = got.summary.gaps
    g0, g1 = gap.start_s, gap.end_s
    assert gap.kind == "dropped" and gap.sensor == "left_pod"
    steps = got.steps
    # the left contact that fell in the gap is gone
    lost = [s for s in clean.steps if s.foot.value == "left" and g0 < s.ic_s < g1]
    assert lost and all(_at(steps, "left", s.ic_s) is None for s in lost)
    spanning = list(_spanning(steps, "left", g0, g1))
    for s, key in spanning:
        assert getattr(s, key) is None, (key, s)
    for s in steps:
        for key, of in DERIVED.items():
            if getattr(s, of) is None:
                assert getattr(s, key) is None, (key, s)
    assert len(spanning) >= 3
    # the reviewer's values (6.38 m over 665 ms, 560 ms flights, cadence 90) are gone
    assert max(s.step_time_s or 0 for s in steps) < 0.3
    assert max(s.flight_s or 0 for s in steps) < 0.2
    assert min(s.cadence_spm or 999 for s in steps) > 240
    assert max(s.step_length_m or 0 for s in steps) < 2.6
    # every timing value left is the intact recording's, and all of them away from the gap are left
    for c in clean.steps:
        s = _at(steps, c.foot.value, c.ic_s)
        if s is None:
            assert g0 - 0.5 < c.ic_s < g1 + 0.5, c
            continue
        for key in TIMING:
            if getattr(s, key) is not None:
                assert getattr(s, key) == getattr(c, key), (key, s, c)
            elif not g0 - 1.0 < c.ic_s < g1 + 1.0:
                assert getattr(c, key) is None, (key, s, c)
    # the summary leaves them out
    for per in got.summary.per_foot:
        foot = per.foot.value
        for key in ("flight_s", "cadence_spm", "speed_mps"):
            vals = [getattr(s, key) for s in steps if s.foot.value == foot and getattr(s, key) is not None]
            assert getattr(per, key).n == len(vals)
            assert getattr(per, key).mean == pytest.approx(np.mean(vals), abs=1e-4)
    assert got.summary.foot("left").cadence_spm.mean > 250


def test_a_contact_missed_after_the_restart_gives_no_flight(sprint):
    """The gap cuts the left push-off: the detector starts afresh in stance, misses that
    toe-off and so the left landing after it, 0.36 s after the gap.  The right contact just
    before that landing must not report a flight to the left landing after the missed one."""
    rec, clean = sprint
    steps = analyze(_damage(rec, 0, 4.148, 0.05), trajectory=False).steps
    missed = _at(clean.steps, "left", 4.5615)
    assert missed is not None and _at(steps, "left", 4.5615) is None
    right = _at(steps, "right", 4.3395)
    assert right.flight_s is None and right.step_time_s is None
    nxt = _at(steps, "right", 4.7845)
    assert nxt.step_time_s is None        # from the left landing before the gap
    after = _at(steps, "left", 5.0185)
    assert after.step_time_s == _at(clean.steps, "left", 5.0185).step_time_s


@pytest.mark.parametrize("drill, sensor", [(SPRINT, 1), (WALK, 0), (WALK, 1)])
def test_unreadable_samples_of_either_foot(drill, sensor):
    """A run of unreadable samples restarts the detector as a drop does; steps to the other
    foot's contacts across it are null too."""
    sim = simulate_session(drill, fs_hz=500.0, duration_s=12.0, seed=2)
    clean = analyze(sim.recording, trajectory=False).steps
    t0 = 6.0
    foot = ("left", "right")[sensor]
    steps = analyze(_damage(sim.recording, sensor, t0, 0.2, how="nan"), trajectory=False).steps
    for s, key in _spanning(steps, foot, t0, t0 + 0.2):
        assert getattr(s, key) is None, (key, s)
    nulled = 0
    for c in clean:
        s = _at(steps, c.foot.value, c.ic_s)
        if s is None:
            assert c.foot.value == foot and t0 - 0.5 < c.ic_s < t0 + 1.5, c
            continue
        for key in TIMING:
            if getattr(s, key) is not None:
                assert getattr(s, key) == getattr(c, key), (key, s, c)
            elif getattr(c, key) is not None:
                nulled += 1
                assert t0 - 2.5 < c.ic_s < t0 + 1.5, (key, s, c)
    assert nulled >= 3


def test_a_bridged_drop_changes_no_timing(sprint):
    """A drop of at most 20 ms is bridged (processing runs on across it): no contact can be
    missing there, and the timing stays."""
    rec, clean = sprint
    got = analyze(_damage(rec, 0, 5.3, 0.015), trajectory=False)
    assert [g.kind for g in got.summary.gaps] == ["dropped"]
    assert len(got.steps) == len(clean.steps)
    for s, c in zip(got.steps, clean.steps):
        assert [getattr(s, k) for k in TIMING] == [getattr(c, k) for k in TIMING], (s, c)
