"""In-memory recordings: what every reader produces and the pipeline consumes.

Units are fixed here and named in the fields: time in seconds from the recording's
:class:`TimeOrigin` (its first sample, or the start of a pod session), acceleration in m/s^2 (specific force, gravity
included), angular rate in deg/s, all in the sensor frame (``_sf``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Mapping

import numpy as np

from .errors import UsageError

GRAVITY_MPS2 = 9.80665
MAX_STRIDE_S = 3.0   # the longest stride of any gait: contacts further apart are no stride
# What a foot pod's samples look like in m/s^2 and deg/s, and not in other units (evidence:
# gaitcore.analysis._check_units, which refuses a recording that breaks them):
UNIT_ACC_MEDIAN_MPS2 = (0.3 * GRAVITY_MPS2, 20.0 * GRAVITY_MPS2)   # median specific force
UNIT_GYR_P99_DPS = 5000.0                                    # 99th percentile of the rate
UNIT_QUIET_DPS = 10.0                                        # a foot that barely turns ...
UNIT_QUIET_MPS2 = (0.5 * GRAVITY_MPS2, 2.0 * GRAVITY_MPS2)   # ... feels about gravity
UNIT_QUIET_MIN_S = 1.0                                       # checked with at least this much of it
UNIT_MOVE_MPS2 = 2.0 * GRAVITY_MPS2   # a foot moving (1% of rows or more beyond this) ...
UNIT_TURN_DPS = 30.0                  # ... turns faster than this in 1% of rows or more
# SensorRecording.meta key naming where the time stamps come from (readers: the file read);
# sensors with the same value share one clock (one file, one pod session)
CLOCK_SOURCE_META = "clock_source"


class Side(enum.Enum):
    LEFT = "left"
    RIGHT = "right"
    UNKNOWN = "unknown"


class TimeOrigin(enum.Enum):
    """Where a recording's 0 s is."""
    FIRST_SAMPLE = "first_sample"     # files whose clock has no start of its own
    SESSION_START = "session_start"   # one pod session: the host clock from when recording began,
    #                                   the clock `gait live` shows its contacts on


class Segment(enum.Enum):
    FOOT = "foot"
    SHANK = "shank"
    THIGH = "thigh"


@dataclass(frozen=True)
class Placement:
    side: Side
    segment: Segment

    def __str__(self) -> str:
        return f"{self.side.value}_{self.segment.value}"

    @classmethod
    def parse(cls, text: str) -> "Placement":
        """Parse ``left``, ``right_foot``, ``LS``, ``rf``, ``left_shank`` ..."""
        key = text.strip().lower().replace("-", "_")
        short = {"lf": "left_foot", "rf": "right_foot", "ls": "left_shank", "rs": "right_shank",
                 "lt": "left_thigh", "rt": "right_thigh", "left": "left_foot", "right": "right_foot",
                 "foot": "unknown_foot", "unknown": "unknown_foot"}
        key = short.get(key, key)
        try:
            side, segment = key.split("_", 1)
            return cls(Side(side), Segment(segment))
        except ValueError:
            raise ValueError(
                f"unknown placement {text!r}; use left|right[_foot|_shank|_thigh] or LF/RF/LS/RS") from None


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in a 1-d boolean ``mask``, in order, as (first, end) sample
    indices (end exclusive)."""
    edges = np.flatnonzero(np.diff(np.r_[0, np.asarray(mask).astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def placement_from_name(name: str) -> Placement | None:
    """Infer the placement from a sensor or file name (``left_sensor``, ``LF.csv``)."""
    import re
    stem = re.split(r"[\\/]", name)[-1].rsplit(".", 1)[0].lower()
    segment = Segment.FOOT
    if "shank" in stem or re.fullmatch(r"[lr]s", stem):
        segment = Segment.SHANK
    elif "thigh" in stem or re.fullmatch(r"[lr]t", stem):
        segment = Segment.THIGH
    if "left" in stem or re.fullmatch(r"l[fst]", stem):
        return Placement(Side.LEFT, segment)
    if "right" in stem or re.fullmatch(r"r[fst]", stem):
        return Placement(Side.RIGHT, segment)
    return None


@dataclass(frozen=True)
class SensorRecording:
    """One IMU's samples.  Arrays are contiguous float64, shapes (n,) and (n, 3)."""

    name: str
    placement: Placement
    fs_hz: float
    t_s: np.ndarray
    acc_mps2_sf: np.ndarray
    gyr_dps_sf: np.ndarray
    acc_range_mps2: float | None = None
    gyr_range_dps: float | None = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def n_samples(self) -> int:
        return int(self.t_s.shape[0])


