"""Simulated sessions (gaitcore.simulate: SessionPlan, simulate_plan) and the bundled
recording, recordings/sprint_session.podses: the plan's truth is what a session is
(reps from standing to standing, standing rest between, a sprint that speeds up from a
standing start, holds, brakes over several steps and stops with the feet side by side),
the file is what the documented command makes, and the analysis of it against its truth.

The analysis bars were set from the measurement with a margin (measured on the bundled
file: every one of 126 contacts found, none extra; contact time 3.2 ms MAE, 8.0 ms at
most; IC 2.6 ms late on average, 3.3 ms at most, 2.2 ms of which is the serial line
and USB delivery the session clock keeps; stride length 0.54% MAE, 1.03% at most; step
length 0.5 cm MAE, 12 cm at most, the sprint's first step from standing; 13 steps
CLIPPED, every sprint step from 8.4 m/s up to the first braking one: the simulated
impacts there reach 32-37 g on one axis, beyond the accelerometer's +-32 g, while the
gyroscope stays under its 2000 deg/s, 1141 deg/s at most)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.simdata import MATCH_TOL_S
from firmware_bridge.session_file import read_session
from gaitcore.analysis import analyze, detect_sensor
from gaitcore.errors import UsageError
from gaitcore.events import EventKind
from gaitcore.readers import read_recording
from gaitcore.results import Step
from gaitcore.signals import Side
from gaitcore.simulate import (DEMO_SESSION, HIGH_KNEES, HOPS, SKIP, SPRINT, STOP_SPEED_MPS, Rep, SessionPlan,
                               _SprintProfile, simulate_plan)
from sprintgait.cli import main

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"
TRUTH = ROOT / "recordings" / "sprint_session.truth.json"
COMMAND = ["simulate", "--session", "demo", "--seed", "42", "--out", "sprint_session.podses",
           "--truth", "sprint_session.truth.json"]


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(TRUTH.read_text())


@pytest.fixture(scope="module")
def matched(truth):
    """The analysis of the bundled session, each truth contact with the step found for it
    (same foot, IC within MATCH_TOL_S, nearest first) or None."""
    out = analyze(read_recording([BUNDLED]))
    used, pairs = set(), []
    for c in truth["contacts"]:
        near = [(abs(s.ic_s - c["ic_s"]), j) for j, s in enumerate(out.steps)
                if s.foot.value == c["foot"] and j not in used and abs(s.ic_s - c["ic_s"]) <= MATCH_TOL_S]
        j = min(near)[1] if near else None
        if j is not None:
            used.add(j)
        pairs.append((c, None if j is None else out.steps[j]))
    return out, pairs


def _phase(c: dict, truth: dict) -> str:
    rep = truth["reps"][c["rep"]]
    if c["to_s"] is None:
        return "stop"
    if rep["braking_from_s"] is None:
        return rep["drill"]
    if c["ic_s"] >= rep["braking_from_s"]:
        return "braking"
    return "max velocity" if c["speed_mps"] >= 0.95 * SPRINT.speed_mps else "acceleration"


# --- the plan's truth ---

def test_reps_are_separated_by_standing_rest(truth):
    """3 s standing, the reps 10 s of standing apart, 3 s standing at the end; every
    contact inside its rep; and the pods show standing there: no rotation beyond the
    gyroscope's noise and bias in any rest."""
    reps = truth["reps"]
    assert [r["drill"] for r in reps] == ["sprint", "skips", "high_knees"]
    assert reps[0]["start_s"] == DEMO_SESSION.lead_s
    for a, b in zip(reps, reps[1:]):
        assert b["start_s"] - a["end_s"] == pytest.approx(DEMO_SESSION.rest_s, abs=1e-6)
    assert truth["duration_s"] - reps[-1]["end_s"] == pytest.approx(DEMO_SESSION.tail_s, abs=1e-6)
    for c in truth["contacts"]:
        rep = reps[c["rep"]]
        assert rep["start_s"] < c["ic_s"] < rep["end_s"], c
    standing = [(0.0, reps[0]["start_s"])] + [(a["end_s"], b["start_s"]) for a, b in zip(reps, reps[1:])] \
        + [(reps[-1]["end_s"], truth["duration_s"])]
    for s in read_recording([BUNDLED]).sensors:
        rate = np.linalg.norm(s.gyr_dps_sf, axis=1)
        for t0, t1 in standing:
            still = (s.t_s > t0 + 0.2) & (s.t_s < t1 - 0.2)
            assert still.sum() > 0.9 * (t1 - t0 - 0.4) * s.fs_hz
            assert np.percentile(rate[still], 99) < 5.0, (s.name, t0, t1, np.percentile(rate[still], 99))


