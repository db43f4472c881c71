"""Gaps, bad samples and clipping are detected and reported, never silently bridged."""
from dataclasses import replace

import numpy as np
import pytest

from gaitcore.analysis import analyze, detect_sensor
from gaitcore.quality import clipped_mask
from gaitcore.signals import Recording
from gaitcore.simulate import SPRINT, simulate_session

SEED = 3


@pytest.fixture(scope="module")
def damaged():
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=12.0, seed=SEED)
    left, right = sim.recording.sensors
    t, acc, gyr = left.t_s.copy(), left.acc_mps2_sf.copy(), left.gyr_dps_sf.copy()
    acc[1500] = np.nan                      # one bad row: repaired by interpolation
    gyr[2200:2203] = np.nan                 # three bad rows: a gap, left as it is
    t[3200], t[3201] = t[3201], t[3200]     # time runs backwards once
    keep = np.r_[0:2600, 2650:t.size]       # 50 samples dropped (a lost radio burst)
    left = replace(left, t_s=t[keep], acc_mps2_sf=acc[keep], gyr_dps_sf=gyr[keep])
    return Recording((left, right), "damaged sprint"), sim


def test_gaps_reported_by_kind(damaged):
    rec, _ = damaged
    summary = analyze(rec)["summary"]
    gaps = [g for g in summary["gaps"] if g["sensor"] == "left_pod"]
    assert sorted(g["kind"] for g in gaps) == ["dropped", "nan", "time_reversal"], gaps
    nan_gap = next(g for g in gaps if g["kind"] == "nan")
    assert nan_gap["n_samples"] == 3
    dropped = next(g for g in gaps if g["kind"] == "dropped")
    assert dropped["n_samples"] == 50 and dropped["end_s"] - dropped["start_s"] == pytest.approx(51 / 500)
    assert summary["repaired_samples"] == {"left_pod": 1, "right_pod": 0}
    assert not [g for g in summary["gaps"] if g["sensor"] == "right_pod"]


def test_no_interpolation_across_more_than_one_sample(damaged):
    rec, _ = damaged
    r = detect_sensor(rec.sensors[0])
    assert np.isfinite(r.sensor.acc_mps2_sf[1500]).all()          # the lone bad row
    assert np.isnan(r.sensor.gyr_dps_sf[2200:2203]).all()          # the run stays missing


def test_no_contact_spans_a_gap_and_detection_resumes(damaged):
    rec, _ = damaged
    result = analyze(rec)
    gaps = [g for g in result["summary"]["gaps"] if g["sensor"] == "left_pod"]
    left = [s for s in result["steps"] if s["foot"] == "left"]
    for s in left:
        if s["to_s"] is None:
            continue
        for g in gaps:
            assert not (s["ic_s"] < g["start_s"] and g["end_s"] < s["to_s"]), (s, g)
    last_gap_end = max(g["end_s"] for g in gaps)
    assert sum(s["ic_s"] > last_gap_end + 0.5 for s in left) >= 5


@pytest.mark.parametrize("seed", range(5))
def test_clipped_mask_marks_every_full_scale_sample(seed):
    sim = simulate_session(SPRINT, fs_hz=1000.0, duration_s=6.0, seed=seed)
    s = sim.recording.sensors[0]
    m = clipped_mask(s, s.acc_range_mps2, s.gyr_range_dps)
    ref = (np.abs(s.acc_mps2_sf) >= 0.995 * s.acc_range_mps2).any(axis=1) | \
          (np.abs(s.gyr_dps_sf) >= 0.995 * s.gyr_range_dps).any(axis=1)
    np.testing.assert_array_equal(m, ref)
    assert ref.any(), f"seed {seed}: the sprint should clip somewhere"
