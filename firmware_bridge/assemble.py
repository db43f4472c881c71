"""A recorded session as a :class:`gaitcore.signals.Recording`.

Each pod's received bytes go through the same decoder as live (COBS for serial, one
frame per notification for BLE).  Samples are placed by the pod's running sample
index (unwrapped from 32 bits; a repeated frame counts once), so a lost frame is a
hole of exactly its samples, which the analysis reports as a gap; nothing is
interpolated.  Sample times come from the pod's own clock mapped onto the host's by
:func:`firmware_bridge.clock.fit_clock`, so all pods share one session clock.

Pods are decoded by the framing their metadata names: ``cobs`` and ``notification``
(podwire), ``movesense`` and ``rsc`` (BLE devices, see
:mod:`firmware_bridge.transports.ble`).

Movesense (IMU6 over GSP) has no sample index, only a u32 millisecond timestamp of
each packet's first sample (unwrapped here).  A packet's place in the stream comes
from the jump of that timestamp since the previous packet: beyond the previous
packet's length by more than a millisecond's worth of samples, the difference is
lost samples (snapped to whole packets when it is within a millisecond of a whole
number of them), so a lost packet is a hole of its samples, never interpolated.  The
IMU's real rate differs from the nominal one by up to a few tenths of a percent, so
the rate used to space the samples (and ``fs_hz``) is the one the timestamps show:
the least-squares line of timestamp against sample index; each packet's start is that
line plus its residual averaged over about a second of packets (the millisecond
quantisation averaged away, slow drift kept).  Device time is then mapped to the
session clock with :func:`~firmware_bridge.clock.fit_clock` like a podwire pod's.  A
timestamp that runs backwards (the sensor restarted) continues from the host
receipt times.

RSC pods (Running Speed and Cadence) send speed and cadence, no IMU samples:
:func:`recording_from_session` leaves them out and :func:`rsc_series` returns them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from gaitcore.errors import InputFormatError, UsageError
from gaitcore.signals import GRAVITY_MPS2, Placement, Recording, Segment, SensorRecording, Side, TimeOrigin

from .clock import ClockFit, fit_clock
from .devices import movesense, rsc
from .errors import ProtocolError
from .protocol import (Command, DataFrame, DecoderStats, InfoFrame, NotificationDecoder, ResponseFrame,
                       SerialDecoder)
from .session_file import KIND_EVENT, KIND_RX, Session


@dataclass(frozen=True)
class PodStream:
    name: str
    frames: list[tuple[float, DataFrame]]   # (host receipt s, frame), in arrival order (podwire)
    info: InfoFrame | None
    stats: DecoderStats
    framing: str = "cobs"
    packets: list[tuple[float, movesense.Imu6Packet]] = field(default_factory=list)   # movesense
    measurements: list[tuple[float, rsc.RscMeasurement]] = field(default_factory=list)  # rsc
    rate_hz: float | None = None            # movesense: the rate subscribed, if the session says
    device_info: dict = field(default_factory=dict)   # the last "connected" event's fields
    stop_index: int | None = None           # podwire: the next sample index the pod reported at 'stop'


def _ble_options(pod: dict):
    url = str(pod.get("url", ""))
    if not url.startswith("ble://"):
        return None
    from .transports.ble import parse_ble_url     # no bleak: it loads only when a transport opens
    try:
        return parse_ble_url(url)
    except UsageError:
        return None


def movesense_rate(pod: dict) -> float | None:
    """The IMU6 rate a Movesense pod's session metadata says it subscribed, if any."""
    if pod.get("rate_hz"):
        return float(pod["rate_hz"])
    opts = _ble_options(pod)
    return float(opts.rate_hz) if opts is not None and opts.rate_hz else None


def rsc_options(pod: dict) -> rsc.RscOptions:
    """A pod's RSC decoding options: from its metadata (``cadence_per_leg``,
    ``cadence_is_power``), else from the options of its ``ble://`` URL."""
    if "cadence_per_leg" in pod or "cadence_is_power" in pod:
        return rsc.RscOptions(bool(pod.get("cadence_per_leg")), bool(pod.get("cadence_is_power")))
    opts = _ble_options(pod)
    return opts.rsc_options() if opts is not None and opts.device == "rsc" else rsc.RscOptions()


def _connected_info(session: Session, k: int) -> dict:
    import json
    info: dict = {}
    for r in session.records:
        if r.kind == KIND_EVENT and r.pod == k:
            try:
                e = json.loads(r.payload)
            except ValueError:
                continue
            if isinstance(e, dict) and e.get("event") == "connected":
                info.update({key: v for key, v in e.items() if key not in ("event", "url")})
    return info


def _decode_movesense(session: Session, k: int, pod: dict) -> PodStream:
    dec = movesense.GspDecoder()
    packets = []
    for r in session.records:
        if r.kind == KIND_RX and r.pod == k:
            packets += [(r.t_ns * 1e-9, p) for p in dec.feed(r.payload)]
    stats = DecoderStats(frames=len(packets), rejected={"gsp": dec.rejected} if dec.rejected else {})
    return PodStream(pod["name"], [], None, stats, "movesense", packets=packets, rate_hz=movesense_rate(pod),
                     device_info=_connected_info(session, k))


