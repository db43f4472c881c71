"""Movesense sensors over the GATT SensorData Protocol (GSP).

The host writes commands to the write characteristic: subscribe
``[1, ref, b"Meas/IMU6/<rate>"]`` (rate 13, 26, 52, 104, 208, 416, 833 or 1666 Hz),
unsubscribe ``[2, ref]``.  Data arrives as notifications ``[2, ref, u32 timestamp
(ms, the sensor's clock, of the first sample), N x acc (3 float32, m/s^2), N x gyro
(3 float32, deg/s)]``; a packet too long for one notification is split, the second
part arriving as ``[3, ref, rest...]``.  The sensor answers each command with
``[1, ref, u16 status]`` (200 OK).  :class:`GspDecoder` is pure:
``feed(notification) -> [Imu6Packet]``; command results are kept in its ``results``.

:class:`Movesense` is the device (``device=movesense``, framing ``"movesense"``): IMU6
is subscribed (``rate=`` 13, 26, 52, 104, 208, 416, 833 or 1666 Hz, default 833) on
every link once notifications are on, and unsubscribed on close; any MTU works (long
packets arrive in two parts).

Its timeline: IMU6 has no sample index, only a u32 millisecond timestamp of each
packet's first sample (unwrapped here).  A packet's place in the stream comes from the
jump of that timestamp since the previous packet: beyond the previous packet's length
by more than a millisecond's worth of samples, the difference is lost samples (snapped
to whole packets when it is within a millisecond of a whole number of them), so a lost
packet is a hole of its samples, never interpolated.  The IMU's real rate differs from
the nominal one by up to a few tenths of a percent, so the rate used to space the
samples (and ``fs_hz``) is the one the timestamps show: the least-squares line of
timestamp against sample index; each packet's start is that line plus its residual
averaged over about a second of packets (the millisecond quantisation averaged away,
slow drift kept).  Device time is then mapped to the session clock with
:func:`~firmware_bridge.clock.fit_clock` like a podwire pod's.  A timestamp that runs
backwards (the sensor restarted) continues from the host receipt times.  Live, packets
are placed one by one the same way (:func:`place_packet`) at the subscribed rate (from
the first two packets' stamps when the session does not say it).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from gaitcore.errors import InputFormatError, UsageError
from gaitcore.signals import Placement, SensorRecording

from ..clock import fit_clock
from ..errors import ProtocolError
from ..protocol import DecoderStats
from .base import (BleProfile, Decoder, ImuDevice, LinkCommand, Placed, PodSamples, PodStream, Timeline, stream_meta,
                   unwrap)
from .podwire import is_podwire_command
from .registry import register, url_device

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1666)
DEFAULT_RATE_HZ = 833

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


SMOOTH_S = 1.0      # packet starts are averaged over about this long


class PlacedPacket(NamedTuple):
    """A packet placed in its pod's stream (:func:`place_packet`)."""

    raw_ms: int         # its u32 time stamp
    ms: float           # the same unwrapped, continued across clock restarts
    first: int          # index of its first sample, counted from the pod's first
    count: int
    acc: np.ndarray     # its accelerometer samples (to recognise a repeated notification)
    host_s: float       # when it arrived
    restart: bool       # the sensor's clock restarted before it


def place_packet(last: PlacedPacket | None, packet: Imu6Packet, host_s: float, rate_hz: float,
                 unit: int) -> PlacedPacket | None:
    """Place ``packet`` after ``last`` (None: it is the first): beyond ``last``'s length by
    more than a millisecond's worth of samples at ``rate_hz``, the stamp's jump is lost
    samples, snapped to whole packets of ``unit`` samples when within a millisecond.
    None for a repeat of ``last`` (the same notification twice)."""
    count = packet.acc_mps2.shape[0]
    if last is None:
        return PlacedPacket(packet.timestamp_ms, float(packet.timestamp_ms), 0, count, packet.acc_mps2, host_s,
                            False)
    step = (packet.timestamp_ms - last.raw_ms) % (1 << 32)
    ms = last.ms + (step - (1 << 32) if step > (1 << 31) else step)
    d = ms - last.ms
    if d == 0 and count == last.count and np.array_equal(packet.acc_mps2, last.acc):
        return None
    restart = d <= 0
    if restart:                 # the sensor's clock restarted: continue from the host's
        ms = last.ms + 1000.0 * max(host_s - last.host_s, 0.0)
        d = ms - last.ms
    est = d * rate_hz / 1000.0 - last.count
    tol = rate_hz / 1000.0 + 0.5    # one millisecond of samples (the stamps' resolution) and a half
    missing = 0
    if est > tol:
        snapped = round(est / unit) * unit
        missing = int(snapped if abs(est - snapped) <= tol else round(est))
    return PlacedPacket(packet.timestamp_ms, ms, last.first + last.count + missing, count, packet.acc_mps2, host_s,
                        restart)


