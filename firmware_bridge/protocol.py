"""podwire, the pod wire protocol (version 1): frames, CRC, COBS, pure decoders.

Specification: ``firmware_bridge/PROTOCOL.md``.  Nothing here does I/O or reads a
clock: decoders take bytes and return frames (``feed(bytes) -> frames``, like
pyserial's ``Packetizer``), so the same code runs live, on replay and in tests.
Raw sensor values stay int16 in the frames; :meth:`DataFrame.acc_mps2` and
:meth:`DataFrame.gyr_dps` convert with the frame's own full-scale ranges.
"""
from __future__ import annotations

import binascii
import enum
import struct
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from gaitcore.signals import GRAVITY_MPS2

from .errors import ProtocolError

VERSION = 1
DATA_HEADER = struct.Struct("<BBHIQHBHB")   # version_type flags seq sample_index t_us odr acc_g gyr_dps count
INFO_HEADER = struct.Struct("<BBH6sBBHHBHB")  # ... device_id placement batt_pct batt_mv odr acc_g gyr_dps fw_len
CMD_HEADER = struct.Struct("<BBH")
CRC_SIZE = 2
DATA_OVERHEAD = DATA_HEADER.size + CRC_SIZE   # 24 bytes
SAMPLE_BYTES = 12
MAG_SAMPLE_BYTES = 18
MAX_FW_LEN = 32
ATT_OVERHEAD = 3    # opcode + handle of a notification
MIN_MTU = 185


class FrameType(enum.IntEnum):
    DATA = 0
    INFO = 1
    COMMAND = 2
    RESPONSE = 3


class Flag(enum.IntFlag):
    NONE = 0
    OVERFLOW = 1   # the pod's ring buffer dropped samples before this frame
    RESYNC = 2     # first frame after start, or the pod restarted its sample index
    MAG = 4        # samples carry the magnetometer
    CLIPPED = 8    # a sample of this frame is at full scale


class Command(enum.IntEnum):
    START = 1
    STOP = 2
    SET_RATE = 3
    SET_RANGES = 4
    IDENTIFY = 5
    BATTERY = 6
    VERSION = 7


class Status(enum.IntEnum):
    OK = 0
    UNKNOWN_COMMAND = 1
    BAD_ARGUMENT = 2
    BUSY = 3


class Placement(enum.IntEnum):
    UNKNOWN = 0
    LEFT_FOOT = 1
    RIGHT_FOOT = 2
    LEFT_SHANK = 3
    RIGHT_SHANK = 4
    LEFT_THIGH = 5
    RIGHT_THIGH = 6


def crc16(data: bytes) -> int:
    """CRC-16/IBM-3740 (CCITT-FALSE): poly 0x1021, init 0xFFFF; crc16(b"123456789") == 0x29B1."""
    return binascii.crc_hqx(data, 0xFFFF)


@dataclass(frozen=True, eq=False)
class DataFrame:
    """IMU samples.  ``acc_raw``/``gyr_raw``/``mag_raw``: int16 arrays (count x 3)."""

    seq: int
    flags: Flag
    sample_index: int
    t_us: int
    odr_hz: int
    acc_range_g: int
    gyr_range_dps: int
    acc_raw: np.ndarray
    gyr_raw: np.ndarray
    mag_raw: np.ndarray | None = None

    @property
    def count(self) -> int:
        return int(self.acc_raw.shape[0])

    def acc_mps2(self) -> np.ndarray:
        return self.acc_raw.astype(np.float64) * (self.acc_range_g * GRAVITY_MPS2 / 32768.0)

    def gyr_dps(self) -> np.ndarray:
        return self.gyr_raw.astype(np.float64) * (self.gyr_range_dps / 32768.0)

    def __eq__(self, other) -> bool:
        if not isinstance(other, DataFrame):
            return NotImplemented
        same_mag = (self.mag_raw is None and other.mag_raw is None) or (
            self.mag_raw is not None and other.mag_raw is not None and np.array_equal(self.mag_raw, other.mag_raw))
        # the MAG bit is implied by mag_raw
        return (self.seq, int(self.flags) & ~Flag.MAG, self.sample_index, self.t_us, self.odr_hz, self.acc_range_g,
                self.gyr_range_dps) == (other.seq, int(other.flags) & ~Flag.MAG, other.sample_index, other.t_us, other.odr_hz,
                                        other.acc_range_g, other.gyr_range_dps) \
            and np.array_equal(self.acc_raw, other.acc_raw) and np.array_equal(self.gyr_raw, other.gyr_raw) \
            and same_mag


@dataclass(frozen=True)
class InfoFrame:
    seq: int
    device_id: bytes
    placement: Placement
    battery_pct: int
    battery_mv: int
    odr_hz: int
    acc_range_g: int
    gyr_range_dps: int
    firmware: str


