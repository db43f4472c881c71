"""The virtual pod: the simulator's signals in the wire protocol, in real time, on a
pseudo-terminal, so the path from bytes on a serial device to steps runs with no
hardware (``gait pod emulate``).

It behaves like the reference pod (``firmware/footpod_core.c``): it waits for
``start``, answers commands, sends an info frame, and streams data frames of
``SAMPLES_PER_FRAME`` samples paced by the host's monotonic clock.  Its own clock
starts at a seeded uptime and runs off by a seeded drift (+-50 ppm), as a real pod's
crystal does.  ``loss`` drops whole frames (the sample index still advances, as
after a lost radio packet), ``corrupt`` flips one byte of a frame (its CRC then
fails on the host).  Everything random comes from the seed.
"""
from __future__ import annotations

import os
import select
import time
import tty
from dataclasses import dataclass

import numpy as np

from gaitcore.signals import GRAVITY_MPS2
from gaitcore.simulate import drill_by_name, simulate_session

from .protocol import (Command, CommandFrame, DataFrame, Flag, InfoFrame, Placement, ResponseFrame, SerialDecoder,
                       Status, cobs_encode, encode)

SAMPLES_PER_FRAME = 13


@dataclass(frozen=True)
class VirtualPodConfig:
    foot: str                 # left | right
    drill: str
    seed: int
    rate_hz: float = 1000.0
    duration_s: float = 20.0  # simulated session length; the pod goes quiet after it
    loss: float = 0.0
    corrupt: float = 0.0


def to_counts(sensor, acc_g: int, gyr_dps: int) -> tuple[np.ndarray, np.ndarray]:
    """A recording's samples as a pod's int16 counts at full scales ``acc_g`` and
    ``gyr_dps`` (values beyond them held at the limit)."""
    acc = np.clip(np.round(sensor.acc_mps2_sf / (acc_g * GRAVITY_MPS2) * 32768.0), -32768, 32767).astype(np.int16)
    gyr = np.clip(np.round(sensor.gyr_dps_sf / gyr_dps * 32768.0), -32768, 32767).astype(np.int16)
    return acc, gyr


def pod_signals(cfg: VirtualPodConfig):
    """(acc int16 counts, gyr int16 counts, acc range g, gyr range deg/s, the simulation)."""
    sim = simulate_session(drill_by_name(cfg.drill), fs_hz=cfg.rate_hz, duration_s=cfg.duration_s, seed=cfg.seed)
    s = next(x for x in sim.recording.sensors if x.placement.side.value == cfg.foot)
    acc_g, gyr_dps = int(round(s.acc_range_mps2 / GRAVITY_MPS2)), int(round(s.gyr_range_dps))
    return (*to_counts(s, acc_g, gyr_dps), acc_g, gyr_dps, sim)


