"""PyShoe ``.mat`` files: ``imu`` (N x 6: acc m/s^2, gyr rad/s) and ``ts`` (s).

The layout and units are fixed by the PyShoe data set (Wagstaff et al., 2018,
"LSTM-based zero-velocity detection for robust inertial navigation"); a file
without both variables in those shapes is refused.

The data set's IMU (a LORD MicroStrain 3DM-GX5-25 on the laces) delivers a gyroscope that is
low-passed more than its accelerometer: the gyro's sample-to-sample changes are strongly correlated
(lag-1 autocorrelation of the differences 0.55-0.77, the accelerometer's 0.10-0.29), and at a heel
strike its change of rate is spread over ~8 samples and peaks 2-3 samples after the accelerometer's
3-sample impact spike (gaitmap's NilsPods: 1 sample, sharp).  ``GYRO_FILTER_S`` is set from the
data without the VICON reference: with the level-ground update off, the walking trials' stance
height drifts +11.7 mm per stride on a level floor as recorded and +0.5 mm with the gyroscope two
samples (10 ms) earlier.  Matching the accelerometer with a first-order low-pass of that time
constant (``gaitcore.trajectory.match_gyro_filter``) then removes most of the stride-length deficit
that grows in late swing and landing on the VICON trials (docs/findings.md).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputFormatError
from ..signals import SensorRecording
from ._common import check_time_stamps, fs_from_time

GYRO_FILTER_S = 0.010   # s: the gyroscope's extra lag, two samples at 200 Hz (see the module docstring)
EXPECTED = "a PyShoe .mat file with variables 'imu' (N x 6, acc m/s^2 + gyr rad/s) and 'ts' (N, s)"


def sniff_bytes(head: bytes) -> bool:
    return head.startswith(b"MATLAB")


def read(path: Path, name: str, placement) -> SensorRecording:
    from scipy.io import loadmat

    try:
        m = loadmat(str(path))
    except Exception as err:  # scipy raises several types for damaged files
        raise InputFormatError(path, f"not a readable MATLAB file ({type(err).__name__})",
                               EXPECTED) from None
    if "imu" not in m or "ts" not in m:
        raise InputFormatError(path, f"variables {sorted(k for k in m if not k.startswith('__'))}",
                               EXPECTED)
    imu = np.asarray(m["imu"], dtype=np.float64)
    ts = np.asarray(m["ts"], dtype=np.float64).ravel()
    if imu.ndim != 2 or imu.shape[1] != 6 or imu.shape[0] != ts.shape[0]:
        raise InputFormatError(path, f"'imu' has shape {imu.shape} and 'ts' {ts.shape}", EXPECTED)
    check_time_stamps(path, ts, what="'ts'", stamp="a time stamp in seconds",
                      fix="repair 'ts' or use the data set's original file")
    t_s = np.ascontiguousarray(ts)
    acc = np.ascontiguousarray(imu[:, :3])
    gyr = np.ascontiguousarray(np.degrees(imu[:, 3:]))
    return SensorRecording(name, placement, fs_from_time(t_s), t_s, acc, gyr,
                           meta={"format": "pyshoe_mat", "file": str(path),
                                 "gyro_filter_s": GYRO_FILTER_S})
