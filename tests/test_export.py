"""gait export: gaitmap CSV and Parquet, read back and compared with the source."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from firmware_bridge.protocol import Command, CommandFrame, serial_bytes
from firmware_bridge.session_file import SessionWriter
from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, pod_signals
from gaitcore.analysis import analyze
from gaitcore.export import to_gaitmap_csv
from gaitcore.quality import repair
from gaitcore.readers import read_recording
from gaitcore.signals import Placement, Recording, Segment, SensorRecording, Side

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"


def gait(*args):
    return subprocess.run([sys.executable, "-m", "sprintgait", *args], capture_output=True, text=True, cwd=ROOT)


def test_csv_round_trip_of_a_gaitrec(tmp_path):
    """A .gaitrec's samples (one clock, no loss) come back from the CSV bit for bit, and
    analyse to the same contacts."""
    from gaitcore.simulate import ACCEL, simulate_session, write_simulation
    src_path = tmp_path / "sprint.gaitrec"
    write_simulation(simulate_session(ACCEL, fs_hz=500.0, duration_s=10.0, seed=42), src_path)
    out = tmp_path / "sprint.csv"
    r = gait("export", str(src_path), "--to", "csv", "--out", str(out))
    assert r.returncode == 0, r.stderr
    src, back = read_recording([src_path]), read_recording([out], fs_hz=500.0)
    for a, b in zip(src.sensors, back.sensors):
        assert a.name == b.name
        np.testing.assert_array_equal(a.acc_mps2_sf, b.acc_mps2_sf)
        np.testing.assert_array_equal(a.gyr_dps_sf, b.gyr_dps_sf)
    key = lambda res: [(s.foot.value, s.ic_s, s.to_s) for s in res.steps]  # noqa: E731
    assert key(analyze(back)) == key(analyze(src))


def _session_with_loss(path: Path, feet, duration_s: float, loss: float) -> dict:
    """A session of one virtual pod per foot losing ``loss`` of its frames (seeded), driven by
    a fake clock as `gait record` would store it: polled every 4 ms, each read arriving
    0.5-3 ms later.  Returns the samples each pod lost."""
    rng = np.random.default_rng(7)
    pods = []
    for foot in feet:
        cfg = VirtualPodConfig(foot, "sprint", 3, 1000.0, duration_s, loss=loss)
        pods.append(VirtualPod(cfg, *pod_signals(cfg)[:4]))
    w = SessionWriter.create(path, {"pods": [{"name": f, "placement": f, "framing": "cobs"} for f in feet]})
    for pod in pods:
        pod.receive(serial_bytes(CommandFrame(1, Command.START)), 0.0)
    for now in np.arange(0.0, duration_s + 0.2, 0.004):
        for k, pod in enumerate(pods):
            data = pod.due(now)
            if data:
                w.rx(k, int((now + rng.uniform(0.0005, 0.003)) * 1e9), data)
    for k, pod in enumerate(pods):
        w.rx(k, int((duration_s + 0.3) * 1e9),
             pod.receive(serial_bytes(CommandFrame(2, Command.STOP)), duration_s + 0.2))
    w.close()
    return {pod.cfg.foot: sum(n for _, n in pod.lost_frames) for pod in pods}


def test_csv_of_a_session_keeps_its_gaps_empty(tmp_path):
    """One virtual pod losing frames: on the CSV's rows the lost samples are empty cells,
    read back as samples the sensor does not have (a gap of the same length), not as
    unreadable ones."""
    path = tmp_path / "s.podses"
    lost = _session_with_loss(path, ("left",), 8.0, 0.02)["left"]
    assert lost > 0
    out = tmp_path / "s.csv"
    r = gait("export", str(path), "--to", "csv", "--out", str(out))
    assert r.returncode == 0 and "rows without a sample" in r.stdout, (r.stdout, r.stderr)
    src, back = read_recording([path]), read_recording([out], fs_hz=1000.0)
    assert back.sensors[0].n_samples == src.sensors[0].n_samples
    assert np.isfinite(back.sensors[0].acc_mps2_sf).all()
    body = out.read_text().splitlines()[2:]
    assert sum(line.split(",")[1] == "" for line in body) == lost
    gaps = analyze(back).summary.gaps
    assert sum(g.n_samples for g in gaps) == lost and {g.kind for g in gaps} == {"dropped"}, gaps


def test_a_session_and_its_csv_analyse_to_the_same_steps_and_gaps(tmp_path):
    """Two pods, 15 s of sprint, 1% of the frames lost: the session and its gaitmap CSV
    (read with --fs) give the same contacts per foot, IC and TO within one sample, the
    same contact and stride times, the same strides, and the same gaps (kind, length,
    bridged or not).  Times compare after the CSV's shift to its first row; its rows put
    each sample at most half a period from its session time, so an event can move by one
    sample, and a stride's length by what the foot covers in one sample at contact: under
    1 cm at sprint speed (10 m/s x 1 ms)."""
    path = tmp_path / "s.podses"
    lost = _session_with_loss(path, ("left", "right"), 15.0, 0.01)
    assert all(lost.values()), lost
    out = tmp_path / "s.csv"
    r = gait("export", str(path), "--to", "csv", "--out", str(out))
    assert r.returncode == 0, r.stderr
    src, back = read_recording([path]), read_recording([out], fs_hz=1000.0)
    t0 = min(float(s.t_s[0]) for s in src.sensors)
    one = 1e-3 + 1e-9
    a, b = analyze(src), analyze(back)
    for foot in ("left", "right"):
        mine = [x for x in b.steps if x.foot.value == foot]
        want = [x for x in a.steps if x.foot.value == foot]
        assert len(mine) == len(want) > 20, (foot, len(mine), len(want))
        for key in ("ic_s", "to_s", "contact_s", "stride_time_s", "stride_length_m"):
            assert [getattr(x, key) is None for x in mine] == [getattr(x, key) is None for x in want], (foot, key)
        for x, w in zip(mine, want):
            assert abs(x.ic_s - (w.ic_s - t0)) <= one, (foot, x.ic_s, w.ic_s - t0)
            if w.to_s is not None:
                assert abs(x.to_s - (w.to_s - t0)) <= one, (foot, x.to_s, w.to_s - t0)
            if w.contact_s is not None:
                assert abs(x.contact_s - w.contact_s) <= one, (foot, x.contact_s, w.contact_s)
            if w.stride_time_s is not None:
                assert abs(x.stride_time_s - w.stride_time_s) <= one
            if w.stride_length_m is not None:
                assert abs(x.stride_length_m - w.stride_length_m) <= 0.01
    want_gaps, gaps = a.summary.gaps, b.summary.gaps
    assert sum(g.n_samples for g in want_gaps) == sum(lost.values())
    assert [(g.sensor, g.kind, g.n_samples, g.bridged) for g in gaps] == \
        [(g.sensor, g.kind, g.n_samples, g.bridged) for g in want_gaps]
    for g, w in zip(gaps, want_gaps):
        assert abs(g.start_s - (w.start_s - t0)) <= one and abs(g.end_s - (w.end_s - t0)) <= one


def test_a_bad_sample_stays_bad_and_a_lost_one_lost(tmp_path):
    """A sample holding NaN is written 'nan' (a bad sample, interpolated when alone), a
    row without a sample is left empty (a lost sample: a gap in time)."""
    n = 2000
    t = np.arange(n) / 500.0
    acc = np.tile([0.0, 0.0, 9.81], (n, 1)) + 0.01 * np.sin(np.arange(n))[:, None]
    gyr = np.zeros((n, 3))
    acc[700, 1] = np.nan                              # bad sample
    keep = np.ones(n, dtype=bool)
    keep[1200] = False                                # lost sample
    s = SensorRecording("left", Placement(Side.LEFT, Segment.FOOT), 500.0, t[keep],
                        np.ascontiguousarray(acc[keep]), np.ascontiguousarray(gyr[keep]))
    out = tmp_path / "left.csv"
    info = to_gaitmap_csv(Recording((s,), "test"), out)
    assert info["rows"] == n and info["empty_cells"] == {"left": 1}
    lines = out.read_text().splitlines()
    assert lines[2 + 700].split(",")[2] == "nan" and lines[2 + 1200] == "1200,,,,,,"
    back = read_recording([out], fs_hz=500.0).sensors[0]
    np.testing.assert_array_equal(back.t_s, s.t_s)
    np.testing.assert_array_equal(back.acc_mps2_sf, s.acc_mps2_sf)


@pytest.mark.parametrize("drift_ppm", [-30.0, 0.0, 30.0])
def test_a_drop_of_exactly_the_bridge_is_bridged_in_a_source_and_its_csv(tmp_path, drift_ppm):
    """Drops of 20 samples at 1000 Hz (BRIDGE_S exactly) at four places, in time stamps
    whose clock runs 30 ppm slow, true or fast: each is bridged, in the source and in its
    CSV alike (floating-point rounding of the running clock and the stamps' rate error
    move the lag by far less than a sample, and must not tip it over the limit); 21 are
    not."""
    fs, n = 1000.0, 12000
    lost = {37: 20, 1234: 20, 4321: 20, 7777: 20, 9999: 21}
    keep = np.ones(n, dtype=bool)
    for at, k in lost.items():
        keep[at:at + k] = False
    k_all = np.flatnonzero(keep)
    rng = np.random.default_rng(5)
    s = SensorRecording("left", Placement(Side.LEFT, Segment.FOOT), fs, k_all * (1 + drift_ppm * 1e-6) / fs,
                        np.ascontiguousarray(rng.normal(0.0, 1.0, (k_all.size, 3)) + [0.0, 0.0, 9.81]),
                        np.ascontiguousarray(rng.normal(0.0, 5.0, (k_all.size, 3))))
    out = tmp_path / "left.csv"
    to_gaitmap_csv(Recording((s,), "test"), out)
    back = read_recording([out], fs_hz=fs).sensors[0]
    want = [(20, True)] * 4 + [(21, False)]
    for sensor in (s, back):
        _, gaps, _ = repair(sensor)
        assert [(g.n_samples, g.bridged) for g in gaps] == want, (sensor.meta, gaps)


def test_parquet_round_trip(tmp_path):
    out = tmp_path / "sprint.parquet"
    r = gait("export", str(BUNDLED), "--to", "parquet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    t = pq.read_table(out).to_pydict()
    src = read_recording([BUNDLED])
    for s in src.sensors:
        rows = [i for i, name in enumerate(t["sensor"]) if name == s.name]
        assert len(rows) == s.n_samples
        np.testing.assert_array_equal(np.array(t["acc_x"])[rows], s.acc_mps2_sf[:, 0])
        np.testing.assert_array_equal(np.array(t["t_s"])[rows], s.t_s)


def test_export_refuses_to_overwrite(tmp_path):
    out = tmp_path / "x.csv"
    out.write_text("keep")
    r = gait("export", str(BUNDLED), "--to", "csv", "--out", str(out))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "exists" in r.stderr
    assert out.read_text() == "keep"


def test_samples_of_a_fast_clock_that_share_a_row_are_counted_not_lost_silently(tmp_path):
    """A sensor whose clock runs 0.2% fast has a sample now and then nearest the same CSV
    row as the one before: the export names how many it left out, and they are exactly the
    samples missing from the file read back."""
    from dataclasses import replace
    from gaitcore.simulate import SPRINT, simulate_session, write_simulation
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=8.0, seed=5)
    left, right = sim.recording.sensors
    fast = replace(left, t_s=np.ascontiguousarray(left.t_s * (1 - 0.002)))
    src = tmp_path / "fast.gaitrec"
    write_simulation(replace(sim, recording=replace(sim.recording, sensors=(fast, right))), src)
    shared = int(left.n_samples - np.unique(np.rint(fast.t_s * 500.0)).size)
    assert shared > 0
    r = gait("export", str(src), "--to", "csv", "--out", str(tmp_path / "fast.csv"))
    assert r.returncode == 0, r.stderr
    line = [x for x in r.stderr.splitlines() if "left out" in x]
    assert len(line) == 1 and f"left_pod {shared};" in line[0] and "right_pod" not in line[0], r.stderr
    back = read_recording([tmp_path / "fast.csv"], fs_hz=500.0)
    assert back.sensors[0].n_samples == left.n_samples - shared
    assert back.sensors[1].n_samples == right.n_samples