@dataclass(frozen=True)
class SessionInfo:
    """What a recording says about the session it holds: who, which drill, the plan, when.

    Pod sessions carry it in their header (``gait record``/``gait live`` --athlete, --drill,
    --plan, and the start time), a ``.gaitrec`` in its ``meta``; other formats carry none,
    and the fields are None.  ``inputs`` are the names of the files read."""

    athlete: str | None = None
    drill: str | None = None
    plan: str | None = None
    started_utc: str | None = None    # ISO 8601, as the recorder wrote it
    simulated: bool = False
    inputs: tuple[str, ...] = ()

    @classmethod
    def from_meta(cls, meta: dict, inputs: tuple[str, ...] = ()) -> "SessionInfo":
        """From a session header or a .gaitrec ``meta`` object (unknown keys are ignored;
        a value that is not text is ignored rather than shown wrongly)."""
        def text(key: str) -> str | None:
            v = meta.get(key)
            return v.strip() or None if isinstance(v, str) else None
        return cls(text("athlete"), text("drill"), text("plan"), text("started_utc"),
                   meta.get("simulated") is True, inputs)

    @classmethod
    def combined(cls, infos: "list[SessionInfo]") -> "SessionInfo":
        """One description of several files read together: a field the files agree on (or
        only one gives) is kept; different values are all kept, joined by " / "."""
        def field_of(key: str) -> str | None:
            values = list(dict.fromkeys(getattr(i, key) for i in infos if getattr(i, key) is not None))
            return " / ".join(values) if values else None
        return cls(field_of("athlete"), field_of("drill"), field_of("plan"), field_of("started_utc"),
                   any(i.simulated for i in infos), tuple(n for i in infos for n in i.inputs))

    def to_dict(self) -> dict:
        return {"athlete": self.athlete, "drill": self.drill, "plan": self.plan, "started_utc": self.started_utc,
                "simulated": self.simulated, "inputs": list(self.inputs)}


@dataclass(frozen=True)
class Recording:
    sensors: tuple[SensorRecording, ...]
    source: str
    t0_s: float = 0.0  # where 0 s is in the source's own clock
    time_origin: TimeOrigin = TimeOrigin.FIRST_SAMPLE
    session: SessionInfo = SessionInfo()

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, tuple], *, fs_hz: float, acc_range_mps2: float | None = None,
                    gyr_range_dps: float | None = None, source: str = "arrays") -> "Recording":
        """A recording from numpy arrays, one sensor per entry of ``arrays``: its placement
        as the key (``"left"``, ``"right"``, ``"left_shank"``, ``"RS"`` ...; also the sensor's
        name) and ``(t_s, acc_mps2, gyr_dps)`` as the value: time (s, n values), specific
        force (m/s^2, gravity included, n x 3) and angular rate (deg/s, n x 3), in the
        sensor's own axes.  Every sensor runs at ``fs_hz`` (the nominal rate; the time
        stamps give the real one) on one clock; ``acc_range_mps2``/``gyr_range_dps`` are
        the full scales (None: unknown, found from the signal).  The arrays are copied as
        contiguous float64, and times count from the first sample.  Values that cannot be
        in these units (an accelerometer in g, a gyroscope in rad/s) are refused."""
        if not isinstance(arrays, Mapping) or not arrays:
            raise UsageError("give the sensors as a dict: {\"left\": (t_s, acc_mps2, gyr_dps), \"right\": ...}")
        if isinstance(fs_hz, bool) or not isinstance(fs_hz, (int, float)) or not np.isfinite(fs_hz) or fs_hz <= 0:
            raise UsageError(f"fs_hz must be the sampling rate, a positive number of Hz, got {fs_hz!r}")
        for what, v in (("acc_range_mps2", acc_range_mps2), ("gyr_range_dps", gyr_range_dps)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v)
                                  or v <= 0):
                raise UsageError(f"{what} must be the full scale, a positive number (or None if unknown), got {v!r}")
        sensors = []
        for key, value in arrays.items():
            try:
                placement = Placement.parse(str(key))
            except ValueError as err:
                raise UsageError(f"sensor {key!r}: {err}") from None
            if not isinstance(value, (tuple, list)) or len(value) != 3:
                raise UsageError(f"sensor {key!r}: give (t_s, acc_mps2, gyr_dps), three arrays")
            t, acc, gyr = (_float_array(key, what, v) for what, v in zip(("t_s", "acc_mps2", "gyr_dps"), value))
            _check_arrays(str(key), t, acc, gyr, float(fs_hz))
            sensors.append(SensorRecording(str(key), placement, float(fs_hz), t, acc, gyr,
                                           None if acc_range_mps2 is None else float(acc_range_mps2),
                                           None if gyr_range_dps is None else float(gyr_range_dps),
                                           {CLOCK_SOURCE_META: source}))
        return cls(tuple(sensors), source).rebased()

    def rebased(self) -> "Recording":
        """Shift every sensor's time so the recording's first sample is at 0 s."""
        t0 = min(float(s.t_s[0]) for s in self.sensors if s.n_samples)
        out = tuple(replace(s, t_s=s.t_s - t0) for s in self.sensors)
        return replace(self, sensors=out, t0_s=self.t0_s + t0, time_origin=TimeOrigin.FIRST_SAMPLE)


