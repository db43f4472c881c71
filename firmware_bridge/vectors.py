"""Shared test vectors of the wire protocol: frames with their exact bytes.

``python -m firmware_bridge.vectors`` prints the JSON kept in
``firmware_bridge/firmware/test_vectors.json``; the tests check the Python codec and
the C codec (compiled with gcc) against that file byte for byte, so a change of
either codec, or of the file, shows.
"""
from __future__ import annotations

import json

import numpy as np

from .protocol import (Command, CommandFrame, DataFrame, Flag, InfoFrame, Placement, ResponseFrame, Status,
                       encode)


def _frames() -> list[tuple[str, object]]:
    ramp = np.arange(-39, 39, 2, dtype=np.int16).reshape(13, 3)
    return [
        ("data, 13 samples, resync", DataFrame(0, Flag.RESYNC, 0, 0, 1000, 32, 2000, ramp, -ramp)),
        ("data, 1 sample at full scale, wrapped counters",
         DataFrame(65535, Flag.CLIPPED, 0xFFFFFFFF, 2 ** 40 + 5, 1666, 16, 4000,
                   np.array([[32767, -32768, 0]], dtype=np.int16), np.array([[-1, 1, 32767]], dtype=np.int16))),
        ("data with magnetometer and overflow",
         DataFrame(42, Flag.OVERFLOW, 123456, 987654321, 400, 8, 1000,
                   np.array([[100, 200, 300], [-100, -200, -300]], dtype=np.int16),
                   np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16),
                   np.array([[250, -120, 40], [251, -121, 41]], dtype=np.int16))),
        ("info", InfoFrame(7, bytes.fromhex("c0ffee123456"), Placement.LEFT_FOOT, 87, 3912, 1000, 32, 2000,
                           "footpod 1.0.0")),
        ("command start", CommandFrame(1, Command.START)),
        ("command set rate 1000 Hz", CommandFrame(2, Command.SET_RATE, (1000).to_bytes(2, "little"))),
        ("command set ranges 32 g 4000 dps",
         CommandFrame(3, Command.SET_RANGES, bytes([32]) + (4000).to_bytes(2, "little"))),
        ("response battery", ResponseFrame(4, Command.BATTERY, Status.OK, bytes([87]) + (3912).to_bytes(2, "little"))),
        ("response busy", ResponseFrame(5, Command.IDENTIFY, Status.BUSY)),
    ]


def _fields(frame) -> dict:
    if isinstance(frame, DataFrame):
        return {"type": "data", "seq": frame.seq, "flags": int(frame.flags), "sample_index": frame.sample_index,
                "t_us": frame.t_us, "odr_hz": frame.odr_hz, "acc_range_g": frame.acc_range_g,
                "gyr_range_dps": frame.gyr_range_dps, "acc": frame.acc_raw.tolist(), "gyr": frame.gyr_raw.tolist(),
                "mag": None if frame.mag_raw is None else frame.mag_raw.tolist()}
    if isinstance(frame, InfoFrame):
        return {"type": "info", "seq": frame.seq, "device_id": frame.device_id.hex(), "placement": int(frame.placement),
                "battery_pct": frame.battery_pct, "battery_mv": frame.battery_mv, "odr_hz": frame.odr_hz,
                "acc_range_g": frame.acc_range_g, "gyr_range_dps": frame.gyr_range_dps, "firmware": frame.firmware}
    kind = "command" if isinstance(frame, CommandFrame) else "response"
    out = {"type": kind, "seq": frame.seq, "command": int(frame.command), "payload": frame.payload.hex()}
    if kind == "response":
        out["status"] = int(frame.status)
    return out


def frame_from_fields(f: dict):
    """The frame a vector's fields describe."""
    if f["type"] == "data":
        mag = None if f["mag"] is None else np.array(f["mag"], dtype=np.int16)
        return DataFrame(f["seq"], Flag(f["flags"]), f["sample_index"], f["t_us"], f["odr_hz"], f["acc_range_g"],
                         f["gyr_range_dps"], np.array(f["acc"], dtype=np.int16), np.array(f["gyr"], dtype=np.int16),
                         mag)
    if f["type"] == "info":
        return InfoFrame(f["seq"], bytes.fromhex(f["device_id"]), Placement(f["placement"]), f["battery_pct"],
                         f["battery_mv"], f["odr_hz"], f["acc_range_g"], f["gyr_range_dps"], f["firmware"])
    if f["type"] == "command":
        return CommandFrame(f["seq"], Command(f["command"]), bytes.fromhex(f["payload"]))
    return ResponseFrame(f["seq"], Command(f["command"]), Status(f["status"]), bytes.fromhex(f["payload"]))


def vectors() -> list[dict]:
    return [{"name": name, "fields": _fields(frame), "hex": encode(frame).hex()} for name, frame in _frames()]


if __name__ == "__main__":
    print(json.dumps({"crc_check": {"input": "123456789", "crc16_ibm3740": "29b1"}, "frames": vectors()}, indent=1))
