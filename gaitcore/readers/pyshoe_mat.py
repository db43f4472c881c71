"""PyShoe ``.mat`` files: ``imu`` (N x 6: acc m/s^2, gyr rad/s) and ``ts`` (s).

The layout and units are fixed by the PyShoe data set (Wagstaff et al., 2018,
"LSTM-based zero-velocity detection for robust inertial navigation"); a file
without both variables in those shapes is refused.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputFormatError
from ..signals import SensorRecording
from ._common import fs_from_time

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
    t_s = np.ascontiguousarray(ts)
    acc = np.ascontiguousarray(imu[:, :3])
    gyr = np.ascontiguousarray(np.degrees(imu[:, 3:]))
    return SensorRecording(name, placement, fs_from_time(t_s), t_s, acc, gyr,
                           meta={"format": "pyshoe_mat", "file": str(path)})
