"""A mounting calibration: how a pod sits on its foot, as a value a session header carries.

The event detector finds the foot's axes by itself, from a warm-up of a few strides
(:mod:`gaitcore.align`).  A session recorded with ``gait live --mounting-from`` holds each
pod's sensor-to-foot rotation in its header (``mounting``: pod name ->
:meth:`MountingCalibration.to_dict`), and the analysis starts from it
(:meth:`MountingCalibration.alignment`) instead of the warm-up.  Measuring one from an
earlier session is :func:`calibration.mounting.mountings_from_session`.

A value is frozen, versioned and unit-declared: ``rot_ff_sf`` is the 3 x 3 rotation
(dimensionless) with ``v_ff = rot_ff_sf @ v_sf``, foot frame x forward, y left, z up;
``calibration_id`` is a digest of the rotation and its source, so two sessions that
used the same calibration say so.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from .align import Alignment
from .errors import UsageError

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

    def alignment(self) -> Alignment:
        """As the event detector's :class:`gaitcore.align.Alignment` (no warm-up needed)."""
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
