"""A simulated session as two reference pods would have sent it to ``gait record``.

:func:`gaitcore.simulate.simulate_pod_session` gives the samples each simulated reference
pod (firmware/footpod_core.c) takes of the one motion; :func:`write_pod_session` writes
them as the session file the recorder would have made of them: podwire frames of int16
samples on USB serial, with their arrival times (``gait simulate --session NAME --out
FILE.podses``).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitcore.atomic_file import write_atomic
from gaitcore.signals import GRAVITY_MPS2, SensorRecording, Side
from gaitcore.simulate import PodSimulation, SimulatedPod

from .protocol import Command, CommandFrame, DataFrame, Flag, InfoFrame, ResponseFrame, Status, serial_bytes
from .protocol import Placement as WirePlacement
from .session_file import KIND_EVENT, KIND_RX, KIND_TX, SessionWriter
from .transports.serial_port import DEFAULT_BAUD
from .virtual_pod import SAMPLES_PER_FRAME, to_counts

POD_FIRMWARE = "footpod 1.0.0"     # firmware/footpod/src/main.cpp
POD_INFO_EVERY_S = 1.001           # main.cpp: an info frame once more than 1000 ms have passed
POD_USB_S = (0.0002, 0.0012)       # USB full-speed delivery after the last byte is on the wire (1 ms frames)


@dataclass(frozen=True)
class _PodRecord:
    """One record of the session file: what pod ``pod`` sent or was sent, and when."""

    t_s: float      # host time, s since the session started
    kind: int       # session_file.KIND_*
    pod: int
    payload: bytes


@dataclass(frozen=True)
class _PodSend:
    """What a pod puts on its serial line at ``t_s``: data frame number ``frame``, or (None)
    an info frame, after the answer to 'start' when ``answers_start``."""

    t_s: float
    frame: int | None = None
    answers_start: bool = False


def _pod_records(pod: SimulatedPod, k: int, sensor: SensorRecording, end_s: float,
                 rng: np.random.Generator) -> list[_PodRecord]:
    """What the recorder would have stored of one reference pod (number ``k`` in the
    session), in time order.  The pod answers 'start' with its info frame, sends a data
    frame of SAMPLES_PER_FRAME samples as soon as it has them (CLIPPED when one is at
    full scale), an info frame each second, and is stopped right after its last whole
    frame before ``end_s`` (the samples it holds at 'stop' are never sent, so stopping
    between frames loses none).  Each frame reaches the host when its last byte has
    crossed the serial line, plus the USB delivery (POD_USB_S), in order."""
    fs = sensor.fs_hz
    acc_g, gyr_dps = int(round(sensor.acc_range_mps2 / GRAVITY_MPS2)), int(round(sensor.gyr_range_dps))
    acc, gyr = to_counts(sensor, acc_g, gyr_dps)
    taken = min(sensor.n_samples, int(np.floor((end_s - 0.001 - pod.first_sample_s) * fs)) + 1)
    n_frames = taken // SAMPLES_PER_FRAME
    n = n_frames * SAMPLES_PER_FRAME
    place = WirePlacement.LEFT_FOOT if pod.side is Side.LEFT else WirePlacement.RIGHT_FOOT
    clock_rate = 1.0 + pod.drift_ppm * 1e-6
    sends = [_PodSend(pod.first_sample_s - 0.0004, answers_start=True)]
    sends += [_PodSend(pod.first_sample_s + i * POD_INFO_EVERY_S)
              for i in range(1, int((n - 1) / fs / POD_INFO_EVERY_S) + 1)]
    sends += [_PodSend(pod.first_sample_s + ((j + 1) * SAMPLES_PER_FRAME - 1) / fs, frame=j) for j in range(n_frames)]
    sends.sort(key=lambda x: (x.t_s, x.frame is None))
    out = [_PodRecord(pod.connected_s, KIND_EVENT, k,
                      json.dumps({"event": "connected", "url": pod.url}, sort_keys=True).encode()),
           _PodRecord(pod.connected_s + 0.0002, KIND_TX, k, serial_bytes(CommandFrame(1, Command.START)))]
    seq = 0      # the pod's frame counter: data and info frames (answers carry the command's)
    line_free = arrived = 0.0

    def deliver(t_send: float, payload: bytes) -> None:
        nonlocal line_free, arrived
        line_free = max(line_free, t_send) + len(payload) * 10 / DEFAULT_BAUD
        arrived = max(arrived, line_free + float(rng.uniform(*POD_USB_S)))
        out.append(_PodRecord(arrived, KIND_RX, k, payload))

    for send in sends:
        if send.frame is None:
            info = serial_bytes(InfoFrame(seq, pod.device_id, place, 255, 0, int(fs), acc_g, gyr_dps, POD_FIRMWARE))
            seq += 1
            answer = serial_bytes(ResponseFrame(1, Command.START, Status.OK)) if send.answers_start else b""
            deliver(send.t_s, answer + info)
            continue
        k0 = send.frame * SAMPLES_PER_FRAME
        a, g = acc[k0:k0 + SAMPLES_PER_FRAME], gyr[k0:k0 + SAMPLES_PER_FRAME]
        full = bool(np.isin(a, (-32768, 32767)).any() or np.isin(g, (-32768, 32767)).any())
        flags = (Flag.RESYNC if send.frame == 0 else Flag.NONE) | (Flag.CLIPPED if full else Flag.NONE)
        t_us = pod.uptime_us + int(round(k0 / fs * 1e6 * clock_rate))
        deliver(send.t_s, serial_bytes(DataFrame(seq, flags, k0, t_us, int(fs), acc_g, gyr_dps, a, g)))
        seq += 1
    stop_s = pod.first_sample_s + (n - 1) / fs + 0.0002
    out.append(_PodRecord(stop_s, KIND_TX, k, serial_bytes(CommandFrame(2, Command.STOP))))
    deliver(stop_s + 0.0004, serial_bytes(ResponseFrame(2, Command.STOP, Status.OK, n.to_bytes(4, "little"))))
    return out


def write_pod_session(psim: PodSimulation, path: Path, truth_path: Path | None = None) -> int:
    """Write ``psim`` as the pod session file ``gait record`` would have made of it (and its
    truth as JSON), both whole or neither; the header holds the athlete, the plan, the
    drills and the command that makes the file again.  Returns the session's size in
    bytes."""
    path, sim = Path(path), psim.simulation
    rng = np.random.default_rng([sim.seed, 3])
    duration_s = sim.truth["duration_s"]
    records: list[_PodRecord] = []
    for k, pod in enumerate(psim.pods):
        sensor = next(s for s in sim.recording.sensors if s.placement.side is pod.side)
        records += _pod_records(pod, k, sensor, duration_s, rng)
    records.sort(key=lambda r: (r.t_s, r.pod))
    meta = {"software": "sprintgait simulator", "duration_s": duration_s, "athlete": psim.plan.athlete,
            "plan": psim.plan.text(), "drills": [rep.drill.name for rep in psim.plan.reps], "session": psim.plan.name,
            "simulated": True, "seed": sim.seed, "command": _session_command(psim, path, truth_path),
            "pods": [{"name": p.side.value, "url": p.url, "placement": p.side.value, "framing": "cobs"}
                     for p in psim.pods]}
    part = path.with_name(f".{path.name}.part")    # renamed into place when whole
    part.unlink(missing_ok=True)
    w = SessionWriter.create(part, meta)
    try:
        for r in records:
            w.record(r.kind, r.pod, int(round(r.t_s * 1e9)), r.payload)
        w.close()
        os.replace(part, path)
    except BaseException:
        w.close_quietly()
        part.unlink(missing_ok=True)
        raise
    if truth_path is not None:
        truth = {**sim.truth, "recording": path.name, "command": meta["command"],
                 "pods": [{"name": p.side.value, "first_sample_s": p.first_sample_s, "connected_s": p.connected_s,
                           "clock_drift_ppm": p.drift_ppm} for p in psim.pods]}
        text = json.dumps(truth, indent=1) + "\n"
        try:
            write_atomic(Path(truth_path), lambda f: f.write(text.encode("utf-8")))
        except BaseException:
            path.unlink(missing_ok=True)     # the recording without its truth is half the output
            raise
    return path.stat().st_size


def _session_command(psim: PodSimulation, path: Path, truth_path: Path | None) -> str:
    """The ``gait simulate`` command that writes this session again (file names only)."""
    sim = psim.simulation
    extra = "".join(f" {opt} {v:g}" for opt, v, default in (("--rate", sim.truth["fs_hz"], 1000.0),
                                                           ("--acc-range", sim.truth["acc_range_g"], 32.0))
                    if v != default)
    return (f"gait simulate --session {psim.plan.name} --seed {sim.seed}{extra} --out {Path(path).name}"
            + ("" if truth_path is None else f" --truth {Path(truth_path).name}"))