def _moving_mean(x: np.ndarray, half: int) -> np.ndarray:
    if half <= 0 or x.shape[0] < 3:
        return x.copy()
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(x.shape[0])
    lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, x.shape[0])
    return (c[hi] - c[lo]) / (hi - lo)


@dataclass(frozen=True)
class MovesenseTimeline(Timeline):
    """Live placement: the rate packets are placed at (None until the session or the
    first two stamps say it), the last packet placed, the packets waiting for the rate."""

    rate_hz: float | None = None
    last: PlacedPacket | None = None
    waiting: tuple[tuple[Imu6Packet, float], ...] = ()     # (packet, receipt s)


@register
@dataclass(frozen=True)
class Movesense(ImuDevice):
    """A Movesense sensor's IMU6 stream (the module docstring says how it is placed)."""

    rate_hz: int | float | None = None     # the IMU6 rate subscribed (None: the stamps tell)

    framing = "movesense"
    ble_name = "movesense"
    ble = BleProfile(SERVICE_UUID, NOTIFY_UUID, WRITE_UUID, "Movesense sensor", "Movesense sensor",
                     name_prefix="Movesense")
    url_options = ("rate",)
    url_help = "rate=HZ (movesense)"
    units = "IMU6 packets (Movesense)"
    none_sent = "no IMU6 packets (Movesense)"

    # ---- options

    def stored_options(self) -> dict:
        return {"rate_hz": self.rate_hz}

    @classmethod
    def from_header(cls, pod: Mapping) -> "Movesense":
        """The rate from the header's ``rate_hz``; a header without one (written by hand,
        or by a tool that kept only the URL) has the rate of its ``ble://`` URL, if any."""
        if pod.get("rate_hz"):
            return cls(pod["rate_hz"])
        dev = url_device(str(pod.get("url", "")))
        return cls(dev.rate_hz if isinstance(dev, Movesense) else None)

    @classmethod
    def from_url_options(cls, opts: Mapping[str, str], url: str) -> "Movesense":
        text = opts.get("rate", str(DEFAULT_RATE_HZ)).strip()
        try:
            rate = int(float(text)) if float(text) == int(float(text)) else None
        except (ValueError, OverflowError):
            rate = None
        if rate not in RATES_HZ:
            raise UsageError(f"rate {text!r} in {url!r} is not one Movesense IMU6 runs at; use rate="
                             f"{', '.join(map(str, RATES_HZ[:-1]))} or {RATES_HZ[-1]} (Hz)")
        return cls(rate)

    @classmethod
    def foreign_option(cls, key: str, url: str, chosen: str) -> str:
        return f"{key}= in {url!r} applies to device=movesense only ({chosen} devices choose their own rate)"

    # ---- commands: the subscription lives per link

    def link_start(self, ref: int) -> LinkCommand:
        return LinkCommand(subscribe_imu6(ref, self.rate_hz), "the IMU6 subscription",
                           f"cannot subscribe to Meas/IMU6/{self.rate_hz}",
                           "check that the sensor runs the GATT SensorData app (gatt_sensordata_app) and retry",
                           (("movesense_ref", ref), ("rate_hz", self.rate_hz)))

    def link_stop(self, ref: int) -> bytes:
        return unsubscribe(ref)

    def ignores(self, command: bytes) -> bool:
        return is_podwire_command(command)   # the recorder's START/STOP: a documented no-op

    # ---- decoding and placing

    def decoder(self) -> Decoder:
        return GspDecoder()

    def stream(self, name: str, received: Sequence[tuple[float, bytes]], device_info: dict) -> PodStream:
        dec = GspDecoder()
        packets = [(t_s, p) for t_s, payload in received for p in dec.feed(payload)]
        stats = DecoderStats(frames=len(packets), rejected={"gsp": dec.rejected} if dec.rejected else {})
        return PodStream(name, self, stats, packets=packets, device_info=device_info)

    def packets_of(self, stream: PodStream) -> list:
        return stream.packets

    def samples(self, stream: PodStream, placement: Placement, path: str) -> PodSamples:
        if not stream.packets:
            raise InputFormatError(path, f"Movesense pod {stream.name!r} sent no IMU6 data",
                                   "a session in which every pod streamed (check the sensor's connection and that "
                                   "it runs the GATT SensorData app)")
        host = np.array([t for t, _ in stream.packets])
        pk = [p for _, p in stream.packets]
        counts = np.array([p.acc_mps2.shape[0] for p in pk], dtype=np.int64)
        ts = unwrap([p.timestamp_ms for p in pk], 32).astype(np.float64)
        n = len(pk)
        dt = np.diff(ts)
        nominal = float(self.rate_hz) if self.rate_hz else None
        ok = dt > 0
        if ok.any():    # no rate in the session, or one the stamps contradict: the allowed one nearest them
            guess = 1000.0 * float(np.median(counts[:-1][ok] / dt[ok]))
            if not nominal or abs(np.log(guess / nominal)) > 0.2:
                nominal = float(nearest_rate(guess))
        nominal = float(nominal or RATES_HZ[0])
        # the rate the stamps show, from consecutive packets with nothing lost between them
        normal = (dt > 0) & (np.abs(dt * nominal / 1000.0 - counts[:-1]) <= np.maximum(1.5, 0.25 * counts[:-1]))
        rate = 1000.0 * counts[:-1][normal].sum() / dt[normal].sum() if normal.any() else nominal
        unit = max(1, int(np.median(counts)))
        placed, idx, last = [], [], None
        for j in range(n):
            q = place_packet(last, pk[j], float(host[j]), rate, unit)
            if q is not None:
                placed.append(q)
                idx.append(j)
                last = q
        duplicates, resets = n - len(placed), sum(q.restart for q in placed)
        idx = np.array(idx)
        first = np.zeros(n, dtype=np.int64)
        first[idx] = [q.first for q in placed]
        first_k, counts_k, host_k = first[idx], counts[idx], host[idx]
        ts_k = np.array([q.ms for q in placed])
        if first_k[-1] > first_k[0]:
            slope, offset = np.polyfit(first_k.astype(np.float64), ts_k, 1)    # ms per sample, ms
        else:
            slope, offset = 1000.0 / rate, float(ts_k[0])
        resid = ts_k - (offset + slope * first_k)
        half = int(round(SMOOTH_S * rate / max(1, unit) / 2))
        start_ms = offset + slope * first_k + _moving_mean(resid, half)
        clock = fit_clock((start_ms + (counts_k - 1) * slope) / 1000.0, host_k)
        t_parts, acc_parts, gyr_parts, idx_parts = [], [], [], []
        for j, s0, c in zip(idx.tolist(), start_ms.tolist(), counts_k.tolist()):
            k = np.arange(c)
            t_parts.append((s0 + k * slope) / 1000.0)
            idx_parts.append(first[j] + k)
            acc_parts.append(pk[j].acc_mps2)
            gyr_parts.append(pk[j].gyr_dps)
        index = np.concatenate(idx_parts)
        t = clock.to_host(np.concatenate(t_parts))
        n_missing = int(index[-1] - index[0] + 1 - index.shape[0])
        fs = 1000.0 / slope / clock.rate            # samples per host second
        info = stream.device_info
        sensor = SensorRecording(stream.name, placement, float(fs), np.ascontiguousarray(t),
                                 np.ascontiguousarray(np.concatenate(acc_parts), dtype=np.float64),
                                 np.ascontiguousarray(np.concatenate(gyr_parts), dtype=np.float64),
                                 None, None,       # the ranges are the sensor's settings, not in the stream
                                 {"device": "movesense", "device_id": None, "firmware": None,
                                  "rate_nominal_hz": nominal, "rate_measured_hz": round(float(fs), 3),
                                  "packets": int(idx.shape[0]), "lost_packets_estimate":
                                      int(round(n_missing / unit)), "clock_resets": resets,
                                  "timestamp_residual_max_ms": round(float(np.max(np.abs(resid))), 3),
                                  **stream_meta(clock, n_missing, stream),
                                  **({"mtu": info["mtu"]} if "mtu" in info else {})})
        return PodSamples(sensor, clock, n_missing, duplicates)

    def timeline(self) -> MovesenseTimeline:
        return MovesenseTimeline(float(self.rate_hz) if self.rate_hz else None)

    def place(self, timeline: MovesenseTimeline, packet, t_rx_s: float) -> tuple[tuple[Placed, ...],
                                                                                  MovesenseTimeline]:
        """An IMU6 packet placed by its time stamp; the first ones wait until the stamps
        show the rate, when the session does not say it."""
        if not isinstance(packet, Imu6Packet):
            return (), timeline
        waiting = timeline.waiting + ((packet, t_rx_s),)
        rate = timeline.rate_hz
        if rate is None:
            if len(waiting) < 2:
                return (), MovesenseTimeline(None, timeline.last, waiting)
            (p0, _), (p1, _) = waiting[0], waiting[1]
            dt_ms = (p1.timestamp_ms - p0.timestamp_ms) % (1 << 32)
            rate = float(RATES_HZ[0] if dt_ms == 0 else nearest_rate(1000.0 * p0.acc_mps2.shape[0] / dt_ms))
        out, last = [], timeline.last
        for q, t_q in waiting:
            placed = place_packet(last, q, t_q, rate, q.acc_mps2.shape[0] if last is None else last.count)
            if placed is None:        # the same notification twice
                continue
            last = placed
            out.append(Placed(placed.first, q.acc_mps2.astype(np.float64), q.gyr_dps.astype(np.float64), t_q, rate))
        return tuple(out), MovesenseTimeline(rate, last, ())
