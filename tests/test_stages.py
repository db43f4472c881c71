"""The pipeline's stages fed in chunks of any size give what the batch functions give
over the whole recording: the quality stage what quality.repair and its neighbours give,
the events stage what the detector fed once and drop_swing_artefacts give."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from benchmarks.realdata import REAL_DATA
from gaitcore import read
from gaitcore.analysis import _known_mounting
from gaitcore.events import _feed, drop_swing_artefacts, gap_codes, new_event_state
from gaitcore.quality import clock_tolerance_periods, finite_mask, drop_duplicate_rows, full_scale, implausible_as_missing
from gaitcore.readers import read_recording
from gaitcore.stages.events import events_stage_step, new_event_stage
from gaitcore.stages.quality import QualityConfig, new_quality_state, quality_step
from stride_oracle import prepare

SPRINT = read(Path(__file__).parent.parent / "recordings" / "sprint_session.podses")
CORRUPT_SEED = 3
# a PyShoe jogging trial whose detector reports 8 swing artefacts the rule drops
ARTEFACTS = REAL_DATA / "pyshoe_vicon" / "2017-11-27-11-18-11.mat"


def _corrupt(s, seed: int = CORRUPT_SEED):
    """The sensor with what the quality stage handles: lone unreadable values, runs of them
    (one at each end), values past any IMU's range, repeated rows, dropped rows (one long
    stretch), a time reversal and a time that is not a number."""
    rng = np.random.default_rng(seed)
    t, acc, gyr = s.t_s.copy(), s.acc_mps2_sf.copy(), s.gyr_dps_sf.copy()
    n = t.shape[0]
    for k in rng.choice(n, 30, replace=False):
        acc[k, rng.integers(3)] = np.nan
    for k in rng.choice(n - 10, 5, replace=False):
        gyr[k:k + rng.integers(2, 6)] = np.nan
    gyr[0], acc[-1] = np.nan, np.nan
    for k in rng.choice(n, 5, replace=False):
        gyr[k, 0] = 1e300
    idx = np.sort(np.r_[np.arange(n), rng.choice(n, 20)])
    t, acc, gyr = t[idx], acc[idx], gyr[idx]
    keep = np.ones(t.shape[0], dtype=bool)
    keep[rng.choice(t.shape[0] - 1, 15)] = False
    keep[100:130] = False
    t, acc, gyr = t[keep], acc[keep], gyr[keep]
    t[500] = t[499] - 0.01
    t[700] = np.nan
    return replace(s, t_s=t, acc_mps2_sf=acc, gyr_dps_sf=gyr)


def _head(s, seconds: float):
    """The first ``seconds`` of a sensor (row by row feeding of a whole session is slow)."""
    n = int(seconds * s.fs_hz)
    return replace(s, t_s=s.t_s[:n], acc_mps2_sf=s.acc_mps2_sf[:n], gyr_dps_sf=s.gyr_dps_sf[:n])


def _short(s, sizes: list[int]):
    """The sensor, or its first 12 s when fed in chunks of a few rows."""
    return _head(s, 12.0) if max(sizes) < 4 else s


def _chunks(n: int, sizes: list[int]):
    a, k = 0, 0
    while a < n:
        b = min(n, a + sizes[k % len(sizes)])     # zero-length chunks are fed too
        k += 1
        yield a, b
        a = b


def _quality_stream(s, sizes):
    base, _ = drop_duplicate_rows(implausible_as_missing(s))
    acc_fs, gyr_fs = full_scale(base)
    state = new_quality_state(QualityConfig(s.name, s.fs_hz, clock_tolerance_periods(base.t_s, s.fs_hz),
                                            acc_fs, gyr_fs))
    outs = []
    for a, b in _chunks(s.n_samples, sizes):
        out, state = quality_step(state, s.t_s[a:b], s.acc_mps2_sf[a:b], s.gyr_dps_sf[a:b])
        outs.append(out)
    out, state = quality_step(state, np.empty(0), np.empty((0, 3)), np.empty((0, 3)), final=True)
    return outs + [out]


def _assert_quality_matches(s, sizes):
    p = prepare(s)
    outs = _quality_stream(s, sizes)
    assert [o.start for o in outs] == np.cumsum([0] + [o.n for o in outs[:-1]]).tolist()

    def cat(name):
        return np.concatenate([getattr(o, name) for o in outs])
    np.testing.assert_array_equal(cat("t_s"), p.fixed.t_s)
    np.testing.assert_array_equal(cat("acc_mps2_sf"), p.fixed.acc_mps2_sf)
    np.testing.assert_array_equal(cat("gyr_dps_sf"), p.fixed.gyr_dps_sf)
    np.testing.assert_array_equal(cat("gap_kind"), p.kind)
    np.testing.assert_array_equal(cat("gap_lag_s"), p.lag)
    np.testing.assert_array_equal(cat("breaks"), p.breaks)
    np.testing.assert_array_equal(cat("clipped"), p.clipped)
    gaps = sorted((g for o in outs for g in o.gaps), key=lambda g: g.sort_key)
    assert repr([g.gap for g in gaps]) == repr(p.gaps)     # (repr: a NaN time equals itself)
    assert sum(o.repaired for o in outs) == p.repaired
    assert sum(o.repeated for o in outs) == int(p.repeated.sum())
    base = drop_duplicate_rows(implausible_as_missing(s))[0]
    assert sum(o.unreadable for o in outs) == int(np.count_nonzero(~finite_mask(base)))


def test_the_corruption_gives_the_quality_stage_work():
    p = prepare(_corrupt(SPRINT.sensors[0]))
    assert p.repaired >= 25 and p.repeated.sum() == 20
    assert {g.kind for g in p.gaps} == {"nan", "dropped", "time_reversal"}


@pytest.mark.parametrize("sizes", [[10 ** 9], [1], [2, 3], [7, 0, 1, 1, 50]])
def test_quality_stage_equals_batch(sizes):
    for s in SPRINT.sensors:
        _assert_quality_matches(_short(s, sizes), sizes)
        _assert_quality_matches(_short(_corrupt(s), sizes), sizes)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=30).filter(any))
def test_quality_stage_any_chunking_equals_batch(sizes):
    _assert_quality_matches(_corrupt(SPRINT.sensors[1]), sizes)


def _batch_detector(s):
    """What the detector reports over the whole recording, before the swing-artefact rule."""
    p = prepare(s)
    f = p.fixed
    state = new_event_state(f.fs_hz, _known_mounting(s), p.gap_tol_periods)
    events, state = _feed(state, f.t_s, f.acc_mps2_sf, f.gyr_dps_sf, gap_codes(p.kind, p.lag), p.clock, final=True)
    return events, f


def _batch_events(s):
    events, f = _batch_detector(s)
    return drop_swing_artefacts(events, f.gyr_dps_sf, f.fs_hz)


def _assert_events_match(s, sizes):
    outs = _quality_stream(s, sizes)
    state = new_event_stage(s.fs_hz, _known_mounting(s), clock_tolerance_periods(
        drop_duplicate_rows(implausible_as_missing(s))[0].t_s, s.fs_hz))
    got, horizon, reported, dropped = [], -np.inf, [], []
    for k, rows in enumerate(outs):
        final, state = events_stage_step(state, rows, final=(k == len(outs) - 1))
        # every event let out lies at or after every horizon given before it
        assert all(ev.pos >= horizon for ev in final.events)
        assert final.horizon >= horizon
        horizon = final.horizon
        got += final.events
        reported += final.reported
        # an event is dropped once, after (or when) it was reported, and never let out
        assert all(ev in reported and ev not in dropped and ev not in got for ev in final.dropped)
        dropped += final.dropped
    assert horizon == np.inf
    batch = _batch_events(s)
    assert got == batch
    assert reported == _batch_detector(s)[0]
    assert dropped == [ev for ev in reported if ev not in batch]


def test_the_artefact_trial_has_artefacts():
    s = read_recording([ARTEFACTS], placements=["right_foot"]).sensors[0]
    p = prepare(s)
    events, _ = _feed(new_event_state(s.fs_hz, None, p.gap_tol_periods), p.fixed.t_s, p.fixed.acc_mps2_sf,
                      p.fixed.gyr_dps_sf, gap_codes(p.kind, p.lag), p.clock, final=True)
    assert len(events) - len(_batch_events(s)) == 8


@pytest.mark.parametrize("sizes", [[10 ** 9], [1], [16], [7, 0, 1, 1, 50]])
# (fed row by row, the 12 s heads of the sprint session hold 16 contacts per foot)
def test_events_stage_equals_batch(sizes):
    for s in SPRINT.sensors:
        _assert_events_match(_short(s, sizes), sizes)
    _assert_events_match(_short(_corrupt(SPRINT.sensors[0]), sizes), sizes)
    _assert_events_match(read_recording([ARTEFACTS], placements=["right_foot"]).sensors[0], sizes)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=30).filter(any))
def test_events_stage_any_chunking_equals_batch(sizes):
    _assert_events_match(read_recording([ARTEFACTS], placements=["right_foot"]).sensors[0], sizes)
