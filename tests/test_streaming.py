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
