"""gait export: gaitmap CSV and Parquet, read back and compared with the source."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from firmware_bridge.protocol import Command, CommandFrame, serial_bytes
from firmware_bridge.session_file import SessionWriter
from firmware_bridge.virtual_pod import VirtualPod, VirtualPodConfig, pod_signals
from gaitcore.analysis import analyze
from gaitcore.readers import read_recording

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_drills.gaitrec"


def gait(*args):
    return subprocess.run([sys.executable, "-m", "gaitcore.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_csv_round_trip_of_the_bundled_recording(tmp_path):
    out = tmp_path / "sprint.csv"
    r = gait("export", str(BUNDLED), "--to", "csv", "--out", str(out))
    assert r.returncode == 0, r.stderr
    src, back = read_recording([BUNDLED]), read_recording([out], fs_hz=500.0)
    for a, b in zip(src.sensors, back.sensors):
        assert a.name == b.name
        np.testing.assert_array_equal(a.acc_mps2_sf, b.acc_mps2_sf)
        np.testing.assert_array_equal(a.gyr_dps_sf, b.gyr_dps_sf)
    key = lambda res: [(s["foot"], s["ic_s"], s["to_s"]) for s in res["steps"]]  # noqa: E731
    assert key(analyze(back)) == key(analyze(src))


def test_csv_of_a_session_keeps_its_gaps_empty(tmp_path):
    """Two virtual pods, one losing frames: on the CSV's common rows the lost samples
    are empty cells, read back as a gap of the same length."""
    cfg = VirtualPodConfig("left", "sprint", 3, 1000.0, 8.0, loss=0.02)
    pod = VirtualPod(cfg, *pod_signals(cfg)[:4])
    path = tmp_path / "s.podses"
    w = SessionWriter.create(path, {"pods": [{"name": "left", "placement": "left", "framing": "cobs"}]})
    pod.receive(serial_bytes(CommandFrame(1, Command.START)), 0.0)
    for now in np.arange(0.0, 8.2, 0.004):
        data = pod.due(now)
        if data:
            w.rx(0, int((now + 0.001) * 1e9), data)
    w.rx(0, int(8.3e9), pod.receive(serial_bytes(CommandFrame(2, Command.STOP)), 8.2))
    w.close()
    lost = sum(n for _, n in pod.lost_frames)
    assert lost > 0
    out = tmp_path / "s.csv"
    r = gait("export", str(path), "--to", "csv", "--out", str(out))
    assert r.returncode == 0 and "rows without a sample" in r.stdout, (r.stdout, r.stderr)
    back = read_recording([out], fs_hz=1000.0)
    assert np.isnan(back.sensors[0].acc_mps2_sf[:, 0]).sum() == lost
    gaps = analyze(back)["summary"]["gaps"]
    assert sum(g["n_samples"] for g in gaps) == lost, gaps


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
