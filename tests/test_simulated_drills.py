"""Simulated running and drills: contact time against the simulator's ground truth.

Seeds are fixed and printed in failure messages.  Flight times are checked alongside.  The issue's bar (contact-time
MAE <= 5 ms at >= 500 Hz, >= 99% of contacts found) is asserted on every drill
and rate from 500 to 1600 Hz, on two seeds.  At 200 Hz the rate is below the bar's
scope; the figures are guarded for regression, and bunny hops, which miss there,
are a strict xfail so the gap stays visible (README, benchmarks/validate.py).
"""
import pytest

from benchmarks.simdata import score
from gaitcore.simulate import DRILLS


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("fs_hz", [500.0, 1000.0, 1600.0])
@pytest.mark.parametrize("drill", DRILLS)
def test_contact_time_mae(drill, fs_hz, seed):
    s = score(drill, fs_hz, seed=seed)
    msg = f"{drill} at {fs_hz} Hz, seed {seed}: {s}"
    assert s.contact_mae_ms <= 5.0, msg
    assert s.found_fraction >= 0.99, msg
    assert s.n_extra <= 1, msg
    # flight: the time in the air after each TO, against the truth's by the same definition
    # (benchmarks.simdata.true_flights_s): a skip's hop and a bunny hop included
    # (a drill whose contacts outlast its steps, walking and lunges, has none)
    walking = DRILLS[drill].contact_s > DRILLS[drill].step_s
    assert (s.n_flights == 0) if walking else (s.n_flights >= 0.4 * s.n_found), msg
    assert s.n_flights == 0 or s.flight_mae_ms <= 5.0, msg
    assert s.n_flight_disagree <= 1, msg
    # step time, by the same definition (benchmarks.simdata.true_step_times_s): in bunny hops
    # both feet carry the time between their landings, whichever landed first
    assert s.n_step_times >= 0.9 * s.n_found and s.step_time_mae_ms <= 5.0, msg


@pytest.mark.parametrize("drill", [
    pytest.param(d, marks=pytest.mark.xfail(strict=True, reason="200 Hz hop landings are missed (README)"))
    if d == "bunny_hops" else d for d in DRILLS])
def test_200hz_regression(drill):
    s = score(drill, 200.0, seed=1)
    msg = f"{drill} at 200 Hz, seed 1: {s}"
    assert s.contact_mae_ms <= 6.5 and s.found_fraction >= 0.95, msg


def test_sprint_clipping_flagged():
    s = score("sprint", 1000.0, seed=2)
    assert s.n_saturated > 0 and s.contact_mae_ms <= 5.0


def test_a_weak_direction_vote_read_backward_is_turned_round_by_the_landings():
    """Ankling (seed 1, 500 Hz): the left pod's direction vote has one stride, and it
    votes backward; the detector's ICs then fall in the swing, away from the impacts, and
    the landings turn the pod round (gaitcore.events._forward_by_landings).  Given the
    alignment it settles on, turned round, it turns it back; given that one, it keeps it."""
    import numpy as np

    from gaitcore import events as E
    from gaitcore.simulate import drill_by_name, simulate_session
    sim = simulate_session(drill_by_name("ankling"), fs_hz=500.0, seed=1)
    pod = sim.recording.sensors[0]
    _, al = E.detect_events(pod.t_s, pod.acc_mps2_sf, pod.gyr_dps_sf, 500.0)
    assert al.n_strides_used < E.WARMUP_MIN_STRIDES, al
    state = E.new_event_state(500.0)
    n = int(E.WARMUP_MAX_S * 500.0)
    acc, gyr = np.ascontiguousarray(pod.acc_mps2_sf[:n]), np.ascontiguousarray(pod.gyr_dps_sf[:n])
    reset = np.zeros(n, dtype=np.int8)
    turned = E.turned_round(al)
    hits = E.impact_samples(acc, 500.0)
    assert E._landings_at_impacts(al, acc, gyr, reset, hits, state) >= 0.9
    assert E._landings_at_impacts(turned, acc, gyr, reset, hits, state) <= 0.1
    np.testing.assert_array_equal(E._forward_by_landings(turned, acc, gyr, reset, state).rot_ff_sf, al.rot_ff_sf)
    assert E._forward_by_landings(al, acc, gyr, reset, state) is al


@pytest.mark.parametrize("contact_s", [0.13, 0.16])
def test_a_butt_kicks_heel_kick_is_not_its_push_off(contact_s):
    """Butt kicks of longer contacts (same step time; 500 Hz, seed 1): the heel driven up
    turns the foot toe-down again early in the swing, faster than the slower push-off did,
    in the same toe-down lobe.  The toe-off stays at the push-off (within 10 ms), where
    without EventParams.push_angle_deg most fall in the swing, 0.1 s and more late."""
    from dataclasses import replace

    import numpy as np

    from gaitcore import EventParams, analyze
    from gaitcore.simulate import BUTT_KICKS, simulate_session
    sim = simulate_session(replace(BUTT_KICKS, contact_s=contact_s), fs_hz=500.0, seed=1)
    truth = [c for c in sim.truth["contacts"] if c.get("to_s")]

    def errors_ms(params):
        out = []
        for s in analyze(sim.recording, trajectory=False, params=params).steps:
            if s.contact_s is not None:
                t = min(truth, key=lambda c: abs(c["ic_s"] - s.ic_s))
                out.append(1000.0 * (s.contact_s - (t["to_s"] - t["ic_s"])))
        return np.array(out)
    now, without = errors_ms(EventParams()), errors_ms(EventParams(push_angle_deg=1e9))
    assert now.size >= 30 and np.abs(now).max() <= 10.0, now
    assert (without > 100.0).sum() >= 0.25 * without.size, without
