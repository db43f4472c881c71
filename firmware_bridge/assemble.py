"""A recorded session as a :class:`gaitcore.signals.Recording`.

Each pod's received bytes go through the same decoder as live, and its packets become
samples on the pod's timeline, as its device kind says (:mod:`firmware_bridge.devices`:
the kind and its options come from the pod's entry in the session header, through the
device registry).  A podwire pod's samples are placed by its running sample index, a
Movesense sensor's by its packets' millisecond time stamps; either way a lost frame is
a hole of exactly its samples, which the analysis reports as a gap, and sample times
come from the pod's own clock mapped onto the host's by
:func:`firmware_bridge.clock.fit_clock`, so all pods share one session clock.  A pod
whose header names no known kind is read as podwire over serial.

RSC pods (Running Speed and Cadence) send speed and cadence, no IMU samples:
:func:`recording_from_session` leaves them out and :func:`rsc_series` returns them.
"""
from __future__ import annotations

from dataclasses import replace

from gaitcore.errors import InputFormatError
from gaitcore.signals import Placement, Recording, Segment, Side, TimeOrigin

from .devices import Data, PodSamples, PodStream, device_of
from .devices.podwire import PodwireSerial
from .devices.rsc import RscMeasurement
from .session_file import KIND_EVENT, KIND_RX, Session

__all__ = ["PodSamples", "PodStream", "decode_pods", "pod_samples", "recording_from_session", "rsc_series",
           "session_report"]


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


def decode_pods(session: Session) -> list[PodStream]:
    """Every pod's frames (podwire), packets (Movesense) or measurements (RSC) with their
    receipt times, through the live decoders."""
    out = []
    for k, pod in enumerate(session.meta.get("pods", [])):
        device = device_of(pod, fallback=PodwireSerial)
        received = [(r.t_ns * 1e-9, r.payload) for r in session.records if r.kind == KIND_RX and r.pod == k]
        out.append(device.stream(pod["name"], received, _connected_info(session, k)))
    return out


def pod_samples(stream: PodStream, placement: Placement, path: str) -> PodSamples:
    """One pod's samples on the host clock (seconds since the session started)."""
    return stream.device.samples(stream, placement, path)


def rsc_series(session: Session) -> dict[str, list[tuple[float, RscMeasurement]]]:
    """Each RSC pod's measurements as (host receipt s since the session started,
    :class:`~firmware_bridge.devices.rsc.RscMeasurement`), decoded with the options in
    the pod's session header; measurements that do not decode are left out."""
    return {s.name: list(s.measurements) for s in decode_pods(session) if s.device.data is Data.SPEED_CADENCE}


def recording_from_session(session: Session, path: str) -> Recording:
    pods = session.meta.get("pods", [])
    sensors, speed_only = [], []
    for stream, pod in zip(decode_pods(session), pods):
        if stream.device.data is not Data.IMU:
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
    return [stream.device.report_line(stream) for stream in decode_pods(session)]