class VirtualPod:
    """The pod's state machine, driven by :meth:`step` with the current time: pure
    apart from the seeded generator, so tests can run it without a clock."""

    def __init__(self, cfg: VirtualPodConfig, acc: np.ndarray, gyr: np.ndarray, acc_g: int, gyr_dps: int):
        self.cfg = cfg
        self.acc, self.gyr, self.acc_g, self.gyr_dps = acc, gyr, acc_g, gyr_dps
        self.rng = np.random.default_rng([cfg.seed, 0 if cfg.foot == "left" else 1])
        self.uptime_us = int(self.rng.integers(1_000_000, 5_000_000))
        self.drift = float(self.rng.uniform(-50e-6, 50e-6))
        self.device_id = bytes(self.rng.integers(0, 256, 6, dtype=np.uint8))
        self.streaming = False
        self.t_start = 0.0
        self.next_index = 0
        self.seq = 0
        self.decoder = SerialDecoder()
        self.frames_sent = self.frames_lost = self.frames_corrupted = 0
        self.lost_frames: list[tuple[int, int]] = []   # (first sample index, count) of frames lost or corrupted

    def _next_seq(self) -> int:
        self.seq = (self.seq + 1) & 0xFFFF
        return (self.seq - 1) & 0xFFFF

    def info_frame(self) -> bytes:
        place = Placement.LEFT_FOOT if self.cfg.foot == "left" else Placement.RIGHT_FOOT
        return encode(InfoFrame(self._next_seq(), self.device_id, place, 90, 3950, int(self.cfg.rate_hz),
                                self.acc_g, self.gyr_dps, "virtual pod 1.0"))

    def command(self, f: CommandFrame, now: float) -> list[bytes]:
        """Handle one command frame; returns the pod's answer frames (raw, unframed)."""
        payload = b""
        if f.command is Command.START and not self.streaming:
            self.streaming, self.t_start, self.next_index = True, now, 0
        elif f.command is Command.STOP:
            self.streaming = False
            payload = (self.next_index & 0xFFFFFFFF).to_bytes(4, "little")   # frames made so far, sent or lost
        elif f.command is Command.BATTERY:
            payload = bytes([90]) + (3950).to_bytes(2, "little")
        elif f.command is Command.VERSION:
            payload = b"virtual pod 1.0"
        out = [encode(ResponseFrame(f.seq, f.command, Status.OK, payload))]
        if f.command in (Command.START, Command.IDENTIFY):
            out.append(self.info_frame())
        return out

    def receive(self, data: bytes, now: float) -> bytes:
        """Serial bytes from the host (COBS); returns the pod's answers, COBS-framed."""
        out = []
        for f in self.decoder.feed(data):
            if isinstance(f, CommandFrame):
                out += self.command(f, now)
        return b"".join(cobs_encode(x) + b"\x00" for x in out)

    def due_frames(self, now: float) -> list[bytes]:
        """The data frames (raw, unframed: one per BLE notification) whose samples have
        been 'taken' by ``now``; a lost frame is skipped, a corrupted one has a byte
        changed (never to 0, so serial framing survives)."""
        if not self.streaming:
            return []
        n = self.acc.shape[0]
        taken = min(n, int((now - self.t_start) * self.cfg.rate_hz))
        out = []
        while self.next_index + SAMPLES_PER_FRAME <= taken or (taken == n and self.next_index < n):
            k0 = self.next_index
            k1 = min(n, k0 + SAMPLES_PER_FRAME)
            self.next_index = k1
            t_us = self.uptime_us + int(round(k0 / self.cfg.rate_hz * 1e6 * (1.0 + self.drift)))
            frame = DataFrame(self._next_seq(), Flag.RESYNC if k0 == 0 else Flag.NONE, k0, t_us,
                              int(self.cfg.rate_hz), self.acc_g, self.gyr_dps, self.acc[k0:k1], self.gyr[k0:k1])
            if k0 > 0 and self.rng.random() < self.cfg.loss:
                self.frames_lost += 1
                self.lost_frames.append((k0, k1 - k0))
                continue
            raw = bytearray(encode(frame))
            if k0 > 0 and self.rng.random() < self.cfg.corrupt:
                i = int(self.rng.integers(0, len(raw) - 1))
                raw[i] = (raw[i] % 255) + 1
                self.frames_corrupted += 1
                self.lost_frames.append((k0, k1 - k0))
            self.frames_sent += 1
            out.append(bytes(raw))
        return out

    def due(self, now: float) -> bytes:
        """:meth:`due_frames` as serial bytes (COBS, 0x00-terminated)."""
        return b"".join(cobs_encode(f) + b"\x00" for f in self.due_frames(now))


def open_pty() -> tuple[int, int, str]:
    """(master fd, slave fd, slave path) of a raw pseudo-terminal."""
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


def serve(pod: VirtualPod, master: int, clock=time.monotonic, until: float | None = None) -> None:
    """Run the pod on ``master`` in real time until ``until`` (clock time) or forever."""
    while until is None or clock() < until:
        readable, _, _ = select.select([master], [], [], 0.002)
        now = clock()
        if readable:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b""
            if data:
                _write_all(master, pod.receive(data, now))
        _write_all(master, pod.due(now))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
