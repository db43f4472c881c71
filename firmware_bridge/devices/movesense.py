"""Movesense sensors over the GATT SensorData Protocol (GSP).

The host writes commands to the write characteristic: subscribe
``[1, ref, b"Meas/IMU6/<rate>"]`` (rate 13, 26, 52, 104, 208, 416, 833 or 1666 Hz),
unsubscribe ``[2, ref]``.  Data arrives as notifications ``[2, ref, u32 timestamp
(ms, the sensor's clock, of the first sample), N x acc (3 float32, m/s^2), N x gyro
(3 float32, deg/s)]``; a packet too long for one notification is split, the second
part arriving as ``[3, ref, rest...]``.  The sensor answers each command with
``[1, ref, u16 status]`` (200 OK).  :class:`GspDecoder` is pure:
``feed(notification) -> [Imu6Packet]``; command results are kept in its ``results``.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..errors import ProtocolError

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1666)

CMD_SUBSCRIBE, CMD_UNSUBSCRIBE = 1, 2
MSG_COMMAND_RESULT, MSG_DATA, MSG_DATA_PART2 = 1, 2, 3
SAMPLE_BYTES = 24   # acc xyz + gyr xyz, float32


def nearest_rate(hz: float) -> int:
    """The IMU6 rate (of RATES_HZ) nearest ``hz`` in ratio."""
    return min(RATES_HZ, key=lambda r: abs(np.log(r / hz)))


def subscribe_imu6(ref: int, rate_hz: int) -> bytes:
    if rate_hz not in RATES_HZ:
        raise ValueError(f"Movesense IMU6 runs at {', '.join(map(str, RATES_HZ))} Hz, not {rate_hz}")
    return bytes([CMD_SUBSCRIBE, ref & 0xFF]) + f"Meas/IMU6/{rate_hz}".encode()


def unsubscribe(ref: int) -> bytes:
    return bytes([CMD_UNSUBSCRIBE, ref & 0xFF])


def encode_result(ref: int, status: int = 200) -> bytes:
    """A command result message (for tests and emulation)."""
    return bytes([MSG_COMMAND_RESULT, ref & 0xFF]) + struct.pack("<H", status & 0xFFFF)


@dataclass(frozen=True, eq=False)
class Imu6Packet:
    ref: int
    timestamp_ms: int
    acc_mps2: np.ndarray   # N x 3
    gyr_dps: np.ndarray    # N x 3


def encode_imu6(ref: int, timestamp_ms: int, acc: np.ndarray, gyr: np.ndarray) -> bytes:
    """One DATA message (for tests and emulation)."""
    return bytes([MSG_DATA, ref & 0xFF]) + struct.pack("<I", timestamp_ms & 0xFFFFFFFF) + \
        np.asarray(acc, dtype="<f4").tobytes() + np.asarray(gyr, dtype="<f4").tobytes()


class GspDecoder:
    """Notifications in, IMU6 packets out; malformed ones are counted in ``rejected``,
    not returned; command results go to ``results`` as (ref, status)."""

    MAX_PART = 4096

    def __init__(self) -> None:
        self.rejected = 0
        self.results: list[tuple[int, int]] = []
        self._part1: bytes | None = None

    def feed(self, notification: bytes) -> list[Imu6Packet]:
        data = bytes(notification)
        if not data:
            self.rejected += 1
            return []
        if data[0] == MSG_DATA_PART2:
            if self._part1 is None or len(data) < 2 or data[1] != self._part1[1]:
                self._part1 = None
                self.rejected += 1
                return []
            data, self._part1 = self._part1 + data[2:], None
        elif data[0] == MSG_DATA:
            body = len(data) - 6
            if len(data) >= 6 and body > 0 and body % SAMPLE_BYTES != 0 and len(data) < self.MAX_PART:
                self._part1 = data   # a first part: the rest follows as DATA_PART2
                return []
        elif data[0] == MSG_COMMAND_RESULT and len(data) == 4:
            self.results.append((data[1], struct.unpack_from("<H", data, 2)[0]))
            return []
        else:
            self.rejected += 1     # other messages are not data
            return []
        try:
            return [self._decode(data)]
        except ProtocolError:
            self.rejected += 1
            return []

    @staticmethod
    def _decode(data: bytes) -> Imu6Packet:
        n = len(data)
        body = n - 6
        if n < 6 or body <= 0 or body % SAMPLE_BYTES:
            raise ProtocolError("length", f"IMU6 message of {n} bytes is not 6 + k x 24", n)
        k = body // SAMPLE_BYTES
        (ts,) = struct.unpack_from("<I", data, 2)
        v = np.frombuffer(data, dtype="<f4", offset=6).astype(np.float64)
        acc, gyr = v[:3 * k].reshape(k, 3), v[3 * k:].reshape(k, 3)
        if not (np.isfinite(acc).all() and np.isfinite(gyr).all()):
            raise ProtocolError("value", "IMU6 message holds non-finite values", n)
        return Imu6Packet(data[1], ts, acc, gyr)