def _float_array(key, what: str, value) -> np.ndarray:
    """``value`` as a new contiguous float64 array; refused if it holds no numbers."""
    try:
        return np.array(value, dtype=np.float64, order="C", copy=True)
    except (TypeError, ValueError):
        raise UsageError(f"sensor {key!r}: {what} must be an array of numbers") from None




def _check_arrays(key: str, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, fs_hz: float) -> None:
    """Refuse arrays of the wrong shape, times that are not times, and values that cannot
    be specific force in m/s^2 or rates in deg/s."""
    n = t.shape[0]
    if t.ndim != 1 or n < 2:
        raise UsageError(f"sensor {key!r}: t_s must be one time (s) per sample, a 1-d array, got shape {t.shape}")
    for what, a in (("acc_mps2", acc), ("gyr_dps", gyr)):
        if a.shape != (n, 3):
            raise UsageError(f"sensor {key!r}: {what} must have one row of x, y, z per time stamp, shape ({n}, 3), "
                             f"got {a.shape}")
    if not np.isfinite(t).all():
        raise UsageError(f"sensor {key!r}: t_s holds {np.count_nonzero(~np.isfinite(t))} values that are not numbers; "
                         "leave a lost sample out rather than giving it no time")
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        raise UsageError(f"sensor {key!r}: t_s does not increase (median step {dt:g} s); give times in seconds, "
                         "oldest first")
    if not 0.5 < dt * fs_hz < 2.0:
        raise UsageError(f"sensor {key!r}: the time stamps step by {dt:g} s (median), {1.0 / dt:.4g} Hz, where fs_hz "
                         f"is {fs_hz:g}; give t_s in seconds and fs_hz in Hz")
    ok = np.isfinite(acc).all(axis=1) & np.isfinite(gyr).all(axis=1)
    if not ok.any():
        raise UsageError(f"sensor {key!r}: acc_mps2 and gyr_dps hold no sample that is all numbers")
    acc_norm, gyr_norm = np.linalg.norm(acc[ok], axis=1), np.linalg.norm(gyr[ok], axis=1)
    in_g = " (in g? multiply by 9.80665)"
    med = float(np.median(acc_norm))
    if not UNIT_ACC_MEDIAN_MPS2[0] <= med <= UNIT_ACC_MEDIAN_MPS2[1]:
        raise UsageError(f"sensor {key!r}: acc_mps2's median magnitude is {med:.3g}, where a foot pod's is a few "
                         f"times gravity, 9.81 m/s^2{in_g if med < UNIT_ACC_MEDIAN_MPS2[0] else ''}; give specific "
                         "force in m/s^2, gravity included")
    quiet = gyr_norm < UNIT_QUIET_DPS
    if np.count_nonzero(quiet) >= UNIT_QUIET_MIN_S * fs_hz:
        med = float(np.median(acc_norm[quiet]))
        if not UNIT_QUIET_MPS2[0] <= med <= UNIT_QUIET_MPS2[1]:
            raise UsageError(f"sensor {key!r}: where gyr_dps shows no turning, acc_mps2 reads {med:.3g} (median), "
                             f"where a foot on the ground feels gravity, 9.81 m/s^2"
                             f"{in_g if med < UNIT_QUIET_MPS2[0] else ''}; give specific force in m/s^2")
    p99 = float(np.percentile(gyr_norm, 99))
    if p99 > UNIT_GYR_P99_DPS:
        raise UsageError(f"sensor {key!r}: gyr_dps reaches {p99:.3g} 1% of the time, faster than any foot turns "
                         "in deg/s; give the angular rate in deg/s")
    if np.count_nonzero(acc_norm > UNIT_MOVE_MPS2) * 100 >= acc_norm.size and \
            np.count_nonzero(gyr_norm > UNIT_TURN_DPS) * 100 < gyr_norm.size:
        raise UsageError(f"sensor {key!r}: acc_mps2 shows the foot moving but gyr_dps stays below {UNIT_TURN_DPS:g} "
                         "99% of the time (in rad/s? multiply by 57.2958); give the angular rate in deg/s")
