"""The project's own pods: podwire (``firmware_bridge/PROTOCOL.md``) over serial (COBS
frames in a byte stream) and over BLE (one frame per notification).

Samples are placed by the pod's running sample index (unwrapped from 32 bits; a
repeated frame counts once), so a lost frame is a hole of exactly its samples, which
the analysis reports as a gap; nothing is interpolated.  Sample times come from the
pod's own clock mapped onto the host's by :func:`firmware_bridge.clock.fit_clock`, so
all pods share one session clock.  The pod's answer to STOP says how many samples it
took, so frames lost after the last one received show too.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from gaitcore.errors import InputFormatError
from gaitcore.signals import GRAVITY_MPS2, Placement, SensorRecording

from ..clock import fit_clock
from ..protocol import (MIN_MTU, Command, CommandFrame, DataFrame, Frame, InfoFrame, NotificationDecoder,
                        ResponseFrame, SerialDecoder, decode, encode, serial_bytes)
from .base import BleProfile, Decoder, ImuDevice, Placed, PodSamples, PodStream, Timeline, stream_meta, unwrap
from .registry import register

SERVICE_UUID = "7f0a0001-5b1e-4b5e-9a3c-2f6d5c0e1a00"
DATA_UUID = "7f0a0002-5b1e-4b5e-9a3c-2f6d5c0e1a00"
COMMAND_UUID = "7f0a0003-5b1e-4b5e-9a3c-2f6d5c0e1a00"


def is_podwire_command(data: bytes) -> bool:
    """Whether ``data`` is a podwire command frame (as the recorder sends them)."""
    try:
        return isinstance(decode(bytes(data)), CommandFrame)
    except Exception:            # ProtocolError: not a podwire frame (a GSP command, say)
        return False


@dataclass(frozen=True)
class PodwireTimeline(Timeline):
    """Live placement: the pod's next sample index (u32, as on the wire; None before the
    first frame) and the same counted from the pod's first sample."""

    next_index: int | None = None
    next_first: int = 0


