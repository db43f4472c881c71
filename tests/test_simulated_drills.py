"""Simulated running and drills: contact time against the simulator's ground truth.

Seeds are fixed and printed in failure messages.  Flight times are checked alongside.  The issue's bar (contact-time
MAE <= 5 ms at >= 500 Hz, >= 99% of contacts found) is asserted on every drill
and rate from 500 to 1600 Hz, on two seeds.  At 200 Hz the rate is below the bar's
scope; the figures are guarded for regression, and bunny hops, which miss there,
are a strict xfail so the gap stays visible (README, benchmarks/validate.py).  So are
the ankling runs whose warm-up turns one pod's forward backward (docs/findings.md).
"""
import pytest

from benchmarks.simdata import score
from gaitcore.simulate import DRILLS

# (drill, rate, seed) whose warm-up takes one pod's forward for backward: every contact of
# that foot is then found in the swing (docs/findings.md, "Ankling's warm-up")
BACKWARD = {("ankling", 200.0, 1), ("ankling", 500.0, 1), ("ankling", 500.0, 2), ("ankling", 1600.0, 1)}
BACKWARD_MARK = pytest.mark.xfail(strict=True, reason="the warm-up takes one pod's forward for backward "
                                                     "(docs/findings.md)")


def _cases(rates, seeds):
    return [pytest.param(d, r, s, marks=BACKWARD_MARK) if (d, r, s) in BACKWARD else (d, r, s)
            for d in DRILLS for r in rates for s in seeds]


@pytest.mark.parametrize("drill, fs_hz, seed", _cases([500.0, 1000.0, 1600.0], [1, 2]))
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
    if d == "bunny_hops" else pytest.param(d, marks=BACKWARD_MARK) if (d, 200.0, 1) in BACKWARD else d
    for d in DRILLS])
def test_200hz_regression(drill):
    s = score(drill, 200.0, seed=1)
    msg = f"{drill} at 200 Hz, seed 1: {s}"
    assert s.contact_mae_ms <= 6.5 and s.found_fraction >= 0.95, msg


def test_sprint_clipping_flagged():
    s = score("sprint", 1000.0, seed=2)
    assert s.n_saturated > 0 and s.contact_mae_ms <= 5.0
