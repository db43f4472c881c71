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
from .errors import UsageError
from .params import Params
from .quality import DROP_FACTOR
from .results import Contact, Step
from .signals import Placement, Segment
from .stages.contacts import ContactsState, contacts_step, new_contacts_state
from .stages.steps import ContactGeometry, FootFeed, StepsConfig, StepsState, new_steps_state, steps_step
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


# ---- across the pods: contacts and steps ------------------------------------------------

@dataclass(frozen=True)
class PipelineOutput:
    """What one feed of a pod gives: the pod's own output (its cleaned rows, events and
    stride stage), the contacts of that pod now complete (final but for ``run_end_s``, which
    a break found later may lower: :mod:`gaitcore.stages.contacts`), and the steps of every
    foot now final, in time order (the analysis's :class:`~gaitcore.results.Step`\\ s)."""

    pod: str
    pod_output: PodOutput
    contacts: tuple[Contact, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class _FootBounds:
    """What the steps stage was last told of a foot's contacts to come."""

    no_cut_before_s: float = -np.inf
    horizon_s: float = -np.inf


@dataclass(frozen=True)
class PipelineState:
    pods: tuple[PodState, ...]
    contacts: tuple[ContactsState, ...]
    steps: StepsState
    bounds: tuple[_FootBounds, ...]


def new_pipeline_state(pods: tuple[PodSpec, ...] | list[PodSpec], params: Params = Params(),
                       trajectory: bool = True, pair_feet: bool = True) -> PipelineState:
    """The pipeline of foot pods ``pods`` (one per foot) before their first samples.
    ``pair_feet``: the pods' time stamps are on one clock (pods recorded by one host), so
    that flight and step times pair the feet."""
    if not pods:
        raise UsageError("the pipeline needs at least one foot pod")
    for spec in pods:
        if spec.placement.segment is not Segment.FOOT:
            raise UsageError(f"pod {spec.name} is on the {spec.placement.segment.value}; the pipeline takes foot pods "
                             "(shank and thigh peaks are measured by gaitcore.analyze)")
    sides = [spec.placement.side for spec in pods]
    if len(set(sides)) != len(sides):
        raise UsageError(f"two pods on one foot ({', '.join(s.name for s in pods)}); one pod per foot")
    return PipelineState(tuple(new_pod_state(spec, params, trajectory) for spec in pods),
                         tuple(new_contacts_state(spec.name, spec.placement.side, params) for spec in pods),
                         new_steps_state(StepsConfig(tuple(sides), pair_feet, params.steps, trajectory)),
                         tuple(_FootBounds() for _ in pods))


def pipeline_step(state: PipelineState, pod: int, t_s: np.ndarray, acc_mps2_sf: np.ndarray,
                  gyr_dps_sf: np.ndarray, final: bool = False) -> tuple[PipelineOutput, PipelineState]:
    """Feed pod number ``pod`` its next samples (as :func:`pod_step`); ``final`` ends that
    pod's stream.  The steps come out once every foot's stream has gone far enough."""
    out, pod_state = pod_step(state.pods[pod], t_s, acc_mps2_sf, gyr_dps_sf, final)
    co, contacts_state = contacts_step(state.contacts[pod], out.rows, out.events.events, out.events.horizon, final)
    geometry = () if out.stride is None else tuple(
        ContactGeometry(out.stride.first_contact + i, g) for i, g in enumerate(out.stride.geometry))
    bounds = list(state.bounds)
    bounds[pod] = _FootBounds(co.no_cut_before_s, co.horizon_s)
    feeds = tuple(FootFeed(co.contacts, co.cuts, co.no_cut_before_s, geometry, co.horizon_s) if k == pod
                  else FootFeed(no_cut_before_s=b.no_cut_before_s, horizon_s=b.horizon_s)
                  for k, b in enumerate(state.bounds))
    all_final = final and all(c.final for k, c in enumerate(state.contacts) if k != pod)
    steps, steps_state = steps_step(state.steps, feeds, all_final)
    pods, contacts = list(state.pods), list(state.contacts)
    pods[pod], contacts[pod] = pod_state, contacts_state
    return PipelineOutput(pod_state.spec.name, out, co.contacts, steps), \
        PipelineState(tuple(pods), tuple(contacts), steps_state, tuple(bounds))


class Pipeline:
    """The streaming pipeline for a notebook or a live display: feed each foot pod's samples
    as they come, get each step once it is final (the same :class:`~gaitcore.results.Step`
    the analysis gives for the whole recording).  A thin holder of
    :func:`pipeline_step`'s state::

        pipe = Pipeline([PodSpec("left", Placement.parse("left"), 1000.0),
                         PodSpec("right", Placement.parse("right"), 1000.0)])
        for pod, t_s, acc_mps2, gyr_dps in chunks:       # any sizes, pods in any order
            for step in pipe.feed(pod, t_s, acc_mps2, gyr_dps).steps:
                print(step.foot, step.contact_s)
        pipe.finish()                                   # the steps the ends of the streams complete

    Each pod's time stamps are its own clock; with ``pair_feet`` (the default) the pods'
    clocks are one (a host's, or synchronised), so that flight and step times pair them.
    """

    def __init__(self, pods: tuple[PodSpec, ...] | list[PodSpec], params: Params = Params(),
                 trajectory: bool = True, pair_feet: bool = True):
        self._names = [p.name for p in pods]
        self.state = new_pipeline_state(pods, params, trajectory, pair_feet)
        self.steps: list[Step] = []     # every step out so far, in time order

    def _index(self, pod: str) -> int:
        if pod not in self._names:
            raise UsageError(f"no pod {pod!r} in this pipeline; its pods are {', '.join(self._names)}")
        return self._names.index(pod)

    def feed(self, pod: str, t_s: np.ndarray, acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray) -> PipelineOutput:
        """Feed pod ``pod`` its next samples: time (s), specific force (m/s^2, gravity
        included) and rate (deg/s), sensor frame, n and n x 3."""
        out, self.state = pipeline_step(self.state, self._index(pod), t_s, acc_mps2_sf, gyr_dps_sf)
        self.steps += out.steps
        return out

    def finish(self) -> tuple[Step, ...]:
        """End every pod's stream; returns the steps that completes."""
        new: list[Step] = []
        for k in range(len(self._names)):
            if not self.state.contacts[k].final:
                out, self.state = pipeline_step(self.state, k, np.empty(0), np.empty((0, 3)), np.empty((0, 3)),
                                                final=True)
                new += out.steps
        self.steps += new
        return tuple(new)