def test_sprint_speeds_up_from_standing_holds_and_brakes(truth):
    """The planned speed rises at every contact until braking begins at 40 m and falls at
    every one after; so do the strides' mean speeds (stride length over stride time, from
    the simulated motion); at least 6 contacts brake; the first contacts last 180-200 ms
    as planned (4% variability), the first step is 1.0-1.2 m and the steps at top speed
    1.9-2.3 m; 95% of top speed comes between 20 and 30 m."""
    rep = truth["reps"][0]
    brake = rep["braking_from_s"]
    run = [c for c in truth["contacts"] if c["rep"] == 0 and c["to_s"] is not None]
    speed = [c["speed_mps"] for c in run]
    n_up = sum(c["ic_s"] < brake for c in run)
    assert np.all(np.diff(speed[:n_up]) > 0) and np.all(np.diff(speed[n_up - 1:]) < 0), speed
    assert len(run) - n_up >= 6
    for foot in ("left", "right"):
        fc = [c for c in truth["contacts"] if c["rep"] == 0 and c["foot"] == foot]
        strides = [(a["ic_s"], b["ic_s"], a["stride_length_m"] / (b["ic_s"] - a["ic_s"]))
                   for a, b in zip(fc, fc[1:]) if a["stride_length_m"] is not None]
        up = [v for _, end, v in strides if end <= brake]
        down = [v for start, _, v in strides if start >= brake]
        assert len(up) >= 8 and np.all(np.diff(up) > 0), (foot, up)
        assert len(down) >= 3 and np.all(np.diff(down) < 0), (foot, down)
    assert all(0.18 * 0.88 <= c["contact_s"] <= 0.20 * 1.12 for c in run[:2]), run[:2]
    assert 1.0 <= run[1]["step_length_m"] <= 1.2, run[1]
    top = [c["step_length_m"] for c in run if c["speed_mps"] >= 0.95 * SPRINT.speed_mps]
    assert len(top) >= 6 and 1.9 <= min(top) and max(top) <= 2.3, top
    profile = _SprintProfile.of(DEMO_SESSION.reps[0])
    t95 = -profile.tau_s * np.log(0.05)
    assert profile.speed_mps(t95) == pytest.approx(0.95 * SPRINT.speed_mps)
    assert 20.0 <= profile.covered_m(t95) <= 30.0 and profile.covered_m(profile.braking_from_s) == pytest.approx(40.0)


def test_every_rep_stops_with_the_feet_side_by_side(truth):
    """Each rep ends with two landings to standing, one per foot, the second beside the
    first (step 0, speed 0); no step of the session is negative."""
    for k in range(len(truth["reps"])):
        cs = [c for c in truth["contacts"] if c["rep"] == k]
        a, b = cs[-2:]
        assert a["to_s"] is None and b["to_s"] is None and a["foot"] != b["foot"], (a, b)
        assert all(c["to_s"] is not None for c in cs[:-2])
        assert abs(b["step_length_m"]) < 1e-3 and b["speed_mps"] == 0.0, b
        assert a["speed_mps"] < STOP_SPEED_MPS or truth["reps"][k]["braking_from_s"] is None
    steps = [c["step_length_m"] for c in truth["contacts"] if c["step_length_m"] is not None]
    assert min(steps) > -1e-3, min(steps)


def _small_plan(athlete="x") -> SessionPlan:
    return SessionPlan("small", "", athlete, (Rep(HIGH_KNEES, 2.0), Rep(SKIP, 2.0)), 1.0, 2.0, 1.0)


