"""In-memory recordings: what every reader produces and the pipeline consumes.

Units are fixed here and named in the fields: time in seconds from the recording's
:class:`TimeOrigin` (its first sample, or the start of a pod session), acceleration in m/s^2 (specific force, gravity
included), angular rate in deg/s, all in the sensor frame (``_sf``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

import numpy as np

GRAVITY_MPS2 = 9.80665
MAX_STRIDE_S = 3.0   # the longest stride of any gait: contacts further apart are no stride
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

    def rebased(self) -> "Recording":
        """Shift every sensor's time so the recording's first sample is at 0 s."""
        t0 = min(float(s.t_s[0]) for s in self.sensors if s.n_samples)
        out = tuple(replace(s, t_s=s.t_s - t0) for s in self.sensors)
        return replace(self, sensors=out, t0_s=self.t0_s + t0, time_origin=TimeOrigin.FIRST_SAMPLE)