def _decode_rsc(session: Session, k: int, pod: dict) -> PodStream:
    options = rsc_options(pod)
    stats = DecoderStats()
    out = []
    for r in session.records:
        if r.kind == KIND_RX and r.pod == k:
            try:
                out.append((r.t_ns * 1e-9, rsc.decode_measurement(r.payload, options)))
                stats.frames += 1
            except ProtocolError as err:
                stats.reject(err)
    return PodStream(pod["name"], [], None, stats, "rsc", measurements=out, device_info=_connected_info(session, k))


def decode_pods(session: Session) -> list[PodStream]:
    """Every pod's frames (podwire), packets (Movesense) or measurements (RSC) with their
    receipt times, through the live decoders."""
    out = []
    for k, pod in enumerate(session.meta.get("pods", [])):
        framing = pod.get("framing")
        if framing == "movesense":
            out.append(_decode_movesense(session, k, pod))
            continue
        if framing == "rsc":
            out.append(_decode_rsc(session, k, pod))
            continue
        dec = NotificationDecoder() if framing == "notification" else SerialDecoder()
        frames, info, stop_index = [], None, None
        for r in session.records:
            if r.kind != KIND_RX or r.pod != k:
                continue
            for f in dec.feed(r.payload):
                if isinstance(f, DataFrame):
                    frames.append((r.t_ns * 1e-9, f))
                elif isinstance(f, InfoFrame):
                    info = f
                elif isinstance(f, ResponseFrame) and f.command is Command.STOP and len(f.payload) == 4:
                    stop_index = int.from_bytes(f.payload, "little")
        out.append(PodStream(pod["name"], frames, info, dec.stats,
                             "notification" if framing == "notification" else "cobs", stop_index=stop_index))
    return out


def _unwrap(values: list[int], bits: int) -> np.ndarray:
    v = np.array(values, dtype=np.int64)
    if v.size < 2:
        return v
    span = 1 << bits
    step = np.diff(v)
    step = np.where(step < -span // 2, step + span, np.where(step > span // 2, step - span, step))
    return np.concatenate([[v[0]], v[0] + np.cumsum(step)])


@dataclass(frozen=True)
class PodSamples:
    sensor: SensorRecording
    clock: ClockFit
    n_missing: int          # samples the sample index says never arrived
    n_duplicate_frames: int


def _stream_meta(clock: ClockFit, n_missing: int, stream: PodStream) -> dict:
    """What every pod's sensor metadata says of its clock fit and its losses."""
    return {"clock_drift_ppm": round(clock.drift_ppm, 2),
            "clock_delay_median_ms": round(1000 * clock.delay_median_s, 3),
            "clock_delay_p99_ms": round(1000 * clock.delay_p99_s, 3),
            "missing_samples": n_missing,
            "rejected_frames": dict(stream.stats.rejected)}


def pod_samples(stream: PodStream, placement: Placement, path: str) -> PodSamples:
    """One pod's samples on the host clock (seconds since the session started)."""
    if stream.framing == "movesense":
        return _movesense_samples(stream, placement, path)
    if stream.framing == "rsc":
        raise InputFormatError(path, f"pod {stream.name!r} is a Running Speed and Cadence pod: it sends speed "
                               "and cadence, no IMU samples", "an IMU pod (podwire or Movesense)")
    frames = [f for _, f in stream.frames]
    if not frames:
        raise InputFormatError(path, f"pod {stream.name!r} sent no data frames",
                               "a session in which every pod streamed (check the pod's connection)")
    rates = {f.odr_hz for f in frames}
    if len(rates) != 1:
        raise InputFormatError(path, f"pod {stream.name!r} changed its rate mid-session ({sorted(rates)} Hz)",
                               "one output rate per pod and session")
    odr = float(rates.pop())
    first = _unwrap([f.sample_index for f in frames], 32)
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
                              **_stream_meta(clock, n_missing, stream)})
    return PodSamples(sensor, clock, n_missing, len(first) - len(seen))


SMOOTH_S = 1.0      # Movesense: packet starts are averaged over about this long


class PlacedPacket(NamedTuple):
    """A Movesense packet placed in its pod's stream (:func:`place_packet`)."""

    raw_ms: int         # its u32 time stamp
    ms: float           # the same unwrapped, continued across clock restarts
    first: int          # index of its first sample, counted from the pod's first
    count: int
    acc: np.ndarray     # its accelerometer samples (to recognise a repeated notification)
    host_s: float       # when it arrived
    restart: bool       # the sensor's clock restarted before it


