"""Mounting calibration: how a pod sits on its foot, carried from one session to the next.

The event detector finds the foot's axes by itself, from a warm-up of a few strides
(:mod:`gaitcore.align`), and shows no step before it.  Pods that stay strapped as
they were can skip it: ``gait live --mounting-from EARLIER.podses`` takes each pod's
sensor-to-foot rotation from an earlier session of the same pods, stores it in the
new session's header (``mounting``: pod name -> :meth:`MountingCalibration.to_dict`),
and the live display and the analysis of that session both start from it.

A value is frozen, versioned and unit-declared: ``rot_ff_sf`` is the 3 x 3 rotation
(dimensionless) with ``v_ff = rot_ff_sf @ v_sf``, foot frame x forward, y left, z up;
``calibration_id`` is a digest of the rotation and its source, so two sessions that
used the same calibration say so.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitcore.errors import UsageError

VERSION = 1
FRAMES = "v_ff = rot_ff_sf @ v_sf; foot frame x forward, y left, z up"
ORTHONORMAL_TOL = 1e-6


@dataclass(frozen=True)
class MountingCalibration:
    pod: str
    rot_ff_sf: tuple          # 3 x 3, rows of the foot axes in sensor coordinates
    source: str               # the session it was measured on
    n_strides: int            # strides that showed the direction of travel
    quality: float            # the alignment's own quality, 0-1

    @property
    def calibration_id(self) -> str:
        blob = json.dumps([self.pod, self.rot_ff_sf, self.source], sort_keys=True).encode()
        return "mount-" + hashlib.sha1(blob).hexdigest()[:12]

    def alignment(self):
        """As the event detector's :class:`gaitcore.align.Alignment` (no warm-up needed)."""
        from gaitcore.align import Alignment
        # a quality above 0.5 is only reached with up from standing (gaitcore.align.warmup_alignment)
        return Alignment(np.array(self.rot_ff_sf, dtype=np.float64), 0, self.n_strides, self.quality,
                         self.quality > 0.5)

    def to_dict(self) -> dict:
        return {"version": VERSION, "kind": "mounting", "frames": FRAMES, "calibration_id": self.calibration_id,
                "pod": self.pod, "rot_ff_sf": [list(r) for r in self.rot_ff_sf], "source": self.source,
                "n_strides": self.n_strides, "quality": self.quality}

    @classmethod
    def from_dict(cls, d: dict) -> "MountingCalibration":
        if not isinstance(d, dict) or d.get("kind") != "mounting" or d.get("version") != VERSION:
            raise UsageError(f"not a version-{VERSION} mounting calibration: {str(d)[:60]!r}; "
                             "make it again with gait live --mounting-from SESSION")
        rot = np.array(d.get("rot_ff_sf"), dtype=np.float64)
        if rot.shape != (3, 3) or not np.allclose(rot @ rot.T, np.eye(3), atol=ORTHONORMAL_TOL) \
                or np.linalg.det(rot) < 0:
            raise UsageError(f"mounting calibration of pod {d.get('pod')!r} is not a rotation matrix; "
                             "make it again with gait live --mounting-from SESSION")
        return cls(str(d["pod"]), tuple(tuple(float(v) for v in r) for r in rot), str(d.get("source", "")),
                   int(d.get("n_strides", 0)), float(d.get("quality", 0.0)))


def mountings_from_session(path: str | Path, pods: list[str]) -> dict[str, MountingCalibration]:
    """Each of ``pods`` (names) as the session at ``path`` found it mounted: the
    alignment its analysis fixes after the warm-up.  A pod the session lacks, or whose
    axes it could not find (no strides), is refused with one line."""
    from gaitcore.events import detect_events
    from gaitcore.readers import read_recording

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
