"""The gait command: outputs, report files, and one-line errors with exit code 2."""
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sprintgait.cli import main

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "sprint_session.podses"


def run(args):
    return subprocess.run([sys.executable, "-m", "sprintgait", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_bundled_recording_json_contract(tmp_path):
    r = run(["analyze", str(BUNDLED), "--json", "--out", str(tmp_path / "rep")])
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {s["foot"] for s in out["sensors"]} == {"left", "right"}
    keys = {"rep", "foot", "ic_s", "to_s", "contact_s", "flight_s", "step_time_s", "step_length_m", "stride_time_s",
            "cadence_spm", "stride_length_m", "speed_mps", "peak_height_m", "strike_angle_deg",
            "toe_off_angle_deg", "lateral_excursion_m", "turning_angle_deg", "position_m",
            "shank_angle_peak_deg", "thigh_angle_peak_deg", "saturated", "confidence"}
    assert out["steps"] and all(set(s) == keys for s in out["steps"])
    assert [s["ic_s"] for s in out["steps"]] == sorted(s["ic_s"] for s in out["steps"])
    assert all(0.0 <= s["confidence"] <= 1.0 for s in out["steps"])
    assert any(s["flight_s"] for s in out["steps"])
    assert [r["index"] for r in out["reps"]] == [0, 1, 2]
    assert [x["drill"] for x in out["sets"]] == ["sprint", "skip", "high_knees"]
    assert set(out["reps"][0]) == {"index", "start_s", "push_off_s", "first_ic_s", "end_s", "duration_s", "steps",
                                   "rest_before_s", "distance_m", "drill", "drill_source", "confidence", "recognised",
                                   "plan_mismatch", "rest", "quality", "reasons", "metrics", "cues", "splits",
                                   "planned_distance_m"}
    assert [s["rep"] for s in out["steps"]] == sorted(s["rep"] for s in out["steps"])
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == ["report.json", "steps.csv",
                                                                     "summary.txt"]
    assert json.loads((tmp_path / "rep" / "report.json").read_text()) == out


def test_chunked_cli_is_byte_identical():
    a = run(["analyze", str(BUNDLED), "--json"])
    b = run(["analyze", str(BUNDLED), "--json", "--chunk-size", "97"])
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout


def test_table_output(capsys):
    assert main(["analyze", str(BUNDLED)]) == 0
    out = capsys.readouterr().out
    assert "contact ms" in out and "steps:" in out


BAD = {
    "empty.csv": b"",
    "truncated.csv": b"sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n1,2,3\n"
                     b"2,1,2,3,4,5,6\n",
    "wrong_unit.csv": b"Time (s),Gyroscope X (deg/s),Gyroscope Y (deg/s),Gyroscope Z (deg/s),"
                      b"Accelerometer X (mg),Accelerometer Y (mg),Accelerometer Z (mg)\n0,0,0,0,0,0,1000\n",
    "wrong_shape.csv": b"sensor,left,left,left\naxis,acc_x,acc_y,acc_z\n0,1,2,3\n",
    "nan.csv": b"sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
               + b"".join(b"%d,nan,nan,nan,nan,nan,nan\n" % i for i in range(50)),
    "binary.csv": bytes(range(256)),
    "notes.txt": b"this is not a recording\n",
    "short.csv": b"sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,0,0,9.8,0,0,0\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(BAD[name])
    out = tmp_path / "report"
    r = run(["analyze", str(p), "--fs", "100", "--out", str(out)])
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gait: error:"), r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_missing_fs_and_missing_file(tmp_path):
    r = run(["analyze", str(tmp_path / "nope.csv")])
    assert r.returncode == 2 and "no such file" in r.stderr
    r = run(["analyze", "--chunk-size", "0", str(BUNDLED)])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_progress_lines_only_on_a_terminal(capsys, monkeypatch):
    r = run(["analyze", str(BUNDLED)])
    assert r.returncode == 0 and r.stderr == ""  # piped: no progress noise
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["analyze", str(BUNDLED)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert [ln.split(" ")[1] for ln in err] == ["reading", "analysing", "found"], err
    assert main(["analyze", str(BUNDLED), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_no_trajectory_leaves_spatial_fields_null_and_timing_unchanged():
    full = json.loads(run(["analyze", str(BUNDLED), "--json"]).stdout)
    quick = json.loads(run(["analyze", str(BUNDLED), "--json", "--no-trajectory"]).stdout)
    spatial = ("stride_length_m", "speed_mps", "peak_height_m", "strike_angle_deg", "toe_off_angle_deg",
               "lateral_excursion_m", "turning_angle_deg", "position_m", "step_length_m")
    assert any(s["stride_length_m"] for s in full["steps"])
    assert all(s[k] is None for s in quick["steps"] for k in spatial)
    for a, b in zip(full["steps"], quick["steps"]):
        assert {k: v for k, v in a.items() if k not in spatial and k != "confidence"} == \
               {k: v for k, v in b.items() if k not in spatial and k != "confidence"}


def test_devices_scan_lists_serial_ports():
    r = run(["devices", "scan", "--no-ble"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() and all(line.startswith("serial ") for line in r.stdout.strip().splitlines())


def test_record_with_no_reachable_pod_is_one_error_and_no_file(tmp_path):
    out = tmp_path / "none.podses"
    r = run(["record", "-q", "--pod", "left=/dev/no-such-pod", "--duration", "3", "--out", str(out)])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "no pod sent anything" in r.stderr and not out.exists()


@pytest.mark.parametrize("value", ["", "12:00:01"])
@pytest.mark.parametrize("how", ["plain", "json", "out", "export"])
def test_time_cell_empty_or_text_one_line_exit_2_nothing_written(real_data, tmp_path, value, how):
    """A recording with one time cell emptied or not a number (once a crash with --json or
    export, and 'nan nan-nan s' in the table) is a one-line error, exit 2, nothing written."""
    lines = (real_data / "xio_gait_tracking" / "short_walk.csv").read_text().splitlines()
    cells = lines[811].split(",")
    cells[0] = value
    lines[811] = ",".join(cells)
    p = tmp_path / "x.csv"
    p.write_text("\n".join(lines) + "\n")
    out = tmp_path / ("x_gaitmap.csv" if how == "export" else "report")
    args = {"plain": ["analyze", str(p)], "json": ["analyze", str(p), "--json"],
            "out": ["analyze", str(p), "--out", str(out)],
            "export": ["export", str(p), "--to", "csv", "--out", str(out)]}[how]
    r = run(args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0] == (f"gait: error: {p}: time column 'Time (s)' has 1 empty or non-numeric cell "
                        "(first at line 812); expected a time stamp in seconds on every row; "
                        "fill in or delete the rows without one")
    assert not out.exists()
    assert sorted(q.name for q in tmp_path.iterdir()) == ["x.csv"]


def test_report_that_cannot_be_built_leaves_no_folder(tmp_path):
    """write_report builds every text before it makes the --out folder."""
    from gaitcore.report import write_report
    from gaitcore.results import Analysis
    from gaitcore.signals import SessionInfo
    out = tmp_path / "report"
    with pytest.raises(Exception):
        write_report(Analysis(SessionInfo(), (), (), object()), out)
    assert not out.exists()


def _one_error(r) -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("gait: error:"), r.stderr
    return lines[0]


@pytest.mark.parametrize("column, unit, scale", [("Accelerometer", "m/s^2", 1.0), ("Gyroscope", "rad/s", 1.0),
                                                 ("Accelerometer", "g", 9.80665),
                                                 ("Gyroscope", "deg/s", np.pi / 180.0)])
def test_a_unit_header_the_values_contradict_is_refused(real_data, tmp_path, column, unit, scale):
    """The x-io walk with its header saying m/s^2 over values in g, or rad/s over deg/s;
    or values converted to m/s^2 (rad/s) under its header's g (deg/s)."""
    text = (real_data / "xio_gait_tracking" / "short_walk.csv").read_text()
    head, rest = text.split("\n", 1)
    old = "(g)" if column == "Accelerometer" else "(deg/s)"
    cols = [k for k, c in enumerate(head.split(",")) if c.startswith(column)]
    head = ",".join(c.replace(old, f"({unit})") if c.startswith(column) else c for c in head.split(","))
    data = np.loadtxt(io.StringIO(rest), delimiter=",")
    data[:, cols] *= scale
    p = tmp_path / "walk.csv"
    p.write_text(head + "\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in data) + "\n")
    out = tmp_path / "report"
    line = _one_error(run(["analyze", str(p), "--out", str(out)]))
    assert "unit" in line and column.lower() in line, line
    assert not out.exists()


def test_two_pods_on_one_foot_are_refused(real_data):
    """Two files of unknown side, or one --placement forced on a file of two sensors, would
    merge two pods' contacts into one foot's (cadence in the thousands)."""
    walks = [str(real_data / "xio_gait_tracking" / f"{w}_walk.csv") for w in ("short", "long")]
    assert "one pod per foot" in _one_error(run(["analyze", *walks]))
    gaitmap = str(real_data / "gaitmap_example" / "imu_sample.csv")
    assert "holds 2 sensors" in _one_error(run(["analyze", gaitmap, "--fs", "204.8", "--placement", "left"]))
    assert run(["analyze", *walks, "--placement", "left", "--placement", "right", "--no-trajectory"]).returncode == 0


def test_output_paths_that_cannot_be_written_are_refused_before_any_work(tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    report = tmp_path / "report.txt"
    report.write_text("keep me")
    cases = [
        (["simulate", "walk", "--duration", "6", "--out", str(tmp_path / "no" / "x.gaitrec")], "there is no folder"),
        (["simulate", "walk", "--duration", "6", "--out", str(folder)], "is a folder"),
        (["simulate", "walk", "--duration", "6", "--out", str(tmp_path / "x.gaitrec"), "--truth",
          str(tmp_path / "no" / "t.json")], "there is no folder"),
        (["export", str(BUNDLED), "--to", "csv", "--out", str(tmp_path / "no" / "e.csv")], "there is no folder"),
        (["analyze", str(BUNDLED), "--out", str(report)], "is a file"),
        (["record", "--pod", "left=/dev/no-such-pod", "--duration", "1", "--out", str(tmp_path / "no" / "r.podses")],
         "there is no folder"),
        (["export", str(BUNDLED), "--to", "parquet", "--out", str(tmp_path / "e.csv")], "names a csv file"),
        (["export", str(BUNDLED), "--to", "csv", "--out", str(tmp_path / "e.parquet")], "names a parquet file"),
        (["simulate", "", "--out", str(tmp_path / "x.gaitrec")], "unknown drill"),
    ]
    for args, what in cases:
        assert what in _one_error(run(args)), args
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_folder", "report.txt"]
    assert not any(folder.iterdir()) and report.read_text() == "keep me"


def test_an_unknown_drill_or_a_pod_name_without_placement_is_told(tmp_path):
    out = tmp_path / "none.podses"
    r = run(["record", "--pod", "middle=/dev/no-such-pod", "--drill", "nodrill", "--duration", "1", "-q",
             "--out", str(out)])
    assert r.returncode == 2 and not out.exists()
    assert "pod 'middle': its name is its placement" in r.stderr and "drill 'nodrill' is not one gait knows" in r.stderr


def test_fs_on_time_stamped_files_is_told_it_is_not_used(real_data):
    r = run(["analyze", str(real_data / "xio_gait_tracking" / "short_walk.csv"), "--fs", "100", "--no-trajectory"])
    assert r.returncode == 0 and "gait: warning: --fs 100 was not used: this file carries time stamps" in r.stderr
    r = run(["analyze", str(BUNDLED), "--no-trajectory"])
    assert r.returncode == 0 and "--fs" not in r.stderr


def test_a_folder_of_folders_points_at_the_one_with_the_recordings(real_data):
    line = _one_error(run(["analyze", str(real_data / "tripod_excerpt" / "Sub_FZ" / "PWS")]))
    assert "only folders (IMU, OptoGait); give the one with the recordings" in line, line


def test_exports_and_reports_are_readable_by_their_owner_only(tmp_path):
    """An athlete's data are personal data, whatever the umask lets others read."""
    out = tmp_path / "e.csv"
    assert run(["export", str(BUNDLED), "--to", "csv", "--out", str(out)]).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o600
    folder = tmp_path / "new" / "report"
    assert run(["analyze", str(BUNDLED), "--no-trajectory", "--out", str(folder), "-q"]).returncode == 0
    assert [f.stat().st_mode & 0o777 for f in sorted(folder.iterdir())] == [0o600] * 3
    assert (folder.stat().st_mode & 0o777, folder.parent.stat().st_mode & 0o777) == (0o700, 0o700)