@dataclass(frozen=True)
class CommandFrame:
    seq: int
    command: Command
    payload: bytes = b""


@dataclass(frozen=True)
class ResponseFrame:
    seq: int
    command: Command
    status: Status
    payload: bytes = b""


Frame = DataFrame | InfoFrame | CommandFrame | ResponseFrame


def _vt(frame_type: FrameType) -> int:
    return (VERSION << 4) | int(frame_type)


def encode(frame: Frame) -> bytes:
    """The frame's bytes, CRC included (raises ValueError on out-of-range fields)."""
    if isinstance(frame, DataFrame):
        n = frame.count
        mag = frame.mag_raw is not None
        if not 1 <= n <= 255:
            raise ValueError(f"a data frame holds 1-255 samples, not {n}")
        flags = (int(frame.flags) | Flag.MAG) if mag else (int(frame.flags) & ~Flag.MAG)
        cols = [frame.acc_raw, frame.gyr_raw] + ([frame.mag_raw] if mag else [])
        samples = np.ascontiguousarray(np.hstack(cols), dtype="<i2")
        head = DATA_HEADER.pack(_vt(FrameType.DATA), flags, frame.seq & 0xFFFF, frame.sample_index & 0xFFFFFFFF,
                                frame.t_us, frame.odr_hz, frame.acc_range_g, frame.gyr_range_dps, n)
        body = head + samples.tobytes()
    elif isinstance(frame, InfoFrame):
        fw = frame.firmware.encode("utf-8")[:MAX_FW_LEN]
        if len(frame.device_id) != 6:
            raise ValueError("device_id must be 6 bytes")
        body = INFO_HEADER.pack(_vt(FrameType.INFO), 0, frame.seq & 0xFFFF, frame.device_id, int(frame.placement),
                                frame.battery_pct, frame.battery_mv, frame.odr_hz, frame.acc_range_g,
                                frame.gyr_range_dps, len(fw)) + fw
    elif isinstance(frame, CommandFrame):
        body = CMD_HEADER.pack(_vt(FrameType.COMMAND), int(frame.command), frame.seq & 0xFFFF) + frame.payload
    elif isinstance(frame, ResponseFrame):
        body = CMD_HEADER.pack(_vt(FrameType.RESPONSE), int(frame.command), frame.seq & 0xFFFF) + \
            bytes([int(frame.status)]) + frame.payload
    else:
        raise TypeError(f"not a frame: {type(frame).__name__}")
    return body + struct.pack("<H", crc16(body))


