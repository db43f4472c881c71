"""The stride stage (gaitcore.stages.stride) against the batch analysis it streams.

Oracle: ``analysis._trajectory`` over the whole recording with the events
``detect_sensor`` finds.  The stage is fed the quality stage's chunks of the rows as
given, and the events lagging behind the rows (each by its own random delay; or all
only at the end); its output put together must equal the oracle's exactly: the
geometry per IC event, the smoothed positions, attitude and stride path of every row
(NaN in the same places), and whether the gyro bias came from standing.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hst

sys.path.insert(0, str(Path(__file__).parent))
from stride_oracle import clean_chunks, oracle, stream, stride_config  # noqa: E402

from gaitcore.errors import UsageError  # noqa: E402
from gaitcore.signals import SensorRecording  # noqa: E402
from gaitcore.stages.stride import new_stride_state, stride_step  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _assert_same(o, got, what: str) -> None:
    tr = o.trajectory
    assert len(got.geometry) == len(tr.geometry), what
    for k, (g, want) in enumerate(zip(got.geometry, tr.geometry)):
        assert g == want, f"{what}: contact {k}: {g} != {want}"
    _assert_lengths(tr.geometry, got.outputs, what)
    for name, a, b in (("positions", got.pos_m, tr.positions_m), ("attitude", got.quat, tr.attitude_quat),
                       ("stride path", got.path_m, tr.stride_path_m)):
        assert a.shape == b.shape, what
        bad = np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b))).all(axis=1))
        assert bad.size == 0, f"{what}: {name} differ in {bad.size} rows, first {bad[:5]}"
    assert got.calibrated == tr.gyro_bias_from_standing, what


def _assert_lengths(geometry, outputs, what: str) -> None:
    """The stride lengths released: each contact's once, in order, equal to its geometry's,
    none after its geometry, and each in the step whose smoothed rows first pass the anchors
    it is measured between (``off_anchor`` of the contact, ``anchor`` of the next) and the
    contact's own ``anchor``; with no next anchor, by the step of its geometry."""
    lengths = [(i, sl) for i, out in enumerate(outputs) for sl in out.stride_lengths]
    assert [sl.index for _, sl in lengths] == list(range(len(geometry))), f"{what}: stride lengths out of order"
    geo_step = [i for i, out in enumerate(outputs) for _ in out.geometry]
    smoothed_to = np.cumsum([out.pos_m.shape[0] for out in outputs])
    for i, sl in lengths:
        j = sl.index
        g = geometry[j]
        assert sl.stride_length_m == g.stride_length_m, f"{what}: contact {j}: {sl} != {g.stride_length_m}"
        assert i <= geo_step[j], f"{what}: contact {j}: stride length in step {i}, geometry in {geo_step[j]}"
        if j + 1 < len(geometry) and geometry[j + 1].anchor >= 0:
            row = max(g.anchor, g.off_anchor, geometry[j + 1].anchor)
            due = int(np.searchsorted(smoothed_to, row, side="right"))
            assert i == due, f"{what}: contact {j}: stride length in step {i}, final in step {due}"


def _delays(rng: np.random.Generator, n_events: int, fs_hz: float) -> np.ndarray:
    """Per event: mostly tens of ms to one stride, some up to 3 s (a late toe-off)."""
    d = rng.uniform(0.02, 0.8, n_events) * fs_hz
    late = rng.random(n_events) < 0.1
    d[late] = rng.uniform(0.8, 3.0, int(late.sum())) * fs_hz
    return d.astype(np.int64)


