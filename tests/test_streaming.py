"""Any chunking of the stream gives byte-identical JSON to the batch run."""
import json

import numpy as np
from hypothesis import given, settings, strategies as st

from gaitcore.analysis import analyze
from gaitcore.events import events_step, new_event_state
from gaitcore.report import to_json
from gaitcore.simulate import SPRINT, simulate_session

SIM = simulate_session(SPRINT, fs_hz=500.0, duration_s=8.0, seed=7)
BATCH = to_json(analyze(SIM.recording))


def test_batch_finds_steps():
    assert len(json.loads(BATCH)["steps"]) >= 18  # 6 s of sprinting at ~4.4 steps/s


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=1, max_value=5000))
def test_fixed_chunk_size_equals_batch(n):
    assert to_json(analyze(SIM.recording, chunk_size=n)) == BATCH


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=900), min_size=1, max_size=40).filter(any))
def test_random_chunking_equals_batch(sizes):
    s = SIM.recording.sensors[0]
    ref, _ = events_step(new_event_state(s.fs_hz), s.t_s, s.acc_mps2_sf, s.gyr_dps_sf, final=True)
    state = new_event_state(s.fs_hz)
    got, a, k = [], 0, 0
    n = s.n_samples
    while a < n:
        b = min(n, a + sizes[k % len(sizes)])  # zero-length chunks are fed too
        k += 1
        ev, state = events_step(state, s.t_s[a:b], s.acc_mps2_sf[a:b], s.gyr_dps_sf[a:b], final=(b == n))
        got.extend(ev)
        a = b
    assert got == ref


def test_step_does_not_mutate_state():
    s = SIM.recording.sensors[0]
    st0 = new_event_state(s.fs_hz)
    _, st1 = events_step(st0, s.t_s[:3000], s.acc_mps2_sf[:3000], s.gyr_dps_sf[:3000])
    before = st1.kernel.copy()
    events_step(st1, s.t_s[3000:], s.acc_mps2_sf[3000:], s.gyr_dps_sf[3000:], final=True)
    assert np.array_equal(st1.kernel, before)


def _standing_first(rec, seconds: float, seed: int = 0):
    """``rec`` with ``seconds`` of quiet standing (its first samples' mean, with noise) before it."""
    from gaitcore.signals import Recording, SensorRecording
    rng = np.random.default_rng(seed)
    out = []
    for s in rec.sensors:
        n0 = int(seconds * s.fs_hz)
        acc = s.acc_mps2_sf[:200].mean(axis=0) + rng.normal(0.0, 0.02, (n0, 3))
        gyr = s.gyr_dps_sf[:200].mean(axis=0) + rng.normal(0.0, 0.1, (n0, 3))
        out.append(SensorRecording(s.name, s.placement, s.fs_hz, np.arange(n0 + s.n_samples) / s.fs_hz,
                                   np.vstack([acc, s.acc_mps2_sf]), np.vstack([gyr, s.gyr_dps_sf]),
                                   s.acc_range_mps2, s.gyr_range_dps))
    return Recording(tuple(out), rec.source)


def test_standing_through_the_warm_up_does_not_spoil_the_session():
    """75 s of standing before the sprint (longer than the 60 s warm-up, in which no swing
    can show the foot's axes): the same contacts as without it, and any chunking gives the
    same as batch.  (Fixing the alignment on standing alone lost half the contacts.)"""
    plain = json.loads(BATCH)["steps"]
    rec = _standing_first(SIM.recording, 75.0)
    got = json.loads(to_json(analyze(rec)))["steps"]
    assert len(got) == len(plain)
    for x, y in zip(got, plain):
        assert abs(x["ic_s"] - 75.0 - y["ic_s"]) < 0.004, (x, y)
        assert (x["contact_s"] is None and y["contact_s"] is None) or abs(x["contact_s"] - y["contact_s"]) < 0.004
    assert to_json(analyze(rec, chunk_size=997)) == to_json(analyze(rec))