def decode(buf: bytes) -> Frame:
    """One frame from exactly its bytes; ProtocolError if they are not a valid frame."""
    n = len(buf)
    if n < CMD_HEADER.size + CRC_SIZE:
        raise ProtocolError("length", f"{n} bytes is shorter than any frame", n)
    body, (crc,) = buf[:-CRC_SIZE], struct.unpack_from("<H", buf, n - CRC_SIZE)
    if crc16(body) != crc:
        raise ProtocolError("crc", f"CRC 0x{crc:04X} does not match the bytes (0x{crc16(body):04X})", n)
    vt = body[0]
    if vt >> 4 != VERSION:
        raise ProtocolError("version", f"protocol version {vt >> 4}, this host speaks {VERSION}", n)
    kind = vt & 0x0F
    if kind == FrameType.DATA:
        if len(body) < DATA_HEADER.size:
            raise ProtocolError("length", f"data frame of {n} bytes is shorter than its header", n)
        _, flags, seq, index, t_us, odr, acc_g, gyr_dps, count = DATA_HEADER.unpack_from(body)
        width = MAG_SAMPLE_BYTES if flags & Flag.MAG else SAMPLE_BYTES
        if count == 0 or len(body) != DATA_HEADER.size + count * width:
            raise ProtocolError("length", f"data frame of {n} bytes does not hold {count} samples", n)
        raw = np.frombuffer(body, dtype="<i2", offset=DATA_HEADER.size).reshape(count, width // 2).astype(np.int16)
        return DataFrame(seq, Flag(flags & 0x0F), index, t_us, odr, acc_g, gyr_dps, raw[:, 0:3].copy(),
                         raw[:, 3:6].copy(), raw[:, 6:9].copy() if flags & Flag.MAG else None)
    if kind == FrameType.INFO:
        if len(body) < INFO_HEADER.size:
            raise ProtocolError("length", f"info frame of {n} bytes is shorter than its header", n)
        (_, _, seq, dev, place, pct, mv, odr, acc_g, gyr_dps, fw_len) = INFO_HEADER.unpack_from(body)
        if fw_len > MAX_FW_LEN or len(body) != INFO_HEADER.size + fw_len or place > max(Placement):
            raise ProtocolError("length", f"info frame of {n} bytes is malformed", n)
        return InfoFrame(seq, dev, Placement(place), pct, mv, odr, acc_g, gyr_dps,
                         body[INFO_HEADER.size:].decode("utf-8", errors="replace"))
    if kind in (FrameType.COMMAND, FrameType.RESPONSE):
        _, cmd, seq = CMD_HEADER.unpack_from(body)
        if cmd not in Command._value2member_map_:
            raise ProtocolError("type", f"unknown command id {cmd}", n)
        if kind == FrameType.COMMAND:
            return CommandFrame(seq, Command(cmd), bytes(body[CMD_HEADER.size:]))
        if len(body) < CMD_HEADER.size + 1 or body[CMD_HEADER.size] not in Status._value2member_map_:
            raise ProtocolError("length", "response without a valid status byte", n)
        return ResponseFrame(seq, Command(cmd), Status(body[CMD_HEADER.size]), bytes(body[CMD_HEADER.size + 1:]))
    raise ProtocolError("type", f"unknown frame type {kind}", n)


def cobs_encode(data: bytes) -> bytes:
    """COBS encoding (no zero bytes in the output; the caller appends the 0x00 delimiter)."""
    out = bytearray([0])
    code_at, code = 0, 1
    for b in data:
        if b == 0:
            out[code_at] = code
            code_at, code = len(out), 1
            out.append(0)
        else:
            out.append(b)
            code += 1
            if code == 0xFF:
                out[code_at] = code
                code_at, code = len(out), 1
                out.append(0)
    out[code_at] = code
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Inverse of :func:`cobs_encode` for one packet without its delimiter."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        code = data[i]
        end = i + code
        if code == 0 or end > n:
            raise ProtocolError("cobs", "a COBS code is zero or points past the packet", n)
        block = data[i + 1:end]
        if 0 in block:
            raise ProtocolError("cobs", "a COBS block holds a zero byte", n)
        out += block
        i = end
        if code != 0xFF and i < n:
            out.append(0)
    return bytes(out)


def serial_bytes(frame: Frame) -> bytes:
    """The frame as sent over serial: COBS-encoded and 0x00-terminated."""
    return cobs_encode(encode(frame)) + b"\x00"


def samples_per_notification(mtu: int, mag: bool = False) -> int:
    """Samples a data frame can carry in one notification at this ATT MTU."""
    if mtu < MIN_MTU:
        raise ValueError(f"ATT MTU {mtu} is below the {MIN_MTU} the protocol requires (enable data length "
                         f"extension and request a larger MTU)")
    return min(255, (mtu - ATT_OVERHEAD - DATA_OVERHEAD) // (MAG_SAMPLE_BYTES if mag else SAMPLE_BYTES))


@dataclass
class DecoderStats:
    frames: int = 0
    rejected: dict = field(default_factory=dict)   # ProtocolError.reason -> count
    discarded_bytes: int = 0

    def reject(self, err: ProtocolError) -> None:
        self.rejected[err.reason] = self.rejected.get(err.reason, 0) + 1
        self.discarded_bytes += err.n_bytes


class NotificationDecoder:
    """BLE: each notification is one frame.  ``feed`` returns [frame] or [] (the bad
    frame is counted in ``stats``).  ``decode_one`` decodes one notification's bytes
    (raising ProtocolError): a podwire frame's by default, another profile's message
    (an RSC measurement) otherwise."""

    def __init__(self, decode_one: Callable[[bytes], object] = decode) -> None:
        self.stats = DecoderStats()
        self._decode = decode_one

    def feed(self, notification: bytes) -> list:
        try:
            frame = self._decode(bytes(notification))
        except ProtocolError as err:
            self.stats.reject(err)
            return []
        self.stats.frames += 1
        return [frame]


class SerialDecoder:
    """Serial: COBS packets delimited by 0x00, fed in arbitrary pieces.  A bad packet
    (cut short because the decoder joined mid-stream, corrupted, or not COBS) is
    counted in ``stats`` and skipped; decoding resumes after the next 0x00."""

    MAX_PACKET = 4096

    def __init__(self) -> None:
        self.stats = DecoderStats()
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        self._buf += data
        while True:
            end = self._buf.find(0)
            if end < 0:
                if len(self._buf) > self.MAX_PACKET:   # no delimiter in sight: noise
                    self.stats.discarded_bytes += len(self._buf)
                    self._buf.clear()
                return out
            packet = bytes(self._buf[:end])
            del self._buf[:end + 1]
            if not packet:
                continue
            try:
                frame = decode(cobs_decode(packet))
            except ProtocolError as err:
                self.stats.reject(err)
                continue
            self.stats.frames += 1
            out.append(frame)
