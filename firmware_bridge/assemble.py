"""A recorded session as a :class:`gaitcore.signals.Recording`.

Each pod's received bytes go through the same decoder as live (COBS for serial, one
frame per notification for BLE).  Samples are placed by the pod's running sample
index (unwrapped from 32 bits; a repeated frame counts once), so a lost frame is a
hole of exactly its samples, which the analysis reports as a gap; nothing is
interpolated.  Sample times come from the pod's own clock mapped onto the host's by
:func:`firmware_bridge.clock.fit_clock`, so all pods share one session clock.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitcore.errors import InputFormatError
from gaitcore.signals import GRAVITY_MPS2, Placement, Recording, Segment, SensorRecording, Side

from .clock import ClockFit, fit_clock
from .protocol import DataFrame, DecoderStats, InfoFrame, NotificationDecoder, SerialDecoder
from .session_file import KIND_RX, Session


@dataclass(frozen=True)
class PodStream:
    name: str
    frames: list[tuple[float, DataFrame]]   # (host receipt s, frame), in arrival order
    info: InfoFrame | None
    stats: DecoderStats


def decode_pods(session: Session) -> list[PodStream]:
    """Every pod's frames with their receipt times, through the live decoders."""
    out = []
    for k, pod in enumerate(session.meta.get("pods", [])):
        dec = NotificationDecoder() if pod.get("framing") == "notification" else SerialDecoder()
        frames, info = [], None
        for r in session.records:
            if r.kind != KIND_RX or r.pod != k:
                continue
            for f in dec.feed(r.payload):
                if isinstance(f, DataFrame):
                    frames.append((r.t_ns * 1e-9, f))
                elif isinstance(f, InfoFrame):
                    info = f
        out.append(PodStream(pod["name"], frames, info, dec.stats))
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


def pod_samples(stream: PodStream, placement: Placement, path: str) -> PodSamples:
    """One pod's samples on the host clock (seconds since the session started)."""
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
    t = clock.to_host(np.concatenate(t_parts)[keep])
    n_missing = int(index[-1] - index[0] + 1 - index.shape[0])
    sensor = SensorRecording(stream.name, placement, odr, np.ascontiguousarray(t),
                             np.ascontiguousarray(np.concatenate(acc_parts)[keep]),
                             np.ascontiguousarray(np.concatenate(gyr_parts)[keep]), acc_fs, gyr_fs,
                             {"device_id": stream.info.device_id.hex() if stream.info else None,
                              "firmware": stream.info.firmware if stream.info else None,
                              "clock_drift_ppm": round(clock.drift_ppm, 2),
                              "clock_delay_median_ms": round(1000 * clock.delay_median_s, 3),
                              "clock_delay_p99_ms": round(1000 * clock.delay_p99_s, 3),
                              "missing_samples": n_missing,
                              "rejected_frames": dict(stream.stats.rejected)})
    return PodSamples(sensor, clock, n_missing, len(first) - len(seen))


def recording_from_session(session: Session, path: str) -> Recording:
    pods = session.meta.get("pods", [])
    sensors = []
    for stream, pod in zip(decode_pods(session), pods):
        try:
            placement = Placement.parse(pod.get("placement") or pod["name"])
        except ValueError:
            placement = Placement(Side.UNKNOWN, Segment.FOOT)
        sensors.append(pod_samples(stream, placement, path).sensor)
    if not sensors:
        raise InputFormatError(path, "session lists no pods", "a session recorded with at least one --pod")
    return Recording(tuple(sensors), str(path)).rebased()


def session_report(session: Session) -> list[str]:
    """One line per pod: frames, samples lost (from the sample index), frames refused,
    and the session clock: drift and the delay residual above the fitted line."""
    out = []
    for stream in decode_pods(session):
        if not stream.frames:
            out.append(f"{stream.name}: no data frames")
            continue
        ps = pod_samples(stream, Placement(Side.UNKNOWN, Segment.FOOT), "session")
        rejected = sum(stream.stats.rejected.values())
        c = ps.clock
        out.append(f"{stream.name}: {len(stream.frames)} frames, {ps.sensor.n_samples} samples, "
                   f"{ps.n_missing} lost, {rejected} refused (bad CRC or framing); clock drift "
                   f"{c.drift_ppm:+.1f} ppm, delay above the fit median {1000 * c.delay_median_s:.2f} ms, "
                   f"p99 {1000 * c.delay_p99_s:.2f} ms")
    return out
