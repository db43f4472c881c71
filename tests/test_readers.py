"""Readers against the real files in validation/data and hand-made bad files."""
import numpy as np
import pytest

from gaitcore.errors import InputFormatError, UnitError, UsageError
from gaitcore.readers import read_recording
from gaitcore.signals import GRAVITY_MPS2


def test_gaitmap_csv_two_feet(real_data):
    rec = read_recording([real_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)
    assert [str(s.placement) for s in rec.sensors] == ["left_foot", "right_foot"]
    s = rec.sensors[0]
    assert s.n_samples == 7928 and s.fs_hz == 204.8
    assert s.t_s[0] == 0.0 and np.isclose(s.t_s[-1], 7927 / 204.8)
    assert s.acc_mps2_sf.flags.c_contiguous and s.acc_mps2_sf.dtype == np.float64
    # first sample of the left sensor, converted to nothing (already m/s^2, deg/s)
    assert np.allclose(s.acc_mps2_sf[0], [0.8808107066241624, 2.7622080650315652, 9.408650477990726])


def test_gaitmap_csv_needs_fs(real_data):
    with pytest.raises(UsageError, match="--fs"):
        read_recording([real_data / "gaitmap_example" / "imu_sample.csv"])


def test_physilog_folder_units_and_placement(real_data):
    rec = read_recording([real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"])
    assert sorted(str(s.placement) for s in rec.sensors) == [
        "left_foot", "left_shank", "right_foot", "right_shank"]
    lf = next(s for s in rec.sensors if s.name == "LF")
    assert lf.fs_hz == 128.0
    # acc was in g in the file: a still stretch must read ~1 g in m/s^2
    still = np.linalg.norm(lf.acc_mps2_sf[:200], axis=1)
    assert abs(np.median(still) - GRAVITY_MPS2) < 0.3


def test_xio_csv(real_data):
    rec = read_recording([real_data / "xio_gait_tracking" / "short_walk.csv"])
    s = rec.sensors[0]
    assert 390 < s.fs_hz < 410
    assert abs(np.median(np.linalg.norm(s.acc_mps2_sf[:300], axis=1)) - GRAVITY_MPS2) < 0.3


def test_pyshoe_mat_rad_to_deg(real_data):
    rec = read_recording([real_data / "pyshoe_vicon" / "2017-11-27-11-14-03.mat"])
    s = rec.sensors[0]
    assert 199 < s.fs_hz < 201
    from scipy.io import loadmat
    m = loadmat(str(real_data / "pyshoe_vicon" / "2017-11-27-11-14-03.mat"))
    assert np.allclose(s.gyr_dps_sf[5], np.degrees(m["imu"][5, 3:]))


@pytest.mark.parametrize("content, match", [
    ("", "empty"),
    ("a,b,c\n1,2,3\n", "unrecognised"),
    ("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y\n0,1,2,3,4,5,6\n",
     "differ in length"),
    ("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_q\n0,1,2,3,4,5,6\n",
     "lacks columns"),
    ("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n1,2,3\n"
     "2,1,2,3,4,5,6\n", "row 4 is truncated"),
    ("Time (s),Gyroscope X (deg/s),Gyroscope Y (deg/s),Gyroscope Z (deg/s),Accelerometer X (furlong),"
     "Accelerometer Y (furlong),Accelerometer Z (furlong)\n0,0,0,0,0,0,1\n", "accelerometer units"),
])
def test_bad_files_refused_with_reason(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises((InputFormatError, UsageError), match=match):
        read_recording([p], fs_hz=100.0)


def test_a_last_row_cut_short_is_left_out_with_a_warning(real_data, tmp_path):
    """A logger killed mid-line leaves a short last row: the file reads as if that row
    had not been written, and the warning names its line."""
    src = real_data / "xio_gait_tracking" / "short_walk.csv"
    raw = src.read_bytes()
    end = raw.index(b"\n", len(raw) // 2)      # line 2 + k is the k-th data row
    whole = tmp_path / "whole.csv"
    whole.write_bytes(raw[:end + 1])
    n_rows = raw[:end + 1].count(b"\n") - 1
    for cut in (b"2", b"20.43,-53.4", b"20.43,-53.4,1,2,0.5,"):
        p = tmp_path / "cut.csv"
        p.write_bytes(raw[:end + 1] + cut)
        with pytest.warns(UserWarning, match=f"last row \\(line {n_rows + 2}\\) is cut short"):
            got = read_recording([p], placements=["right_foot"]).sensors[0]
        want = read_recording([whole], placements=["right_foot"]).sensors[0]
        assert np.array_equal(got.acc_mps2_sf, want.acc_mps2_sf) and np.array_equal(got.t_s, want.t_s)


def test_unit_error_is_input_format_error(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("Time (ms),Gyroscope X (deg/s),Gyroscope Y (deg/s),Gyroscope Z (deg/s),"
                 "Accelerometer X (g),Accelerometer Y (g),Accelerometer Z (g)\n0,0,0,0,0,0,1\n")
    with pytest.raises(UnitError) as info:
        read_recording([p])
    assert info.value.expected == "(s)"


def test_gaitmap_csv_variants(tmp_path):
    """pandas two-level header without level names, index in seconds; and a single-sensor
    frame whose foot comes from the file name."""
    from gaitcore.readers import read_recording
    rows = [f"{i / 100:.2f},1,2,9.8,0,0,0" for i in range(300)]
    two = tmp_path / "walk.csv"
    two.write_text(",left_sensor,left_sensor,left_sensor,left_sensor,left_sensor,left_sensor\n"
                   ",acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + "\n".join(rows) + "\n")
    rec = read_recording([two], fs_hz=100.0)
    assert rec.sensors[0].placement.side.value == "left"
    assert rec.sensors[0].t_s[-1] == pytest.approx(2.99)
    single = tmp_path / "patient_right.csv"
    single.write_text(",index,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" +
                      "\n".join(f"{i},{5000 + i},1,2,9.8,0,0,0" for i in range(300)) + "\n")
    rec = read_recording([single], fs_hz=100.0)
    s = rec.sensors[0]
    assert s.placement.side.value == "right" and s.t_s[-1] == pytest.approx(2.99)
    assert s.acc_mps2_sf[0].tolist() == [1.0, 2.0, 9.8]


def test_gaitmap_csv_index_neither_samples_nor_seconds(tmp_path):
    from gaitcore.errors import InputFormatError
    from gaitcore.readers import read_recording
    bad = tmp_path / "left.csv"
    bad.write_text("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" +
                   "\n".join(f"{7 * i},1,2,9.8,0,0,0" for i in range(50)) + "\n")
    with pytest.raises(InputFormatError, match="index column steps by 7"):
        read_recording([bad], fs_hz=100.0)


# --- time stamps that are empty or not numbers: refused with the line (or sample) of the first ---

def _blank_time(lines: list[str], i: int, col: int, value: str) -> None:
    cells = lines[i].split(",")
    cells[col] = value
    lines[i] = ",".join(cells)


@pytest.mark.parametrize("value", ["", "abc", "  ", "nan", "inf"])
def test_xio_time_cell_empty_or_text_is_refused_with_its_line(real_data, tmp_path, value):
    lines = (real_data / "xio_gait_tracking" / "short_walk.csv").read_text().splitlines()
    _blank_time(lines, 811, 0, value)                    # line 812 of the file
    p = tmp_path / "x.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFormatError) as info:
        read_recording([p])
    msg = str(info.value)
    assert msg.startswith(f"{p}: time column 'Time (s)' has 1 empty or non-numeric cell (first at line 812)")
    assert "time stamp" in msg and "\n" not in msg


def test_xio_time_cells_counted_and_line_numbers_count_blank_lines(tmp_path):
    head = ("Time (s),Gyroscope X (deg/s),Gyroscope Y (deg/s),Gyroscope Z (deg/s),"
            "Accelerometer X (g),Accelerometer Y (g),Accelerometer Z (g)")
    rows = [f"{i / 100:.2f},0,0,0,0,0,1" for i in range(100)]
    rows[40] = ",0,0,0,0,0,1"
    rows[60] = "x,0,0,0,0,0,1"
    p = tmp_path / "left.csv"
    p.write_text(head + "\n\n" + "\r\n".join(rows) + "\n")   # a blank line 2, CRLF rows from line 3
    with pytest.raises(InputFormatError, match=r"has 2 empty or non-numeric cells \(first at line 43\)"):
        read_recording([p])


def test_xio_empty_sensor_cell_is_still_a_break_not_an_error(tmp_path):
    head = ("Time (s),Gyroscope X (deg/s),Gyroscope Y (deg/s),Gyroscope Z (deg/s),"
            "Accelerometer X (g),Accelerometer Y (g),Accelerometer Z (g)")
    rows = [f"{i / 100:.2f},0,0,0,0,0,1" for i in range(100)]
    rows[40] = "0.40,,abc,0,0,0,1"
    p = tmp_path / "left.csv"
    p.write_text(head + "\n" + "\n".join(rows) + "\n")
    s = read_recording([p]).sensors[0]
    assert np.isnan(s.gyr_dps_sf[40, :2]).all() and np.isfinite(s.t_s).all()


def test_physilog_time_cell_empty_is_refused_with_its_line(real_data, tmp_path):
    src = real_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU" / "LF.csv"
    lines = src.read_text().splitlines()
    hdr = next(i for i, ln in enumerate(lines) if ln.lower().startswith("time,gyro"))
    _blank_time(lines, hdr + 50, 0, "")
    _blank_time(lines, hdr + 60, 0, "n/a")
    p = tmp_path / "LF.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputFormatError,
                       match=rf"time column has 2 empty or non-numeric cells \(first at line {hdr + 51}\)"):
        read_recording([p])


def test_gaitmap_index_cell_empty_is_refused_with_its_line(tmp_path):
    rows = [f"{i},1,2,9.8,0,0,0" for i in range(50)]
    rows[9] = ",1,2,9.8,0,0,0"
    p = tmp_path / "left.csv"
    p.write_text("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n"
                 + "\n".join(rows) + "\n")
    with pytest.raises(InputFormatError,
                       match=r"the index column has 1 empty or non-numeric cell \(first at line 12\)"):
        read_recording([p], fs_hz=100.0)


def test_pyshoe_mat_non_finite_ts_is_refused(real_data, tmp_path):
    from scipy.io import loadmat, savemat
    m = loadmat(str(real_data / "pyshoe_vicon" / "2017-11-27-11-14-03.mat"))
    ts = np.asarray(m["ts"], dtype=np.float64).copy()
    ts.ravel()[[10, 20]] = [np.nan, np.inf]
    p = tmp_path / "walk.mat"
    savemat(str(p), {"imu": m["imu"], "ts": ts})
    with pytest.raises(InputFormatError, match=r"'ts' has 2 non-finite values .*first at sample 11 of"):
        read_recording([p])


def test_gaitrec_non_finite_time_is_refused(tmp_path):
    from dataclasses import replace
    from gaitcore.readers import native
    from gaitcore.simulate import WALK, simulate_session
    rec = simulate_session(WALK, fs_hz=200.0, duration_s=6.0, seed=1).recording
    s = rec.sensors[1]
    t = s.t_s.copy()
    t[4] = np.nan
    p = tmp_path / "bad.gaitrec"
    native.write(p, replace(rec, sensors=(rec.sensors[0], replace(s, t_s=t)) + rec.sensors[2:]))
    with pytest.raises(InputFormatError, match=rf"t_s column of sensor {s.name!r} has 1 non-finite value "
                                               r"\(NaN or infinity; first at sample 5 of"):
        read_recording([p])


# --- gaitmap CSV cells: all of a sensor's empty = no sample there; some empty or text = a bad sample ---

_GAITMAP_HEAD = ("sensor,left,left,left,left,left,left,right,right,right,right,right,right\n"
                 "axis" + ",acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z" * 2 + "\n")


def _gaitmap_rows(n: int) -> list[list[str]]:
    return [[str(i)] + [f"{0.1 * j + 0.001 * i:.4f}" for j in range(12)] for i in range(n)]


def test_gaitmap_csv_empty_cells_of_a_sensor_are_samples_it_does_not_have(tmp_path):
    """The row grid is the clock: rows where all six of a sensor's cells are empty (before
    it started, and a lost stretch) are left out of that sensor, so its time jumps across
    them; the other sensor keeps every row."""
    rows = _gaitmap_rows(100)
    for i in list(range(0, 3)) + list(range(40, 53)):
        rows[i][7:13] = [""] * 6
    p = tmp_path / "two.csv"
    p.write_text(_GAITMAP_HEAD + "\n".join(",".join(r) for r in rows) + "\n")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        left, right = read_recording([p], fs_hz=100.0).sensors
    assert left.n_samples == 100 and right.n_samples == 84
    assert right.t_s[0] == pytest.approx(0.03) and np.diff(right.t_s).max() == pytest.approx(0.14)
    assert np.isfinite(right.acc_mps2_sf).all() and right.acc_mps2_sf[37, 0] == pytest.approx(0.6 + 0.053)


def test_gaitmap_csv_unreadable_samples_are_bad_samples_with_one_warning(tmp_path):
    """Some of a sample's cells empty, or a cell that is not a number: the sample stays on
    its row with NaN in those cells, and one warning counts them and gives the first line;
    a cell reading 'nan' is a value written as such and warns of nothing."""
    rows = _gaitmap_rows(100)
    rows[20][2] = ""            # half-empty (left), line 23
    rows[60][9] = "abc"         # text (right), line 63
    rows[70][4] = "nan"
    p = tmp_path / "two.csv"
    p.write_text(_GAITMAP_HEAD + "\n".join(",".join(r) for r in rows) + "\n")
    with pytest.warns(UserWarning) as caught:
        left, right = read_recording([p], fs_hz=100.0).sensors
    msgs = [str(w.message) for w in caught]
    assert len(msgs) == 1 and "\n" not in msgs[0], msgs
    assert "2 samples with some cells empty and others not, or a cell that is not a number" in msgs[0]
    assert "first at line 23, sensor 'left'" in msgs[0]
    assert left.n_samples == right.n_samples == 100
    assert np.isnan(left.acc_mps2_sf[20, 1]) and np.isfinite(left.acc_mps2_sf[20, [0, 2]]).all()
    assert np.isnan(right.acc_mps2_sf[60, 2]) and np.isnan(left.gyr_dps_sf[70, 0])


def test_gaitmap_csv_sensor_without_a_sample_is_refused(tmp_path):
    rows = _gaitmap_rows(50)
    for r in rows:
        r[7:13] = [""] * 6
    p = tmp_path / "two.csv"
    p.write_text(_GAITMAP_HEAD + "\n".join(",".join(r) for r in rows) + "\n")
    with pytest.raises(InputFormatError, match="sensor 'right' has no samples"):
        read_recording([p], fs_hz=100.0)