def place_packet(last: PlacedPacket | None, packet, host_s: float, rate_hz: float,
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


def _movesense_samples(stream: PodStream, placement: Placement, path: str) -> PodSamples:
    """A Movesense pod's samples on the host clock (the module docstring says how)."""
    if not stream.packets:
        raise InputFormatError(path, f"Movesense pod {stream.name!r} sent no IMU6 data",
                               "a session in which every pod streamed (check the sensor's connection and that it "
                               "runs the GATT SensorData app)")
    host = np.array([t for t, _ in stream.packets])
    pk = [p for _, p in stream.packets]
    counts = np.array([p.acc_mps2.shape[0] for p in pk], dtype=np.int64)
    ts = _unwrap([p.timestamp_ms for p in pk], 32).astype(np.float64)
    n = len(pk)
    dt = np.diff(ts)
    nominal = stream.rate_hz
    ok = dt > 0
    if ok.any():    # no rate in the session, or one the stamps contradict: the allowed one nearest them
        guess = 1000.0 * float(np.median(counts[:-1][ok] / dt[ok]))
        if not nominal or abs(np.log(guess / nominal)) > 0.2:
            nominal = float(movesense.nearest_rate(guess))
    nominal = float(nominal or movesense.RATES_HZ[0])
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
                              **_stream_meta(clock, n_missing, stream),
                              **({"mtu": info["mtu"]} if "mtu" in info else {})})
    return PodSamples(sensor, clock, n_missing, duplicates)


def rsc_series(session: Session) -> dict[str, list[tuple[float, rsc.RscMeasurement]]]:
    """Each RSC pod's measurements as (host receipt s since the session started,
    :class:`~firmware_bridge.devices.rsc.RscMeasurement`), decoded with the pod's
    options (:func:`rsc_options`); measurements that do not decode are left out."""
    return {s.name: list(s.measurements) for s in decode_pods(session) if s.framing == "rsc"}


def recording_from_session(session: Session, path: str) -> Recording:
    pods = session.meta.get("pods", [])
    sensors, speed_only = [], []
    for stream, pod in zip(decode_pods(session), pods):
        if stream.framing == "rsc":
            speed_only.append(stream.name)      # no IMU samples for the analysis: see rsc_series
            continue
        try:
            placement = Placement.parse(pod.get("placement") or pod["name"])
        except ValueError:
            placement = Placement(Side.UNKNOWN, Segment.FOOT)
        sensor = pod_samples(stream, placement, path).sensor
        mounting = (session.meta.get("mounting") or {}).get(stream.name)
        sensors.append(sensor if mounting is None else replace(sensor, meta={**sensor.meta, "mounting": mounting}))
    if not sensors and speed_only:
        raise InputFormatError(path, f"pod(s) {', '.join(map(repr, speed_only))} sent speed/cadence only (Running "
                               "Speed and Cadence profile), no IMU samples to analyse",
                               "a session with at least one IMU pod (podwire, or Movesense with device=movesense); "
                               "firmware_bridge.assemble.rsc_series reads the speed and cadence")
    if not sensors:
        raise InputFormatError(path, "session lists no pods", "a session recorded with at least one --pod")
    return Recording(tuple(sensors), str(path), 0.0, TimeOrigin.SESSION_START)


def session_report(session: Session) -> list[str]:
    """One line per pod: frames, samples lost (from the sample index, or the Movesense
    timestamps), frames refused, and the session clock: drift and the delay residual
    above the fitted line; for an RSC pod its measurements."""
    out = []
    for stream in decode_pods(session):
        rejected = sum(stream.stats.rejected.values())
        if stream.framing == "rsc":
            ms = [m for _, m in stream.measurements]
            if not ms:
                out.append(f"{stream.name}: no speed/cadence measurements (RSC), {rejected} refused")
                continue
            cad = [m.cadence_spm for m in ms if m.cadence_spm is not None]
            what = (f"cadence {np.mean(cad):.0f} spm" if cad else
                    f"power {np.mean([m.power_w for m in ms if m.power_w is not None]):.0f} W")
            names = stream.device_info.get("rsc_feature_names")
            out.append(f"{stream.name}: {len(ms)} speed/cadence measurements (RSC), mean speed "
                       f"{np.mean([m.speed_mps for m in ms]):.2f} m/s, {what}, "
                       f"{sum(m.suspect for m in ms)} suspect, {rejected} refused"
                       + (f"; pod features: {', '.join(names) or 'none'}" if names is not None else ""))
            continue
        movesense = stream.framing == "movesense"
        units = stream.packets if movesense else stream.frames
        if not units:
            out.append(f"{stream.name}: " + ("no IMU6 packets (Movesense)" if movesense else "no data frames")
                       + f", {rejected} refused")
            continue
        ps = pod_samples(stream, Placement(Side.UNKNOWN, Segment.FOOT), "session")
        c = ps.clock
        what = f"{len(units)} IMU6 packets (Movesense)" if movesense else f"{len(units)} frames"
        out.append(f"{stream.name}: {what}, {ps.sensor.n_samples} samples at {ps.sensor.fs_hz:.2f} Hz, "
                   f"{ps.n_missing} lost, {rejected} refused (bad CRC or framing); clock drift "
                   f"{c.drift_ppm:+.1f} ppm, delay above the fit median {1000 * c.delay_median_s:.2f} ms, "
                   f"p99 {1000 * c.delay_p99_s:.2f} ms")
    return out
