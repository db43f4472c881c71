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


def _fixed_at_s(sensor, chunk_s: float) -> float | None:
    """When streaming ``sensor`` in chunks of ``chunk_s`` fixes its alignment (the chunk's end)."""
    st = new_event_state(sensor.fs_hz)
    ch = int(round(chunk_s * sensor.fs_hz))
    for a in range(0, sensor.n_samples, ch):
        _, st = events_step(st, sensor.t_s[a:a + ch], sensor.acc_mps2_sf[a:a + ch], sensor.gyr_dps_sf[a:a + ch])
        if st.alignment is not None:
            return min(a + ch, sensor.n_samples) / sensor.fs_hz
    return None


def test_the_warm_up_waits_only_for_the_strides_it_lacks():
    """A sprint or acceleration from standing: each pod is ready within two strides of its
    sixth stride's end (the warm-up needs six), not at the next 5 s mark, and the alignment
    is the one batch finds."""
    from gaitcore.events import detect_events
    from gaitcore.simulate import ACCEL
    for drill in (SPRINT, ACCEL):
        for seed in (1, 2, 3):
            sim = simulate_session(drill, fs_hz=1000.0, duration_s=9.0, seed=seed)
            for s in sim.recording.sensors:
                foot = "left" if s.name.startswith("left") else "right"
                ics = [c["ic_s"] for c in sim.truth["contacts"] if c["foot"] == foot]
                due = ics[6] + 2.0 * (ics[6] - ics[5])
                got = _fixed_at_s(s, 0.05)
                assert got is not None and got <= due, (drill.name, seed, s.name, got, due)
                _, batch = detect_events(s.t_s, s.acc_mps2_sf, s.gyr_dps_sf, s.fs_hz)
                st = new_event_state(s.fs_hz)
                _, st = events_step(st, s.t_s, s.acc_mps2_sf, s.gyr_dps_sf)
                assert np.array_equal(st.alignment.rot_ff_sf, batch.rot_ff_sf), (drill.name, seed, s.name)