def _check(sensor: SensorRecording, seed: int, sizes_list=None, gyr_bias0_rad_s=None) -> None:
    """Fed once; 16 rows a time and random sizes with random event delays; random sizes
    with all events at the end."""
    o = oracle(sensor, gyr_bias0_rad_s=gyr_bias0_rad_s)
    assert len(o.trajectory.geometry) >= 5, "too few contacts to say anything"
    rng = np.random.default_rng(seed)
    cfg = stride_config(sensor, o, gyr_bias0_rad_s=gyr_bias0_rad_s)
    n_ev = len(o.events)
    runs = sizes_list or [([sensor.n_samples], _delays(rng, n_ev, sensor.fs_hz)),
                          ([16], _delays(rng, n_ev, sensor.fs_hz)),
                          (rng.integers(1, 400, 50).tolist(), _delays(rng, n_ev, sensor.fs_hz)),
                          (rng.integers(1, 3000, 50).tolist(), None)]
    for k, (sizes, delays) in enumerate(runs):
        got = stream(cfg, o.events, clean_chunks(sensor, o, sizes), delays, empty_final=k == 1)
        _assert_same(o, got, f"{sensor.name} seed {seed} sizes {sizes[:4]} delays {'end' if delays is None else 'random'}")


def _read_pod_session():
    from gaitcore import read
    return read(ROOT / "recordings" / "sprint_session.podses")


@pytest.mark.parametrize("foot", [0, 1])
def test_bundled_sprint_session(foot):
    s = _read_pod_session().sensors[foot]
    _check(s, seed=100 + foot)


def test_simulated_sprint():
    from gaitcore.simulate import drill_by_name, simulate_session
    s = simulate_session(drill_by_name("sprint"), fs_hz=1000.0, duration_s=9.0, seed=7).recording.sensors[0]
    _check(s, seed=7)


def test_simulated_jog_with_standing_starts_and_stops():
    from gaitcore.simulate import JOG, TEMPO, Rep, SessionPlan, simulate_plan
    plan = SessionPlan("stops", "jog, stop, tempo, stop", "test", (Rep(JOG, 12.0), Rep(TEMPO, 15.0)),
                       lead_s=1.5, rest_s=3.0, tail_s=1.5)
    sim = simulate_plan(plan, fs_hz=500.0, seed=11)
    for s in sim.recording.sensors:
        _check(s, seed=11)


def _moving_start():
    """A simulated sprint cut 2.6 s in: no standing at the start (the gyro bias is not
    measured, up is not from standing, the first stride is unsettled)."""
    from gaitcore.simulate import drill_by_name, simulate_session
    s = simulate_session(drill_by_name("sprint"), fs_hz=1000.0, duration_s=9.0, seed=7).recording.sensors[0]
    return dataclasses.replace(s, t_s=s.t_s[2600:], acc_mps2_sf=s.acc_mps2_sf[2600:], gyr_dps_sf=s.gyr_dps_sf[2600:])


def test_moving_start():
    s = _moving_start()
    o = oracle(s)
    assert o.trajectory.gyro_bias_from_standing is False and not o.alignment.up_from_standing
    g = o.trajectory.geometry
    # the first stride is measured between two anchors but left out (unsettled)
    k = next(k for k, c in enumerate(g) if c.anchor >= 0)
    assert g[k].off_anchor >= 0 and g[k + 1].anchor >= 0 and g[k].stride_length_m is None
    assert g[k + 1].stride_length_m is not None
    _check(s, seed=8)


def test_starting_gyro_bias_given():
    _check(_moving_start(), seed=9, gyr_bias0_rad_s=(0.001, -0.002, 0.003))


