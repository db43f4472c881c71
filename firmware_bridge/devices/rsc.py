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

:class:`Rsc` is the device (``device=rsc``, framing ``"rsc"``; ``cadence_per_leg=1``
and ``cadence_is_power=1`` in the URL are its :class:`RscOptions`): notifications of
RSC Measurement; RSC Feature is read once on connecting.  It sends speed and cadence,
no IMU samples, so it has no place on an IMU timeline and takes no commands.
"""
from __future__ import annotations

import enum
import struct
from dataclasses import asdict, dataclass
from functools import partial
from typing import Mapping, Sequence

import numpy as np

from gaitcore.errors import InputFormatError, UsageError
from gaitcore.signals import Placement

from ..errors import ProtocolError
from ..protocol import NotificationDecoder
from .base import BleProfile, Data, Device, PodSamples, PodStream
from .podwire import is_podwire_command
from .registry import register, url_device

SERVICE_UUID = "00001814-0000-1000-8000-00805f9b34fb"
MEASUREMENT_UUID = "00002a53-0000-1000-8000-00805f9b34fb"
FEATURE_UUID = "00002a54-0000-1000-8000-00805f9b34fb"
MAX_PLAUSIBLE_SPM = 260
CONSISTENCY = 0.15
_TRUE, _FALSE = ("", "1", "true", "yes", "on"), ("0", "false", "no", "off")


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


@register
@dataclass(frozen=True)
class Rsc(Device):
    """A Running Speed and Cadence pod (the module docstring)."""

    quirks: RscOptions = RscOptions()

    framing = "rsc"
    data = Data.SPEED_CADENCE
    ble_name = "rsc"
    ble = BleProfile(SERVICE_UUID, MEASUREMENT_UUID, None, "Running Speed and Cadence pod",
                     "Running Speed and Cadence pod", info=FEATURE_UUID)
    url_options = ("cadence_per_leg", "cadence_is_power")
    url_help = "cadence_per_leg=1 and cadence_is_power=1 (rsc)"

    def stored_options(self) -> dict:
        return asdict(self.quirks)

    @classmethod
    def from_header(cls, pod: Mapping) -> "Rsc":
        """The options from the header's ``cadence_per_leg`` and ``cadence_is_power``; a
        header without either (written by hand, or by a tool that kept only the URL) has
        those of its ``ble://`` URL, if any."""
        if "cadence_per_leg" in pod or "cadence_is_power" in pod:
            return cls(RscOptions(bool(pod.get("cadence_per_leg")), bool(pod.get("cadence_is_power"))))
        dev = url_device(str(pod.get("url", "")))
        return dev if isinstance(dev, Rsc) else cls()

    @classmethod
    def from_url_options(cls, opts: Mapping[str, str], url: str) -> "Rsc":
        flags = {}
        for key in cls.url_options:
            if key not in opts:
                flags[key] = False
                continue
            value = opts[key].strip().lower()
            if value not in _TRUE + _FALSE:
                raise UsageError(f"{key}={opts[key]!r} in {url!r} is not 1 or 0")
            flags[key] = value in _TRUE
        if flags["cadence_per_leg"] and flags["cadence_is_power"]:
            raise UsageError(f"{url!r} sets both cadence_per_leg and cadence_is_power; a pod that puts power in "
                             f"the cadence field sends no cadence: keep one")
        return cls(RscOptions(**flags))

    def ignores(self, command: bytes) -> bool:
        return is_podwire_command(command)   # the recorder's START/STOP: a documented no-op

    def decode_info(self, raw: bytes) -> tuple[RscFeature, dict]:
        features = decode_feature(raw)
        return features, {"rsc_features": int(features),
                          "rsc_feature_names": [f.name.lower() for f in RscFeature if f in features]}

    def decoder(self) -> NotificationDecoder:
        """One measurement per notification, decoded with the pod's options; one that does
        not decode is counted in its ``stats``, not returned."""
        return NotificationDecoder(partial(decode_measurement, options=self.quirks))

    def stream(self, name: str, received: Sequence[tuple[float, bytes]], device_info: dict) -> PodStream:
        dec = self.decoder()
        out = [(t_s, m) for t_s, payload in received for m in dec.feed(payload)]
        return PodStream(name, self, dec.stats, measurements=out, device_info=device_info)

    def samples(self, stream: PodStream, placement: Placement, path: str) -> PodSamples:
        raise InputFormatError(path, f"pod {stream.name!r} is a Running Speed and Cadence pod: it sends speed "
                               "and cadence, no IMU samples", "an IMU pod (podwire or Movesense)")

    def report_line(self, stream: PodStream) -> str:
        rejected = sum(stream.stats.rejected.values())
        ms = [m for _, m in stream.measurements]
        if not ms:
            return f"{stream.name}: no speed/cadence measurements (RSC), {rejected} refused"
        cad = [m.cadence_spm for m in ms if m.cadence_spm is not None]
        what = (f"cadence {np.mean(cad):.0f} spm" if cad else
                f"power {np.mean([m.power_w for m in ms if m.power_w is not None]):.0f} W")
        names = stream.device_info.get("rsc_feature_names")
        return (f"{stream.name}: {len(ms)} speed/cadence measurements (RSC), mean speed "
                f"{np.mean([m.speed_mps for m in ms]):.2f} m/s, {what}, "
                f"{sum(m.suspect for m in ms)} suspect, {rejected} refused"
                + (f"; pod features: {', '.join(names) or 'none'}" if names is not None else ""))