def test_a_session_is_its_seed():
    first = simulate_plan(_small_plan(), fs_hz=500.0, seed=5)
    again = simulate_plan(_small_plan(), fs_hz=500.0, seed=5, first_sample_s={Side.LEFT: 0.0, Side.RIGHT: 0.0})
    other = simulate_plan(_small_plan(), fs_hz=500.0, seed=6)
    assert first.truth == again.truth and first.truth != other.truth
    for a, b, c in zip(first.recording.sensors, again.recording.sensors, other.recording.sensors):
        assert np.array_equal(a.acc_mps2_sf, b.acc_mps2_sf) and np.array_equal(a.gyr_dps_sf, b.gyr_dps_sf)
        assert not np.array_equal(a.acc_mps2_sf, c.acc_mps2_sf)
    reps = first.truth["reps"]
    assert reps[1]["start_s"] - reps[0]["end_s"] == pytest.approx(2.0, abs=1e-6)


def test_each_pod_samples_the_one_motion_at_its_own_times():
    """A pod started 7 ms later samples the same motion 7 ms later: its samples equal the
    first pod's 7 samples on (at 1 kHz), up to the noise, which is each pod's own."""
    plan = SessionPlan("small", "", "x", (Rep(HIGH_KNEES, 2.0),), 1.0, 1.0, 1.0)
    a = simulate_plan(plan, seed=3, noise=False)
    b = simulate_plan(plan, seed=3, noise=False, first_sample_s={Side.LEFT: 0.007})
    la, lb = a.recording.sensors[0], b.recording.sensors[0]
    assert lb.t_s[0] == pytest.approx(0.007) and a.truth["contacts"] == b.truth["contacts"]
    np.testing.assert_allclose(lb.gyr_dps_sf[:-10], la.gyr_dps_sf[7:lb.n_samples - 3], atol=1e-9)


def test_plans_that_are_no_session_are_refused():
    with pytest.raises(UsageError, match="two-footed drills"):
        Rep(HOPS, 10.0)
    with pytest.raises(UsageError, match="both accel_tau_s and brake_mps2"):
        Rep(SPRINT, 40.0, accel_tau_s=1.3)
    with pytest.raises(UsageError, match="alternates the feet"):
        Rep(SKIP, 20.0, accel_tau_s=1.3, brake_mps2=3.0)
    with pytest.raises(UsageError, match="must be positive"):
        Rep(SKIP, 0.0)
    with pytest.raises(UsageError, match="at least 1 s"):
        SessionPlan("s", "", "x", (Rep(SKIP, 5.0),), rest_s=0.5)
    with pytest.raises(UsageError, match="first samples"):
        simulate_plan(_small_plan(), first_sample_s={Side.RIGHT: -0.1})


# --- a long rest between reps ---

def _moved_out_of_rest_m(contacts: list[dict], rep: int) -> dict[str, float]:
    """Per foot, the truth's distance from where it stood in the rest before ``rep`` to its
    first landing in ``rep``: the feet's still positions along the track follow from the
    step lengths (each contact's minus the other foot's latest), starting from the two
    landings to standing that end the rep before."""
    stops = [c for c in contacts if c["rep"] == rep - 1][-2:]
    x = {stops[0]["foot"]: 0.0, stops[1]["foot"]: stops[1]["step_length_m"]}
    stood, out = dict(x), {}
    for c in (c for c in contacts if c["rep"] == rep):
        x[c["foot"]] = x["right" if c["foot"] == "left" else "left"] + c["step_length_m"]
        out.setdefault(c["foot"], x[c["foot"]] - stood[c["foot"]])
    return out


