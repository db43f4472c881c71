"""Gaps, bad samples and clipping are detected and reported, never silently bridged."""
from dataclasses import replace

import numpy as np
import pytest

from gaitcore.analysis import analyze, detect_sensor
from gaitcore.quality import clipped_mask, full_scale
from gaitcore.signals import Recording
from gaitcore.simulate import SPRINT, simulate_session

from conftest import ROOT

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
    result = analyze(rec)
    gaps = [g for g in result.summary.gaps if g.sensor == "left_pod"]
    # the swapped stamps also read as one sample missing on either side of the reversal
    # (the simulator's clock is clean, so a step of two periods is a lost sample)
    assert sorted((g.kind, g.n_samples, g.bridged) for g in gaps) == [
        ("dropped", 1, True), ("dropped", 1, True), ("dropped", 50, False), ("nan", 3, False),
        ("time_reversal", 0, False)], gaps
    dropped = next(g for g in gaps if g.kind == "dropped" and g.n_samples == 50)
    assert dropped.n_samples == 50 and dropped.end_s - dropped.start_s == pytest.approx(51 / 500)
    assert result.per_sensor("repaired_samples") == {"left_pod": 1, "right_pod": 0}
    assert not [g for g in result.summary.gaps if g.sensor == "right_pod"]


def test_no_interpolation_across_more_than_one_sample(damaged):
    rec, _ = damaged
    r = detect_sensor(rec.sensors[0])
    assert np.isfinite(r.sensor.acc_mps2_sf[1500]).all()          # the lone bad row
    assert np.isnan(r.sensor.gyr_dps_sf[2200:2203]).all()          # the run stays missing


def test_no_contact_spans_a_gap_and_detection_resumes(damaged):
    rec, _ = damaged
    result = analyze(rec)
    gaps = [g for g in result.summary.gaps if g.sensor == "left_pod"]
    left = [s for s in result.steps if s.foot.value == "left"]
    for s in left:
        if s.to_s is None:
            continue
        for g in gaps:
            assert not (s.ic_s < g.start_s and g.end_s < s.to_s), (s, g)
    last_gap_end = max(g.end_s for g in gaps)
    assert sum(s.ic_s > last_gap_end + 0.5 for s in left) >= 5


@pytest.mark.parametrize("seed", range(5))
def test_clipped_mask_marks_every_full_scale_sample(seed):
    sim = simulate_session(SPRINT, fs_hz=1000.0, duration_s=6.0, seed=seed)
    s = sim.recording.sensors[0]
    m = clipped_mask(s, *full_scale(s))
    ref = (np.abs(s.acc_mps2_sf) >= 0.995 * s.acc_range_mps2).any(axis=1) | \
          (np.abs(s.gyr_dps_sf) >= 0.995 * s.gyr_range_dps).any(axis=1)
    np.testing.assert_array_equal(m, ref)
    assert ref.any(), f"seed {seed}: the sprint should clip somewhere"


