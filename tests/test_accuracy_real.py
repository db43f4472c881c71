"""Accuracy against references nobody here produced (../shared/data)."""
from benchmarks.realdata import gaitmap_event_accuracy, tripod_contact_accuracy


def test_gaitmap_walk_ic_to_against_motion_capture(shared_data):
    acc = gaitmap_event_accuracy(shared_data)
    ic, to = acc["ic"], acc["to"]
    assert ic.n_found >= 0.98 * ic.n_ref and to.n_found >= 0.98 * to.n_ref
    assert ic.n_extra <= 2
    assert abs(ic.mean_ms) <= 10 and ic.sd_ms <= 10
    assert abs(to.mean_ms) <= 10 and to.sd_ms <= 10


def test_tripod_contact_time_against_optogait(shared_data):
    # No threshold in the issue; this guards the README figures against regression.
    for run in ("PWS", "PWS-20"):
        _, steady = tripod_contact_accuracy(run, shared_data)
        assert steady.n_matched >= 0.95 * steady.n_ref
        assert abs(steady.bias_ms) < 80 and steady.sd_ms < 35
