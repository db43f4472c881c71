"""Simulated running and drills: contact time against the simulator's ground truth.

Seeds are fixed and printed in failure messages.  The drills and rates listed
here meet the issue's bar (MAE <= 5 ms at >= 500 Hz, >= 99% found); the ones
that do not yet (skips; 200 Hz hops and butt kicks) are reported by
benchmarks/validate.py and in the README, not hidden here.
"""
import pytest

from benchmarks.simdata import score

PASSING = ["walk", "jog", "tempo", "sprint", "acceleration", "bunny_hops", "fast_feet",
           "high_knees", "butt_kicks"]


@pytest.mark.parametrize("fs_hz", [500.0, 1000.0])
@pytest.mark.parametrize("drill", PASSING)
def test_contact_time_mae(drill, fs_hz):
    s = score(drill, fs_hz, seed=1)
    msg = f"{drill} at {fs_hz} Hz, seed 1: {s}"
    assert s.contact_mae_ms <= 5.0, msg
    if drill == "walk":
        # the first and last contacts of the standing start and stop are not walking strides
        assert s.n_found >= s.n_truth - 2, msg
    else:
        assert s.found_fraction >= 0.99, msg
    assert s.n_extra <= 2, msg


def test_sprint_clipping_flagged():
    s = score("sprint", 1000.0, seed=2)
    assert s.n_saturated > 0 and s.contact_mae_ms <= 5.0
