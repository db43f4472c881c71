"""Bluetooth Running Speed and Cadence profile (GATT service 0x1814).

RSC Measurement (0x2A53, notified): u8 flags (bit 0 stride length present, bit 1
total distance present, bit 2 running, else walking), u16 speed (1/256 m/s), u8
cadence (steps/min), [u16 stride length (1/100 m)], [u32 total distance (1/10 m)].
RSC Feature (0x2A54, read): u16 flags (bit 0 stride length, 1 total distance,
2 walking/running status, 3 calibration, 4 multiple sensor locations supported).

Two device quirks are handled by options, never guessed silently: pods that report
per-leg cadence (strides/min: ``cadence_per_leg`` doubles it) and pods that put
power in watts into the cadence field (``cadence_is_power``).  Without the option the
value is kept but flagged ``suspect`` when it cannot be a cadence: above
``MAX_PLAUSIBLE_SPM``, or, when the pod also sends its stride length, more than
``CONSISTENCY`` away from the cadence its speed and stride length imply (60 x speed /
length if the pod's "stride" is a step, 120 x speed / length if it is two).
"""
from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from ..errors import ProtocolError

SERVICE_UUID = "00001814-0000-1000-8000-00805f9b34fb"
MEASUREMENT_UUID = "00002a53-0000-1000-8000-00805f9b34fb"
FEATURE_UUID = "00002a54-0000-1000-8000-00805f9b34fb"
MAX_PLAUSIBLE_SPM = 260
CONSISTENCY = 0.15


class RscFeature(enum.IntFlag):
    STRIDE_LENGTH = 1
    TOTAL_DISTANCE = 2
    WALK_RUN_STATUS = 4
    CALIBRATION = 8
    MULTIPLE_LOCATIONS = 16


@dataclass(frozen=True)
class RscOptions:
    cadence_per_leg: bool = False
    cadence_is_power: bool = False


@dataclass(frozen=True)
class RscMeasurement:
    speed_mps: float
    cadence_spm: float | None       # None when the field carries power
    power_w: float | None
    stride_length_m: float | None
    total_distance_m: float | None
    running: bool
    suspect: bool                    # cadence beyond MAX_PLAUSIBLE_SPM: check the pod's options


def decode_feature(data: bytes) -> RscFeature:
    if len(data) < 2:
        raise ProtocolError("length", f"RSC feature of {len(data)} bytes; expected 2", len(data))
    return RscFeature(struct.unpack_from("<H", data)[0] & 0x1F)


def decode_measurement(data: bytes, options: RscOptions = RscOptions()) -> RscMeasurement:
    n = len(data)
    if n < 4:
        raise ProtocolError("length", f"RSC measurement of {n} bytes; at least 4 expected", n)
    flags = data[0]
    want = 4 + (2 if flags & 1 else 0) + (4 if flags & 2 else 0)
    if n != want:
        raise ProtocolError("length", f"RSC measurement of {n} bytes; its flags 0x{flags:02x} say {want}", n)
    speed = struct.unpack_from("<H", data, 1)[0] / 256.0
    raw_cadence = float(data[3])
    i = 4
    stride = total = None
    if flags & 1:
        stride = struct.unpack_from("<H", data, i)[0] / 100.0
        i += 2
    if flags & 2:
        total = struct.unpack_from("<I", data, i)[0] / 10.0
    if options.cadence_is_power:
        cadence, power = None, raw_cadence
    else:
        cadence, power = raw_cadence * (2.0 if options.cadence_per_leg else 1.0), None
    suspect = cadence is not None and cadence > MAX_PLAUSIBLE_SPM
    if cadence is not None and stride and speed > 0.5 and cadence > 0:
        implied = (60.0 * speed / stride, 120.0 * speed / stride)
        suspect |= all(abs(cadence / c - 1.0) > CONSISTENCY for c in implied)
    return RscMeasurement(speed, cadence, power, stride, total, bool(flags & 4), suspect)


def encode_measurement(speed_mps: float, cadence: int, stride_length_m: float | None = None,
                       total_distance_m: float | None = None, running: bool = True) -> bytes:
    """The inverse of :func:`decode_measurement` (for tests and emulated pods)."""
    flags = (1 if stride_length_m is not None else 0) | (2 if total_distance_m is not None else 0) | \
        (4 if running else 0)
    out = struct.pack("<BHB", flags, int(round(speed_mps * 256)), cadence)
    if stride_length_m is not None:
        out += struct.pack("<H", int(round(stride_length_m * 100)))
    if total_distance_m is not None:
        out += struct.pack("<I", int(round(total_distance_m * 10)))
    return out
