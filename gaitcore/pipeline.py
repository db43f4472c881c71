"""The one pipeline: a foot pod's samples in, final events, contacts, strides and steps out.

Per pod the samples go through the stages of :mod:`gaitcore.stages`, each a pure
``step(state, chunk) -> (output, state)``:

    quality (repeats, repair, gaps, clipping) -> events (detector, swing-artefact rule)
    -> contacts -> stride (zero-velocity-aided INS and its interval smoother)

and across the pods the steps stage pairs the feet.  :func:`pod_step` is one pod's chain;
the offline analysis (:func:`gaitcore.analysis.analyze`) feeds it a whole recording once
(or ``chunk_size`` rows at a time: the same result), and adds only what needs the whole
recording (module :mod:`gaitcore.analysis`); the live display feeds it frame by frame.

What a stream cannot know before it ends comes in its :class:`PodSpec`: where the pod
clips (its declared range) and how clean its time stamps are (a pod's own sample clock:
:data:`gaitcore.quality.DROP_FACTOR`).  The analysis measures both on the whole
recording instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .align import Alignment
from .params import Params
from .quality import DROP_FACTOR
from .signals import Placement
from .stages.events import EventStageState, FinalEvents, events_stage_step, new_event_stage
from .stages.quality import CleanChunk, QualityConfig, QualityState, concat_chunks, new_quality_state, quality_step
from .stages.stride import StrideConfig, StrideOutput, StrideState, new_stride_state, stride_step


def full_scale_3x2(range_: float | None) -> np.ndarray:
    """A declared range (magnitude, same on every axis and side; None: unknown, so never
    taken as clipping) as the quality stage's 3 x 2 limits."""
    return np.full((3, 2), float(range_) if range_ else np.inf)


@dataclass(frozen=True)
class PodSpec:
    """What the pipeline is told about one pod before its first sample."""

    name: str
    placement: Placement
    fs_hz: float
    # 3 x 2 (axis; + and - magnitude), inf: does not clip (unknown)
    acc_full_scale_mps2: np.ndarray = field(default_factory=lambda: full_scale_3x2(None))
    gyr_full_scale_dps: np.ndarray = field(default_factory=lambda: full_scale_3x2(None))
    gap_tol_periods: float = DROP_FACTOR   # how late a sample may come before it counts as after a gap
    mounting: Alignment | None = None      # known sensor-to-foot rotation; None: the warm-up learns it
    gyro_filter_s: float = 0.0             # the device's extra gyroscope low-pass (trajectory.GYRO_FILTER_META)


@dataclass(frozen=True)
class PodOutput:
    """What one feed of a pod gives: its cleaned rows, the events now final, and (with the
    trajectory) the stride stage's output (None while the pod's mounting is being learned)."""

    rows: CleanChunk
    events: FinalEvents
    stride: StrideOutput | None = None


@dataclass(frozen=True)
class PodState:
    spec: PodSpec
    params: Params
    trajectory: bool
    quality: QualityState
    events: EventStageState
    stride: StrideState | None = None           # made once the alignment is known
    unaligned: tuple[CleanChunk, ...] = ()      # rows held for the stride stage until then

    @property
    def alignment(self) -> Alignment | None:
        """The pod's sensor-to-foot rotation, once given or learned (None: still warming up)."""
        return self.events.detector.alignment


def new_pod_state(spec: PodSpec, params: Params = Params(), trajectory: bool = True) -> PodState:
    """A pod's pipeline before its first sample; ``trajectory=False`` leaves the stride
    stage out (contact timing only)."""
    quality = new_quality_state(QualityConfig(spec.name, spec.fs_hz, spec.gap_tol_periods,
                                              np.asarray(spec.acc_full_scale_mps2, dtype=np.float64),
                                              np.asarray(spec.gyr_full_scale_dps, dtype=np.float64)))
    return PodState(spec, params, trajectory, quality,
                    new_event_stage(spec.fs_hz, spec.mounting, spec.gap_tol_periods, params.events))


def pod_step(state: PodState, t_s: np.ndarray, acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray,
             final: bool = False) -> tuple[PodOutput, PodState]:
    """Feed a pod's next samples as received (time s, specific force m/s^2 and rate deg/s
    in the sensor frame; any number of rows, also none); ``final`` ends its stream.  The
    stride stage's state is advanced in place (:mod:`gaitcore.stages.stride`): a pod state
    can be advanced only once."""
    rows, quality = quality_step(state.quality, t_s, acc_mps2_sf, gyr_dps_sf, final)
    events, ev_state = events_stage_step(state.events, rows, final)
    state = replace(state, quality=quality, events=ev_state)
    if not state.trajectory:
        return PodOutput(rows, events), state
    stride, unaligned = state.stride, state.unaligned
    chunk = rows
    if stride is None:
        unaligned = unaligned + (rows,)
        if ev_state.detector.alignment is None:
            return PodOutput(rows, events), replace(state, unaligned=unaligned)
        spec = state.spec
        stride = new_stride_state(StrideConfig(spec.fs_hz, ev_state.detector.alignment,
                                               np.asarray(spec.acc_full_scale_mps2, dtype=np.float64),
                                               np.asarray(spec.gyr_full_scale_dps, dtype=np.float64),
                                               spec.gyro_filter_s, state.params))
        chunk, unaligned = concat_chunks(unaligned), ()
    out, stride = stride_step(stride, chunk, events.events, events.horizon, final)
    return PodOutput(rows, events, out), replace(state, stride=stride, unaligned=unaligned)