@dataclass(frozen=True)
class _Podwire(ImuDevice):
    units = "frames"
    none_sent = "no data frames"

    @abc.abstractmethod
    def wire(self, frame: Frame) -> bytes:
        """A frame's bytes as this transport carries them."""

    def start_command(self, seq: int) -> bytes:
        return self.wire(CommandFrame(seq, Command.START))

    def stop_command(self, seq: int) -> bytes:
        return self.wire(CommandFrame(seq, Command.STOP))

    def stream(self, name: str, received: Sequence[tuple[float, bytes]], device_info: dict) -> PodStream:
        dec = self.decoder()
        frames, info, stop_index = [], None, None
        for t_s, payload in received:
            for f in dec.feed(payload):
                if isinstance(f, DataFrame):
                    frames.append((t_s, f))
                elif isinstance(f, InfoFrame):
                    info = f
                elif isinstance(f, ResponseFrame) and f.command is Command.STOP and len(f.payload) == 4:
                    stop_index = int.from_bytes(f.payload, "little")
        return PodStream(name, self, dec.stats, frames=frames, info=info, device_info=device_info,
                         stop_index=stop_index)

    def packets_of(self, stream: PodStream) -> list:
        return stream.frames

    def samples(self, stream: PodStream, placement: Placement, path: str) -> PodSamples:
        frames = [f for _, f in stream.frames]
        if not frames:
            raise InputFormatError(path, f"pod {stream.name!r} sent no data frames",
                                   "a session in which every pod streamed (check the pod's connection)")
        rates = {f.odr_hz for f in frames}
        if len(rates) != 1:
            raise InputFormatError(path, f"pod {stream.name!r} changed its rate mid-session ({sorted(rates)} Hz)",
                                   "one output rate per pod and session")
        odr = float(rates.pop())
        first = unwrap([f.sample_index for f in frames], 32)
        t_dev = np.array([f.t_us for f in frames], dtype=np.float64) * 1e-6   # u64: never wraps
        host = np.array([t for t, _ in stream.frames])
        counts = np.array([f.count for f in frames])
        clock = fit_clock(t_dev + (counts - 1) / odr, host)
        # place samples by index; a frame seen twice counts once
        seen: dict[int, int] = {}
        for j, idx in enumerate(first.tolist()):
            seen.setdefault(idx, j)
        order = sorted(seen)
        idx_parts, t_parts, acc_parts, gyr_parts = [], [], [], []
        acc_fs = gyr_fs = None
        for idx in order:
            f = frames[seen[idx]]
            k = np.arange(f.count)
            idx_parts.append(idx + k)
            t_parts.append(t_dev[seen[idx]] + k / odr)
            acc_parts.append(f.acc_mps2())
            gyr_parts.append(f.gyr_dps())
            acc_fs, gyr_fs = f.acc_range_g * GRAVITY_MPS2, float(f.gyr_range_dps)
        index = np.concatenate(idx_parts)
        keep = np.r_[True, np.diff(index) > 0]   # overlapping frames: the first copy
        index = index[keep]
        t_dev_s = np.concatenate(t_parts)[keep]
        acc, gyr = np.concatenate(acc_parts)[keep], np.concatenate(gyr_parts)[keep]
        # Frames lost after the last one received leave no later index to show them; the pod's
        # answer to 'stop' does.  They become rows without values (reported as a gap), never
        # invented samples.
        tail = 0
        if stream.stop_index is not None:
            last = int(index[-1]) + 1
            tail = (stream.stop_index - last) % (1 << 32)
            tail = tail if tail < (1 << 31) else 0
        if tail:
            k = np.arange(1, tail + 1)
            index = np.concatenate([index, index[-1] + k])
            t_dev_s = np.concatenate([t_dev_s, t_dev_s[-1] + k / odr])
            acc = np.vstack([acc, np.full((tail, 3), np.nan)])
            gyr = np.vstack([gyr, np.full((tail, 3), np.nan)])
        t = clock.to_host(t_dev_s)
        n_missing = int(index[-1] - index[0] + 1 - index.shape[0]) + tail
        sensor = SensorRecording(stream.name, placement, odr, np.ascontiguousarray(t),
                                 np.ascontiguousarray(acc), np.ascontiguousarray(gyr), acc_fs, gyr_fs,
                                 {"device_id": stream.info.device_id.hex() if stream.info else None,
                                  "firmware": stream.info.firmware if stream.info else None,
                                  **stream_meta(clock, n_missing, stream)})
        return PodSamples(sensor, clock, n_missing, len(first) - len(seen))

    def timeline(self) -> PodwireTimeline:
        return PodwireTimeline()

    def place(self, timeline: PodwireTimeline, packet, t_rx_s: float) -> tuple[tuple[Placed, ...], PodwireTimeline]:
        """A data frame placed by its sample index (the pod's time is its sample index over
        its rate: a clean clock); an old or repeated frame, or a frame of another kind, places nothing."""
        if not isinstance(packet, DataFrame):
            return (), timeline
        f = packet
        next_index = f.sample_index if timeline.next_index is None else timeline.next_index
        lost = (f.sample_index - next_index) % (1 << 32)
        if lost >= (1 << 31):     # an old or repeated frame
            return (), PodwireTimeline(next_index, timeline.next_first)
        first = timeline.next_first + lost
        placed = Placed(first, f.acc_mps2(), f.gyr_dps(), t_rx_s, float(f.odr_hz), f.acc_range_g * GRAVITY_MPS2,
                        float(f.gyr_range_dps))
        return (placed,), PodwireTimeline((f.sample_index + f.count) % (1 << 32), first + f.count)


@register
@dataclass(frozen=True)
class PodwireSerial(_Podwire):
    """podwire over serial (USB CDC, UART, pyserial's URL handlers): COBS frames, 0x00-delimited."""

    framing = "cobs"

    def decoder(self) -> Decoder:
        return SerialDecoder()

    def wire(self, frame: Frame) -> bytes:
        return serial_bytes(frame)


@register
@dataclass(frozen=True)
class PodwireBle(_Podwire):
    """podwire over BLE: one frame per notification; the negotiated ATT MTU must be at
    least ``MIN_MTU`` (``PROTOCOL.md``), commands go to the command characteristic."""

    framing = "notification"
    ble_name = "podwire"
    ble = BleProfile(SERVICE_UUID, DATA_UUID, COMMAND_UUID, "pod advertising the podwire service", "pod",
                     min_mtu=MIN_MTU, missing="the device has no podwire data and command characteristics",
                     missing_fix="check that the URL names a podwire foot pod (gait devices scan lists them)")

    def decoder(self) -> Decoder:
        return NotificationDecoder()

    def wire(self, frame: Frame) -> bytes:
        return encode(frame)
