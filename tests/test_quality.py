"""Gaps, bad samples and clipping are detected and reported, never silently bridged."""
from dataclasses import replace

import numpy as np
import pytest

from gaitcore.analysis import analyze, detect_sensor
from gaitcore.quality import clipped_mask, full_scale
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
    m = clipped_mask(s, *full_scale(s))
    ref = (np.abs(s.acc_mps2_sf) >= 0.995 * s.acc_range_mps2).any(axis=1) | \
          (np.abs(s.gyr_dps_sf) >= 0.995 * s.gyr_range_dps).any(axis=1)
    np.testing.assert_array_equal(m, ref)
    assert ref.any(), f"seed {seed}: the sprint should clip somewhere"


def test_clipping_found_in_real_recordings(shared_data):
    """Calibrated sensors clip on a jittering plateau, at a level per axis and sign:
    the NilsPods of the gaitmap walk at 16 g on the vertical axis at heel strikes, the
    PyShoe VN-100 at about -525 deg/s about its y axis in the jogging swing.  The
    x-io walks and the TRIPOD treadmill walk do not clip."""
    from gaitcore.readers import read_recording
    gm = read_recording([shared_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)
    for s in gm.sensors:
        acc, gyr = full_scale(s)
        assert 155 < acc[2, 0] < 160 and np.isinf(np.delete(acc.ravel(), 4)).all(), (s.name, acc)
        assert np.isinf(gyr).all(), (s.name, gyr)
    jog = read_recording([shared_data / "pyshoe_vicon" / "2017-11-27-11-18-11.mat"], placements=["right_foot"])
    acc, gyr = full_scale(jog.sensors[0])
    assert 515 < gyr[1, 1] < 530, gyr
    assert clipped_mask(jog.sensors[0], acc, gyr).sum() > 100
    quiet = [read_recording([shared_data / "xio_gait_tracking" / f"{w}_walk.csv"]) for w in ("short", "long")]
    quiet.append(read_recording([shared_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"]))
    assert sum(len(r.sensors) for r in quiet) == 6
    for rec in quiet:
        for s in rec.sensors:
            assert all(np.isinf(a).all() for a in full_scale(s)), (s.name, full_scale(s))


def test_an_impossible_value_is_a_bad_sample_not_motion():
    """One gyro value of 1e300 used to enter the filters as motion and null most strides
    without a word; it is now a bad sample, interpolated and counted like a NaN."""
    from dataclasses import replace
    from gaitcore.analysis import analyze
    from gaitcore.signals import Recording
    from gaitcore.simulate import drill_by_name, simulate_session
    sim = simulate_session(drill_by_name("sprint"), fs_hz=500.0, duration_s=10.0, seed=1)
    clean = analyze(sim.recording)
    sensors = []
    for s in sim.recording.sensors:
        gyr = s.gyr_dps_sf.copy()
        if s.name.startswith("left"):
            gyr[2600, 1] = 1e300
        sensors.append(replace(s, gyr_dps_sf=gyr))
    bad = analyze(Recording(tuple(sensors), sim.recording.source))
    assert bad["summary"]["repaired_samples"]["left_pod"] == 1
    assert [s["stride_length_m"] for s in bad["steps"]] == [s["stride_length_m"] for s in clean["steps"]]
