"""Mounting calibration: how a pod sits on its foot, carried from one session to the next.

The event detector finds the foot's axes by itself, from a warm-up of a few strides
(:mod:`gaitcore.align`), and shows no step before it.  Pods that stay strapped as
they were can skip it: ``gait live --mounting-from EARLIER.podses`` takes each pod's
sensor-to-foot rotation from an earlier session of the same pods, stores it in the
new session's header (``mounting``: pod name ->
:meth:`gaitcore.mounting.MountingCalibration.to_dict`), and the live display and the
analysis of that session both start from it.  The value itself, its format and its
checks are :mod:`gaitcore.mounting`'s.
"""
from __future__ import annotations

from pathlib import Path

from gaitcore.errors import UsageError
from gaitcore.events import detect_events
from gaitcore.mounting import MountingCalibration
from gaitcore.readers import read_recording


def mountings_from_session(path: str | Path, pods: list[str]) -> dict[str, MountingCalibration]:
    """Each of ``pods`` (names) as the session at ``path`` found it mounted: the
    alignment its analysis fixes after the warm-up.  A pod the session lacks, or whose
    axes it could not find (no strides), is refused with one line."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--mounting-from {path}: not found; give a session recorded earlier with the same pods")
    sensors = {s.name: s for s in read_recording([path]).sensors}
    out = {}
    for name in pods:
        if name not in sensors:
            raise UsageError(f"--mounting-from {path}: it has no pod {name!r} (it has {', '.join(sorted(sensors))}); "
                             "name the pods as in that session")
        s = sensors[name]
        _, al = detect_events(s.t_s, s.acc_mps2_sf, s.gyr_dps_sf, s.fs_hz)
        if al.n_strides_used == 0:
            raise UsageError(f"--mounting-from {path}: pod {name!r} took no strides there, so its mounting is "
                             "unknown; use a session in which the athlete moved")
        out[name] = MountingCalibration(name, tuple(tuple(float(v) for v in r) for r in al.rot_ff_sf), str(path),
                                        al.n_strides_used, round(float(al.quality), 3))
    return out


def mountings_of(meta: dict) -> dict[str, MountingCalibration]:
    """The mounting calibrations a session header carries, by pod name."""
    return {name: MountingCalibration.from_dict(d) for name, d in (meta.get("mounting") or {}).items()}