def test_clipping_found_in_real_recordings(real_data):
    """Calibrated sensors clip on a jittering plateau, at a level per axis and sign:
    the NilsPods of the gaitmap walk at 16 g on the vertical axis at heel strikes, the
    PyShoe MicroStrain 3DM-GX5-25 at about -525 deg/s about its y axis in the jogging swing.  The
    x-io walks and the TRIPOD treadmill walk do not clip."""
    from gaitcore.readers import read_recording
    gm = read_recording([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)
    for s in gm.sensors:
        acc, gyr = full_scale(s)
        assert 155 < acc[2, 0] < 160 and np.isinf(np.delete(acc.ravel(), 4)).all(), (s.name, acc)
        assert np.isinf(gyr).all(), (s.name, gyr)
    jog = read_recording([real_data / "pyshoe_vicon" / "2017-11-27-11-18-11.mat"], placements=["right_foot"])
    acc, gyr = full_scale(jog.sensors[0])
    assert 515 < gyr[1, 1] < 530, gyr
    assert clipped_mask(jog.sensors[0], acc, gyr).sum() > 100
    quiet = [read_recording([real_data / "xio_gait_tracking" / f"{w}_walk.csv"]) for w in ("short", "long")]
    quiet.append(read_recording([real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"]))
    assert sum(len(r.sensors) for r in quiet) == 6
    for rec in quiet:
        for s in rec.sensors:
            assert all(np.isinf(a).all() for a in full_scale(s)), (s.name, full_scale(s))


def test_an_impossible_value_is_a_bad_sample_not_motion():
    """One gyro value of 1e300 is a bad sample, interpolated and counted like a NaN; taken
    as motion it would null most strides without a word."""
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
    assert bad.per_sensor("repaired_samples")["left_pod"] == 1
    assert [s.stride_length_m for s in bad.steps] == [s.stride_length_m for s in clean.steps]


def test_lost_samples_and_repeated_rows_keep_the_time_that_passed():
    """A logger that loses single samples and sends some rows twice (the x-io walks: 205
    and 252 repeated rows, most right after a lost sample): the repeats are dropped and
    counted, each lost sample is a bridged one-sample drop, and the strides match the
    intact recording's (MAE 0.05%; integrating row by row at the nominal rate, as before,
    gave 0.75%, and 1.1% with no repeats to make up the lost time)."""
    from gaitcore.simulate import JOG
    sim = simulate_session(JOG, fs_hz=400.0, duration_s=12.0, seed=SEED)
    left, right = sim.recording.sensors
    n = left.n_samples
    lost = np.arange(1000, n - 400, 37)
    rows = np.setdiff1d(np.arange(n), lost)
    repeat = rows[np.searchsorted(rows, lost)][::2]
    rows = np.sort(np.concatenate([rows, repeat]))
    damaged = replace(left, t_s=left.t_s[rows], acc_mps2_sf=left.acc_mps2_sf[rows], gyr_dps_sf=left.gyr_dps_sf[rows])
    intact = analyze(Recording((left, right), "jog"))
    result = analyze(Recording((damaged, right), "jog"))
    assert result.per_sensor("duplicate_rows") == {"left_pod": repeat.size, "right_pod": 0}
    assert [(g.kind, g.n_samples) for g in result.summary.gaps] == [("dropped", 1)] * lost.size
    a = [s.stride_length_m for s in intact.steps if s.foot.value == "left"]
    b = [s.stride_length_m for s in result.steps if s.foot.value == "left"]
    assert len(a) == len(b) >= 12
    err = np.array([(y - x) / x for x, y in zip(a, b) if x and y])
    assert err.size >= 10 and np.abs(err).mean() < 0.002 and np.abs(err).max() < 0.005, err


def test_repeated_rows_only_when_time_and_every_value_repeat():
    from gaitcore.quality import duplicate_rows
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=5.0, seed=SEED)
    s = sim.recording.sensors[0]
    rows = np.r_[0:10, 9, 10:20, 19, 20:30]
    d = replace(s, t_s=s.t_s[rows].copy(), acc_mps2_sf=s.acc_mps2_sf[rows].copy(), gyr_dps_sf=s.gyr_dps_sf[rows].copy())
    assert np.flatnonzero(duplicate_rows(d)).tolist() == [10, 21]
    d.gyr_dps_sf[21, 2] += 1e-9          # one value differs: a sample of its own (a quantised stamp)
    d.t_s[10] += 1e-9                    # the stamp differs: a stuck sensor, not a re-sent row
    assert not duplicate_rows(d).any()
    d.gyr_dps_sf[21, 2] -= 1e-9
    d.t_s[10] -= 1e-9
    d.acc_mps2_sf[10, 0] += 1e-9         # an accelerometer value differs
    assert np.flatnonzero(duplicate_rows(d)).tolist() == [21]


def test_clock_tolerance_tight_only_for_clean_time_stamps(real_data):
    """Device clocks (the bundled pods, x-io, gaitmap, TRIPOD: 99% of steps within 0.1% of
    the period) report a single lost sample; PyShoe's host stamps (99% within 4-6%) keep the
    jitter-tolerant rule, under which its late-then-early stamps are no gaps, and so do
    stamps whose period is not the declared one."""
    import glob
    from gaitcore.quality import DROP_FACTOR, GAP_FACTOR, clock_check, clock_tolerance_periods, new_clock
    from gaitcore.readers import read_recording
    rng = np.random.default_rng(SEED)
    t = np.arange(4000) / 200.0
    assert clock_tolerance_periods(t, 200.0) == DROP_FACTOR
    assert clock_tolerance_periods(t + rng.normal(0, 0.02 / 200.0, t.size), 200.0) == GAP_FACTOR
    assert clock_tolerance_periods(t + rng.normal(0, 0.001 / 200.0, t.size), 200.0) == DROP_FACTOR
    # a declared rate 0.6-0.9% off the stamps' own: the running clock trails by 0.6-0.9
    # periods, which at half a period would report a lost sample every few hundred
    for off in (-0.009, -0.006, 0.006, 0.009):
        assert clock_tolerance_periods(t * (1 + off), 200.0) == GAP_FACTOR, off
        kind, _, _ = clock_check(t * (1 + off), new_clock(clock_tolerance_periods(t * (1 + off), 200.0)), 200.0)
        assert not kind.any(), off
    clean = [real_data / "xio_gait_tracking" / "long_walk.csv", real_data / "gaitmap_example" / "imu_sample.csv",
             real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU", ROOT / "recordings" / "sprint_session.podses"]
    for path in clean:
        for s in read_recording([path], fs_hz=204.8 if "gaitmap" in str(path) else None).sensors:
            assert clock_tolerance_periods(s.t_s, s.fs_hz) == DROP_FACTOR, path
    for path in sorted(glob.glob(str(real_data / "pyshoe_vicon" / "*.mat")))[::4]:
        s = read_recording([path], placements=["right_foot"]).sensors[0]
        assert clock_tolerance_periods(s.t_s, s.fs_hz) == GAP_FACTOR, path


def _lossy(sensor, every=37, start=1000):
    """``sensor`` with one sample lost every ``every`` (stamps kept) and every other lost
    sample's next row sent twice, as the x-io logger does; also the repeated rows' count."""
    n = sensor.n_samples
    lost = np.arange(start, n - 400, every)
    rows = np.setdiff1d(np.arange(n), lost)
    repeat = rows[np.searchsorted(rows, lost)][::2]
    rows = np.sort(np.concatenate([rows, repeat]))
    return replace(sensor, t_s=sensor.t_s[rows], acc_mps2_sf=sensor.acc_mps2_sf[rows],
                   gyr_dps_sf=sensor.gyr_dps_sf[rows]), repeat.size


def test_lost_samples_and_repeated_rows_any_chunking_equals_batch():
    """The chunked detector gets the recording's clock tolerance too (it once kept the
    jitter-tolerant one, and its sprint differed from the batch at every chunk size)."""
    from gaitcore.report import to_json
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=12.0, seed=SEED)
    left, _ = _lossy(sim.recording.sensors[0])
    right, _ = _lossy(sim.recording.sensors[1], every=41, start=1200)
    rec = Recording((left, right), "lossy sprint")
    batch = to_json(analyze(rec))
    for chunk in (7, 500, 4096):
        assert to_json(analyze(rec, chunk_size=chunk)) == batch, chunk


def test_repeated_rows_of_segment_pods_are_counted():
    from gaitcore.signals import Segment
    from gaitcore.simulate import JOG
    sim = simulate_session(JOG, fs_hz=500.0, duration_s=12.0, seed=SEED, segments=(Segment.SHANK,))
    sensors = list(sim.recording.sensors)
    k = next(i for i, s in enumerate(sensors) if s.placement.segment is Segment.SHANK)
    sensors[k], n_rep = _lossy(sensors[k])
    result = analyze(Recording(tuple(sensors), "jog with shanks"))
    assert result.per_sensor("duplicate_rows")[sensors[k].name] == n_rep
