"""What an analysis finds, as frozen values: the contacts a foot pod's detector reports,
the steps made of them, what each sensor gave, the summary, and the whole
:class:`Analysis`, whose :meth:`~Analysis.to_dict` is the JSON output contract
(README, "Output reference").

Every value is final when its record is made: a streaming stage can emit a
:class:`Contact` once its toe-off is known and a :class:`Step` once its stride, its step
and its neighbours' strides are.  Step values are rounded as reported (times to 0.1 ms,
cadence to 0.01 /min, lengths to 1 mm, angles to 0.1 deg, confidence to 0.001).

This module needs numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from .errors import GaitError
from .signals import Placement, Segment, SessionInfo, Side, TimeOrigin

if TYPE_CHECKING:   # (annotations only: these modules compile kernels)
    from .events import ICMethod
    from .feet_clock import FeetClockCheck
    from .quality import Gap
    from .reps import Rep


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact of one foot, as the detector reports it (times in s on the recording's
    clock, unrounded)."""

    sensor: str
    foot: Side
    ic_s: float
    to_s: float | None          # None: no toe-off found, or the contact lasted over StepParams.max_contact_s
    swing_peak_dps: float       # the swing before it: its toe-up peak rate
    push_peak_dps: float | None  # its push-off's toe-down peak rate (None without a toe-off)
    ic_method: ICMethod         # how the landing was found
    saturated: bool             # a sample of it hit the sensor's full scale
    # the stretch around the IC in which the detector can have missed no IC of this sensor
    # (-inf/inf: no break in the signal before/after it; gaitcore.steps._runs_around):
    # timing across its ends spans lost samples
    run_start_s: float = -np.inf
    run_end_s: float = np.inf
    # the toe-off that ends the contact, also after max_contact_s (where to_s is None);
    # inf: still on the ground when the recording ends
    off_s: float | None = None

    @property
    def contact_s(self) -> float | None:
        """Toe-off minus IC (s), None without a toe-off."""
        return None if self.to_s is None else self.to_s - self.ic_s


@dataclass(frozen=True, slots=True)
class Step:
    """One contact of one foot with the step, stride and trajectory figures around it.
    Field by field as the README's "Per step" table says; None where a value is unknown."""

    rep: int                    # the rep it belongs to (gaitcore.reps), from 0
    foot: Side
    ic_s: float
    to_s: float | None
    contact_s: float | None
    flight_s: float | None
    step_time_s: float | None
    step_length_m: float | None
    stride_time_s: float | None
    cadence_spm: float | None
    stride_length_m: float | None
    speed_mps: float | None
    peak_height_m: float | None
    strike_angle_deg: float | None
    toe_off_angle_deg: float | None
    lateral_excursion_m: float | None
    turning_angle_deg: float | None
    position_m: tuple[float, float, float] | None   # x along the first stride, y left, z up
    shank_angle_peak_deg: float | None
    thigh_angle_peak_deg: float | None
    saturated: bool
    confidence: float

    def to_dict(self) -> dict:
        """The step as the JSON output contract writes it."""
        d = {name: getattr(self, name) for name in STEP_KEYS}
        d["foot"] = self.foot.value
        if self.position_m is not None:
            d["position_m"] = list(self.position_m)
        return d


STEP_KEYS = tuple(f.name for f in fields(Step))
# the per-step columns of steps.csv and Analysis.steps_table: position_m as three columns
STEP_COLUMNS = tuple(c for k in STEP_KEYS
                     for c in (("position_x_m", "position_y_m", "position_z_m") if k == "position_m" else (k,)))


@dataclass(frozen=True, slots=True)
class SensorInfo:
    """One sensor of the recording and what its analysis reported about its data.  The
    data-quality figures are those of a foot pod; a shank or thigh pod reports its repeated
    rows only (when the trajectory ran), and None for the rest."""

    name: str
    placement: Placement
    fs_hz: float          # the sampling rate, Hz, to 4 decimals
    n_samples: int
    repaired_samples: int | None = None       # lone bad samples interpolated
    duplicate_rows: int | None = None         # rows repeating the row before, dropped
    clipped_samples: int | None = None        # samples at full scale
    alignment_quality: float | None = None    # 0-1, see the README
    mounting_offset_deg: float | None = None  # with a mounting given: how far the recording places the pod from it
    net_displacement_m: float | None = None   # the trajectory's start to its end, horizontal
    gyro_bias_from_standing: bool | None = None   # None: no trajectory

    @property
    def foot(self) -> Side:
        """The foot a foot pod is on; UNKNOWN for a shank or thigh pod."""
        return self.placement.side if self.is_foot else Side.UNKNOWN

    @property
    def is_foot(self) -> bool:
        return self.placement.segment is Segment.FOOT

    def to_dict(self) -> dict:
        """The sensor as the JSON output contract's ``sensors`` list writes it."""
        return {"name": self.name, "foot": self.foot.value, "placement": str(self.placement), "fs_hz": self.fs_hz,
                "n_samples": self.n_samples}


# SensorInfo's data-quality figures, in the output contract's order
SENSOR_FIGURES = ("repaired_samples", "duplicate_rows", "clipped_samples", "alignment_quality", "mounting_offset_deg",
                  "net_displacement_m", "gyro_bias_from_standing")


@dataclass(frozen=True, slots=True)
class Stats:
    """Count, mean, sample SD and median of a step figure's known values (rounded to
    0.1 ms, 0.1 mm ...: 4 decimals); None where undefined (the SD needs two values)."""

    n: int
    mean: float | None
    sd: float | None
    median: float | None

    def to_dict(self) -> dict:
        return {"n": self.n, "mean": self.mean, "sd": self.sd, "median": self.median}


