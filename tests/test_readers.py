"""Readers against the real files in ../shared/data and hand-made bad files."""
import numpy as np
import pytest

from gaitcore.errors import InputFormatError, UnitError, UsageError
from gaitcore.readers import read_recording
from gaitcore.signals import GRAVITY_MPS2


def test_gaitmap_csv_two_feet(shared_data):
    rec = read_recording([shared_data / "gaitmap_example" / "imu_sample.csv"], fs_hz=204.8)
    assert [str(s.placement) for s in rec.sensors] == ["left_foot", "right_foot"]
    s = rec.sensors[0]
    assert s.n_samples == 7928 and s.fs_hz == 204.8
    assert s.t_s[0] == 0.0 and np.isclose(s.t_s[-1], 7927 / 204.8)
    assert s.acc_mps2_sf.flags.c_contiguous and s.acc_mps2_sf.dtype == np.float64
    # first sample of the left sensor, converted to nothing (already m/s^2, deg/s)
    assert np.allclose(s.acc_mps2_sf[0], [0.8808107066241624, 2.7622080650315652, 9.408650477990726])


def test_gaitmap_csv_needs_fs(shared_data):
    with pytest.raises(UsageError, match="--fs"):
        read_recording([shared_data / "gaitmap_example" / "imu_sample.csv"])


def test_physilog_folder_units_and_placement(shared_data):
    rec = read_recording([shared_data / "tripod_excerpt" / "Sub_FZ" / "PWS" / "IMU"])
    assert sorted(str(s.placement) for s in rec.sensors) == [
        "left_foot", "left_shank", "right_foot", "right_shank"]
    lf = next(s for s in rec.sensors if s.name == "LF")
    assert lf.fs_hz == 128.0
    # acc was in g in the file: a still stretch must read ~1 g in m/s^2
    still = np.linalg.norm(lf.acc_mps2_sf[:200], axis=1)
    assert abs(np.median(still) - GRAVITY_MPS2) < 0.3


def test_xio_csv(shared_data):
    rec = read_recording([shared_data / "xio_gait_tracking" / "short_walk.csv"])
    s = rec.sensors[0]
    assert 390 < s.fs_hz < 410
    assert abs(np.median(np.linalg.norm(s.acc_mps2_sf[:300], axis=1)) - GRAVITY_MPS2) < 0.3


def test_pyshoe_mat_rad_to_deg(shared_data):
    rec = read_recording([shared_data / "pyshoe_vicon" / "2017-11-27-11-14-03.mat"])
    s = rec.sensors[0]
    assert 199 < s.fs_hz < 201
    from scipy.io import loadmat
    m = loadmat(str(shared_data / "pyshoe_vicon" / "2017-11-27-11-14-03.mat"))
    assert np.allclose(s.gyr_dps_sf[5], np.degrees(m["imu"][5, 3:]))


@pytest.mark.parametrize("content, match", [
    ("", "empty"),
    ("a,b,c\n1,2,3\n", "unrecognised"),
    ("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y\n0,1,2,3,4,5,6\n",
     "differ in length"),
    ("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_q\n0,1,2,3,4,5,6\n",
     "lacks columns"),
    ("sensor,left,left,left,left,left,left\naxis,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n1,2,3\n",
     "truncated|malformed"),
    ("Time (s),Gyroscope X (deg/s),Gyroscope Y (deg/s),Gyroscope Z (deg/s),Accelerometer X (furlong),"
     "Accelerometer Y (furlong),Accelerometer Z (furlong)\n0,0,0,0,0,0,1\n", "accelerometer units"),
])
def test_bad_files_refused_with_reason(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises((InputFormatError, UsageError), match=match):
        read_recording([p], fs_hz=100.0)


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