def test_strides_into_and_out_of_a_long_rest():
    """A stop between reps is one contact that lasts the whole rest: its toe-off is the
    next rep's push-off, 8 s later.  The stride into it ends where the foot came to rest
    and the stride out of it starts where the foot pushes off, each within 3 cm of the
    truth (measured, seed 1 at 500 Hz: 0.8 cm at most; seeds 1-4 at 500 and 1000 Hz:
    2.1 cm).  The stride out of the rest has no stride time (the landing before it is
    seconds earlier), so its step carries no length; the geometry measures it from the
    push-off, and the next rep's first strides are as accurate as the rest."""
    plan = SessionPlan("rest", "", "x", (Rep(SPRINT, 20.0, accel_tau_s=1.3, brake_mps2=3.5), Rep(SKIP, 10.0)),
                       2.0, 8.0, 2.0)
    sim = simulate_plan(plan, fs_hz=500.0, seed=1)
    truth = sim.truth["contacts"]
    steps = analyze(sim.recording).steps

    def step_of(c: dict) -> Step:
        return next(s for s in steps if s.foot.value == c["foot"] and abs(s.ic_s - c["ic_s"]) <= MATCH_TOL_S)

    moved = _moved_out_of_rest_m(truth, 1)
    for sensor in sim.recording.sensors:
        foot = sensor.placement.side.value
        mine = [c for c in truth if c["foot"] == foot]
        stop = [c for c in mine if c["rep"] == 0][-1]
        into = mine[mine.index(stop) - 1]
        first = next(c for c in mine if c["rep"] == 1)
        assert stop["to_s"] is None and first["ic_s"] - stop["ic_s"] > plan.rest_s
        for c in (into, first):
            got = step_of(c).stride_length_m
            assert got is not None and abs(got - c["stride_length_m"]) <= 0.03, (foot, c, got)
        assert step_of(stop).stride_time_s is None and step_of(stop).stride_length_m is None
        r = detect_sensor(sensor)
        t = r.sensor.t_s
        ic_s = [float(np.interp(e.pos, np.arange(t.size), t)) for e in r.events if e.kind is EventKind.IC]
        k = int(np.argmin(np.abs(np.array(ic_s) - stop["ic_s"])))
        got = r.geometry[k].stride_length_m
        assert got is not None and abs(got - moved[foot]) <= 0.03, (foot, got, moved[foot])


# --- the bundled file ---