def test_events_as_given_not_as_detected():
    """Events the detector may give: the second contact's TO lost (no anchor while running:
    the strides on either side unmeasured, so the first measured stride, which sets the
    session frame, comes later and the first contact waits for it), a TO lost mid-run (the
    contact searches up to the next IC), a toe-off without its IC."""
    from gaitcore.events import EventKind
    from gaitcore.simulate import JOG, Rep, SessionPlan, simulate_plan
    plan = SessionPlan("stops", "jog, stop, jog", "test", (Rep(JOG, 8.0), Rep(JOG, 8.0)), lead_s=1.5, rest_s=3.0,
                       tail_s=1.5)
    s = simulate_plan(plan, fs_hz=500.0, seed=12).recording.sensors[0]
    o = oracle(s)
    ics = [k for k, e in enumerate(o.events) if e.kind is EventKind.IC]
    to_of = [k + 1 for k in ics if k + 1 < len(o.events) and o.events[k + 1].kind is EventKind.TO]
    # the stop: the contact whose TO comes after the standing rest; the one before it loses its
    # TO (searching up to the stop's IC, not into the standing after it)
    stop = next(k for k in ics if k + 1 in to_of and o.events[k + 1].pos - o.events[k].pos > 2.0 * s.fs_hz)
    before_stop = ics[ics.index(stop) - 1]
    drop = {ics[1] + 1, to_of[len(to_of) // 4], ics[len(ics) // 3], before_stop + 1}
    assert {ics[1] + 1, before_stop + 1} <= set(to_of)
    events = [e for k, e in enumerate(o.events) if k not in drop]
    p = o.prepared
    from gaitcore._quality_kernel import GAP_DROPPED
    from gaitcore.analysis import _trajectory
    dt_s = np.where(p.kind == GAP_DROPPED, p.lag, 0.0) + 1.0 / p.fixed.fs_hz
    tr = _trajectory(p.fixed, events, p.clipped, p.breaks, dt_s, p.acc_fs, p.gyr_fs, o.alignment, p.fixed.n_samples)
    o = dataclasses.replace(o, events=events, trajectory=tr)
    g = tr.geometry
    assert g[0].stride_length_m is None and g[1].stride_length_m is None and g[1].anchor < 0
    assert g[0].position_m is not None
    rng = np.random.default_rng(12)
    for sizes, delays in (([16], _delays(rng, len(events), s.fs_hz)), ([333, 7], None)):
        got = stream(stride_config(s, o), events, clean_chunks(s, o, sizes), delays)
        _assert_same(o, got, f"edited events, sizes {sizes}")


def _damaged(sensor: SensorRecording, rng: np.random.Generator) -> SensorRecording:
    """``sensor`` with rows dropped (a short drop, bridged, and a long one, a break),
    a lone unreadable row (repaired), a run of unreadable rows and a repeated row."""
    t, acc, gyr = sensor.t_s.copy(), sensor.acc_mps2_sf.copy(), sensor.gyr_dps_sf.copy()
    n = t.shape[0]
    a, b, c, d, e = np.sort(rng.choice(np.arange(n // 8, n - n // 8), 5, replace=False))
    acc[0, 2] = np.nan                  # the first row unreadable: a break at row 0
    acc[a] = np.nan                     # lone: repaired
    acc[b:b + 6] = np.nan               # a run: a break
    gyr[c, 1] = np.nan                  # one axis
    keep = np.ones(n, dtype=bool)
    keep[d:d + 2] = False               # a short drop
    keep[e:e + 60] = False              # a long drop
    rows = np.flatnonzero(keep)
    dup = rows[len(rows) // 2]
    rows = np.sort(np.r_[rows, dup])    # a repeated row
    return dataclasses.replace(sensor, t_s=t[rows], acc_mps2_sf=acc[rows], gyr_dps_sf=gyr[rows])


def test_simulated_gaps_and_clipping():
    from gaitcore.simulate import drill_by_name, simulate_session
    sim = simulate_session(drill_by_name("sprint"), fs_hz=500.0, duration_s=9.0, seed=5, acc_range_g=8.0,
                           gyr_range_dps=1000.0)
    rng = np.random.default_rng(5)
    for s in sim.recording.sensors:
        d = _damaged(s, rng)
        o = oracle(d)
        assert o.prepared.clipped.sum() > 100 and o.prepared.breaks.sum() >= 2 and o.prepared.repaired >= 1
        _check(d, seed=5)


def test_gaitmap_walk(real_data):
    from benchmarks.realdata import GAITMAP_FS_HZ
    from gaitcore.readers import read_recording
    rec = read_recording([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=GAITMAP_FS_HZ)
    for s in rec.sensors:
        _check(s, seed=21)


@pytest.mark.parametrize("trial", ["2017-11-27-11-11-24", "2017-11-22-11-22-03"])
def test_pyshoe_trials(real_data, trial):
    from gaitcore.readers import read_recording
    path = real_data / "pyshoe_vicon" / f"{trial}.mat"
    s = read_recording([path], placements=["right_foot"]).sensors[0]
    assert s.meta.get("gyro_filter_s", 0.0) > 0      # the accelerometer goes through the gyro's filter
    _check(s, seed=31)


def test_xio_loop(real_data):
    from gaitcore.readers import read_recording
    s = read_recording([real_data / "xio_gait_tracking" / "short_walk.csv"], placements=["right_foot"]).sensors[0]
    _check(s, seed=41)


_SHORT: dict = {}


def _short():
    """A short damaged, clipped sprint at 200 Hz, and its oracle (computed once)."""
    if not _SHORT:
        from gaitcore.simulate import drill_by_name, simulate_session
        s = simulate_session(drill_by_name("sprint"), fs_hz=200.0, duration_s=7.0, seed=9, acc_range_g=8.0,
                             gyr_range_dps=1000.0).recording.sensors[1]
        s = _damaged(s, np.random.default_rng(9))
        _SHORT.update(sensor=s, oracle=oracle(s))
    return _SHORT["sensor"], _SHORT["oracle"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=hst.lists(hst.integers(1, 300), min_size=1, max_size=12),
       delays=hst.lists(hst.integers(0, 600), min_size=1, max_size=12), at_end=hst.booleans())
def test_any_chunking(sizes, delays, at_end):
    s, o = _short()
    d = None if at_end else np.resize(np.asarray(delays, dtype=np.int64), len(o.events))
    got = stream(stride_config(s, o), o.events, clean_chunks(s, o, sizes), d)
    _assert_same(o, got, f"sizes {sizes} delays {delays} at_end {at_end}")


def test_standing_only():
    """No contact at all: the trajectory of quiet standing, no geometry."""
    from gaitcore.simulate import drill_by_name, simulate_session
    s = simulate_session(drill_by_name("jog"), fs_hz=500.0, duration_s=6.0, seed=4).recording.sensors[0]
    s = dataclasses.replace(s, t_s=s.t_s[:900], acc_mps2_sf=s.acc_mps2_sf[:900], gyr_dps_sf=s.gyr_dps_sf[:900])
    o = oracle(s)
    assert o.events == [] and o.trajectory.gyro_bias_from_standing is True
    for sizes, delays in (([900], np.zeros(0)), ([16], np.zeros(0)), ([50, 1], None)):
        _assert_same(o, stream(stride_config(s, o), o.events, clean_chunks(s, o, sizes), delays), f"sizes {sizes}")


def test_a_state_advances_once():
    s, o = _short()
    chunks = clean_chunks(s, o, [100])
    st0 = new_stride_state(stride_config(s, o))
    _, st1 = stride_step(st0, chunks[0], (), 0.0)
    with pytest.raises(UsageError):
        stride_step(st0, chunks[0], (), 0.0)
    stride_step(st1, chunks[1], (), 0.0)


def test_rows_held_stay_bounded():
    """Fed 16 rows at a time with events half a second late, the stage holds the rows of
    its longest contact (a standing rest waits for its toe-off) and a few strides more,
    not the recording (the bundled session: 60 s, standing rests of about 10 s)."""
    s = _read_pod_session().sensors[0]
    o = oracle(s)
    st = new_stride_state(stride_config(s, o))
    ev, k, held = o.events, 0, 0
    for c in clean_chunks(s, o, [16]):
        last = c.start + c.n - 1
        give = []
        while k < len(ev) and ev[k].pos + 0.5 * s.fs_hz <= last:
            give.append(ev[k])
            k += 1
        _, st = stride_step(st, c, tuple(give), min(ev[k].pos if k < len(ev) else np.inf, last - 0.5 * s.fs_hz))
        held = max(held, st.stage.rows.end - st.stage.rows.base)
    from gaitcore.events import EventKind
    longest = max(b.pos - a.pos for a, b in zip(ev, ev[1:]) if a.kind is EventKind.IC and b.kind is EventKind.TO)
    assert longest > 5.0 * s.fs_hz
    assert held <= longest + 3.0 * s.fs_hz, (held, longest)