@dataclass(frozen=True, slots=True)
class StepStats:
    """Statistics of the step figures, over some steps."""

    contact_s: Stats
    flight_s: Stats
    cadence_spm: Stats
    stride_length_m: Stats
    speed_mps: Stats
    peak_height_m: Stats
    thigh_angle_peak_deg: Stats
    shank_angle_peak_deg: Stats


# the step figures the summary gives statistics of, in its order
SUMMARY_STATS = tuple(f.name for f in fields(StepStats))


@dataclass(frozen=True, slots=True)
class FootSummary(StepStats):
    """One foot's steps: how many, how many clipped, and statistics of its figures."""

    foot: Side
    n_steps: int
    n_saturated: int

    def to_dict(self) -> dict:
        return {"n_steps": self.n_steps, **{k: getattr(self, k).to_dict() for k in SUMMARY_STATS},
                "n_saturated": self.n_saturated}


@dataclass(frozen=True, slots=True)
class Summary(StepStats):
    """Statistics over the steps (per foot, and over both: the inherited fields) and what
    the recording lost."""

    software: str
    time_origin: TimeOrigin
    n_steps: int
    per_foot: tuple[FootSummary, ...]   # in the order of the feet's names (left, right, unknown)
    gaps: tuple[Gap, ...]
    feet_clock: FeetClockCheck

    def foot(self, side: Side | str) -> FootSummary:
        """The summary of the foot ``side`` (a Side, or its name: ``"left"``)."""
        try:
            side = Side(side)
        except ValueError:
            raise GaitError(f"{side!r} is not a foot; left, right or unknown") from None
        for f in self.per_foot:
            if f.foot is side:
                return f
        raise GaitError(f"no steps of the {side.value} foot; the feet with steps: "
                        f"{', '.join(f.foot.value for f in self.per_foot) or 'none'}")


@dataclass(frozen=True, slots=True)
class Analysis:
    """The analysis of a recording: the session it holds, its sensors, one :class:`Step`
    per contact in IC order, and the :class:`Summary`."""

    session: SessionInfo
    sensors: tuple[SensorInfo, ...]
    steps: tuple[Step, ...]
    summary: Summary
    reps: tuple[Rep, ...] = ()      # the bouts of contacts the steps make (gaitcore.reps)

    def per_sensor(self, figure: str) -> dict:
        """One data-quality figure of :class:`SensorInfo` (``"clipped_samples"`` ...) by
        sensor name, for the sensors that report it, in the output contract's order: the
        foot pods, then (repeated rows) the segment pods read."""
        if figure not in SENSOR_FIGURES:
            raise GaitError(f"{figure!r} is not a sensor figure; one of {', '.join(SENSOR_FIGURES)}")
        feet = [s for s in self.sensors if s.is_foot]
        segments = [s for s in self.sensors if not s.is_foot and s.duplicate_rows is not None]
        if figure == "duplicate_rows":
            return {s.name: s.duplicate_rows for s in feet + segments}
        if figure == "gyro_bias_from_standing":
            return {s.name: s.gyro_bias_from_standing for s in feet if s.gyro_bias_from_standing is not None}
        return {s.name: getattr(s, figure) for s in feet}

    def to_dict(self) -> dict:
        """The JSON output contract (``gait analyze --json``)."""
        sm = self.summary
        summary = {
            "software": sm.software,
            "time_origin": sm.time_origin.value,
            "n_steps": sm.n_steps,
            "per_foot": {f.foot.value: f.to_dict() for f in sm.per_foot},
            **{k: getattr(sm, k).to_dict() for k in SUMMARY_STATS},
            "gaps": [g.as_dict() for g in sm.gaps],
            **{k: self.per_sensor(k) for k in SENSOR_FIGURES},
            "feet_clock": sm.feet_clock.as_dict(),
        }
        return {"session": self.session.to_dict(), "sensors": [s.to_dict() for s in self.sensors],
                "steps": [s.to_dict() for s in self.steps], "reps": [r.to_dict() for r in self.reps],
                "sets": [x.to_dict() for x in self.sets], "summary": summary}

    @property
    def sets(self) -> tuple:
        """The session's reps grouped by drill (:class:`gaitcore.reps.DrillSet`)."""
        from .reps import sets_of
        return sets_of(self.reps)

    def steps_table(self) -> np.ndarray:
        """The steps as a numpy structured array, one row per step, the columns of
        ``steps.csv`` (:data:`STEP_COLUMNS`): ``foot`` as text, ``saturated`` as bool, ``rep``
        as int, the rest float64 with NaN where a value is unknown."""
        kinds = {"foot": "U7", "saturated": "?", "rep": "i8"}
        dtype = [(c, kinds.get(c, "f8")) for c in STEP_COLUMNS]
        nan = float("nan")
        rows = []
        for s in self.steps:
            row = []
            for k in STEP_KEYS:
                v = getattr(s, k)
                if k == "foot":
                    row.append(v.value)
                elif k == "position_m":
                    row.extend((nan, nan, nan) if v is None else v)
                else:
                    row.append(nan if v is None else v)
            rows.append(tuple(row))
        return np.array(rows, dtype=dtype)

    def steps_frame(self):
        """The steps as a pandas DataFrame (the columns of :meth:`steps_table`); needs pandas."""
        try:
            import pandas
        except ImportError:
            raise GaitError("steps_frame needs pandas (pip install pandas); steps_table() gives the same "
                            "columns as a numpy array") from None
        return pandas.DataFrame(self.steps_table())