def test_bundled_session_is_what_the_documented_command_writes(tmp_path):
    """The header and the truth name the command; running it gives the same bytes."""
    header = read_session(BUNDLED).meta
    assert header["command"] == "gait " + " ".join(COMMAND)
    assert json.loads(TRUTH.read_text())["command"] == header["command"]
    assert {k: header[k] for k in ("athlete", "simulated", "seed", "drills")} == {
        "athlete": "demo athlete", "simulated": True, "seed": 42, "drills": ["sprint", "skips", "high_knees"]}
    assert header["plan"] == DEMO_SESSION.text()
    args = [str(tmp_path / a) if a.startswith("sprint_session.") else a for a in COMMAND]
    r = subprocess.run([sys.executable, "-m", "sprintgait", *args], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sprint_session.podses").read_bytes() == BUNDLED.read_bytes()
    assert (tmp_path / "sprint_session.truth.json").read_bytes() == TRUTH.read_bytes()


def test_bundled_session_is_two_reference_pods():
    """Both feet at the reference pod's settings (footpod_core.c: 1000 Hz, +-32 g,
    +-2000 deg/s), nothing lost, their clocks mapped onto the session's."""
    rec = read_recording([BUNDLED])
    assert [s.placement.side for s in rec.sensors] == [Side.LEFT, Side.RIGHT]
    for s in rec.sensors:
        assert s.fs_hz == 1000.0 and s.gyr_range_dps == 2000.0
        assert s.acc_range_mps2 == pytest.approx(32 * 9.80665)
        assert s.meta["missing_samples"] == 0 and s.meta["firmware"] == "footpod 1.0.0"
        assert 59.9 < s.t_s[-1] - s.t_s[0] < 60.0


def test_bundled_session_analysis_against_its_truth(truth, matched):
    out, pairs = matched
    assert all(s is not None for _, s in pairs), [c for c, s in pairs if s is None]
    assert len(out.steps) == len(truth["contacts"]) == 126
    phases: dict[str, dict[str, list]] = {}
    for c, s in pairs:
        d = phases.setdefault(_phase(c, truth), {"ic": [], "contact": [], "stride": [], "step": []})
        d["ic"].append(s.ic_s - c["ic_s"])
        if c["contact_s"] is not None and s.contact_s is not None:
            d["contact"].append(s.contact_s - c["contact_s"])
        if c["stride_length_m"] is not None and s.stride_length_m is not None:
            d["stride"].append(s.stride_length_m / c["stride_length_m"] - 1.0)
        if c["step_length_m"] is not None and s.step_length_m is not None:
            d["step"].append(s.step_length_m - c["step_length_m"])
    assert set(phases) == {"acceleration", "max velocity", "braking", "skips", "high_knees", "stop"}
    mae = lambda v: float(np.mean(np.abs(v)))  # noqa: E731
    for name, d in phases.items():
        msg = f"{name}: " + ", ".join(f"{k} MAE {mae(v):.4f} (n {len(v)})" for k, v in d.items() if v)
        assert np.max(np.abs(d["ic"])) <= 0.006, msg
        if name == "stop":
            continue
        assert mae(d["contact"]) <= 0.005 and len(d["contact"]) >= 0.9 * len(d["ic"]), msg
        assert mae(d["stride"]) <= 0.02 and np.max(np.abs(d["stride"])) <= 0.04, msg
        assert len(d["stride"]) >= len(d["ic"]) - 2, msg
        assert mae(d["step"]) <= 0.03 and np.max(np.abs(d["step"])) <= 0.2, msg
    every = [x for d in phases.values() for x in d["contact"]]
    assert mae(every) <= 0.005 and len(every) == 120


def test_bundled_session_reads_sensibly(truth, matched):
    """No absurd figure: no step length below -3 cm (the feet-together stops read within
    3 cm of 0), the first steps from standing at walking-to-running speed, the top speed
    9-10 m/s; the drills at their pace."""
    out, pairs = matched
    for c, s in pairs:
        if s.step_length_m is not None:
            assert s.step_length_m > -0.03, s
            if c["to_s"] is None and c["speed_mps"] == 0.0:
                assert abs(s.step_length_m) <= 0.03, (c, s)
    sprint = [s for c, s in pairs if c["rep"] == 0 and s.speed_mps is not None]
    assert sprint[0].speed_mps < 6.0 and 9.0 <= max(s.speed_mps for s in sprint) <= 10.0, sprint[:2]
    for k, pace in ((1, SKIP.speed_mps), (2, HIGH_KNEES.speed_mps)):
        v = [s.speed_mps for c, s in pairs if c["rep"] == k and s.speed_mps is not None]
        assert abs(np.median(v) - pace) <= 0.1, (k, np.median(v))


def test_bundled_session_clips_only_at_top_speed_impacts(truth, matched):
    """The accelerometer reaches +-32 g at the sprint's impacts from about 8.4 m/s (13
    steps, as measured); nothing clips in the drills or the first steps."""
    _, pairs = matched
    clipped = [(c, s) for c, s in pairs if s.saturated]
    assert len(clipped) == 13, [c["ic_s"] for c, _ in clipped]
    assert all(c["rep"] == 0 and c["speed_mps"] >= 8.0 for c, _ in clipped), [c for c, _ in clipped]


# --- the command line ---

@pytest.mark.parametrize("args, what", [
    (["--session", "demo", "--duration", "20"], "--duration does not apply to --session demo"),
    (["--session", "demo", "--segment", "shank"], "--segment does not apply"),
    (["sprint", "--session", "demo"], "give a drill or --session, not both"),
    (["--session", "nosuch"], "unknown session 'nosuch'; choose one of demo"),
    (["sprint"], "a pod session is simulated for --session only"),
    (["--session", "demo", "--rate", "500"], "the reference pod runs at"),
])
def test_simulate_session_usage_errors(tmp_path, capsys, args, what):
    out = tmp_path / "s.podses"
    assert main(["simulate", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and what in err, err
    assert not list(tmp_path.iterdir())
