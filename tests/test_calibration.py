"""Mounting calibrations: frozen values that survive the session header unchanged and
refuse what they are not."""
import json

import numpy as np
import pytest

from gaitcore.errors import UsageError
from gaitcore.mounting import MountingCalibration


def _cal(angle_deg: float = 30.0) -> MountingCalibration:
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    rot = ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))
    return MountingCalibration("left", rot, "earlier.podses", 8, 0.9)


def test_round_trip_through_json():
    cal = _cal()
    back = MountingCalibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert back == cal and back.calibration_id == cal.calibration_id
    assert np.allclose(back.alignment().rot_ff_sf, cal.rot_ff_sf)


def test_the_id_names_the_rotation_and_its_source():
    assert _cal(30.0).calibration_id != _cal(31.0).calibration_id
    assert _cal().calibration_id.startswith("mount-")


@pytest.mark.parametrize("change,msg", [
    ({"version": 2}, "not a version-1"),
    ({"kind": "imu"}, "not a version-1"),
    ({"rot_ff_sf": [[1, 0, 0], [0, 1, 0], [0, 0, -1]]}, "not a rotation"),     # a mirror
    ({"rot_ff_sf": [[1, 0], [0, 1]]}, "not a rotation"),
])
def test_refused_in_one_line(change, msg):
    with pytest.raises(UsageError, match=msg) as err:
        MountingCalibration.from_dict({**_cal().to_dict(), **change})
    assert "\n" not in str(err.value)
