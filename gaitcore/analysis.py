"""Whole-recording analysis: the same streaming stages fed once or in chunks.

``analyze(recording)`` returns an :class:`~gaitcore.results.Analysis`, whose ``to_dict()``
is the output contract.  With ``chunk_size`` the detector is fed ``chunk_size`` samples
at a time through the streaming path; the result is identical for every chunk size.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from operator import attrgetter

import numpy as np

from . import __version__
from .errors import SignalError, UsageError
from . import _steps_kernel as SK
from ._quality_kernel import unit_counts
from .events import WARMUP_MAX_S, Event, mounting_offset_deg
from .params import EventParams, InsParams, Params, SplitParams, StepParams
from .quality import (Gap, finite_mask, clock_tolerance_periods, drop_duplicate_rows, full_scale,
                      implausible_as_missing)
from .results import SUMMARY_STATS, Analysis, Contact, FootSummary, SensorInfo, Stats, Step, Summary
from .signals import (CLOCK_SOURCE_META, UNIT_ACC_MEDIAN_MPS2, UNIT_GYR_P99_DPS, UNIT_MOVE_MPS2, UNIT_QUIET_DPS,
                      UNIT_QUIET_MIN_S, UNIT_QUIET_MPS2, UNIT_TURN_DPS, Recording, Segment, SensorRecording, Side,
                      TimeOrigin)
from .align import Alignment, still_mask
from .feet_clock import ClockAgreement, FeetClockCheck, check_feet_clock
from .mounting import MountingCalibration
from .pipeline import PodSpec, new_pod_state, pod_step
from .stages.quality import QualityConfig, concat_chunks, new_quality_state, quality_step
from .stages.stride import StrideOutput
from .drills import default_catalog
from .plan import try_plan
from .baseline import Baseline
from .reps import reps_of
from .splits import FootPath
from .segment_angles import segment_swing_peaks
from .steps import FootContacts, build_steps, contacts_from_events, push_offs_from_standing
from .trajectory import (GYRO_FILTER_META, StrideGeometry, ins_inputs, new_trajectory_state, reconstruct_clipped, standing_gyro_bias,
                         smoother_steps_removed, stride_geometry, trajectory_step, zero_velocity)

MIN_SAMPLES = 8


@dataclass(frozen=True)
class SensorResult:
    # the recording analysed: the one given with its repeated rows dropped and lone bad samples
    # repaired (the quality stage); every sample index below (events, masks, positions) refers to its rows
    sensor: SensorRecording
    events: list[Event]
    clipped: np.ndarray
    breaks: np.ndarray   # samples the detector could not use (gap before, or not finite)
    gaps: list
    repaired: int
    alignment_quality: float
    geometry: list[StrideGeometry] | None   # per IC event (trajectory.stride_geometry), if computed
    positions_m: np.ndarray | None    # (n, 3) smoothed sensor position, NaN where unknown
    net_displacement_m: float | None  # start to end of the trajectory, horizontal
    mounting_offset_deg: float | None = None   # a mounting given: how far this recording's own warm-up finds it
    stride_path_m: np.ndarray | None = None    # positions_m without the smoother's interval steps: what
    #                                            strides are measured on (trajectory.smoother_steps_removed)
    duplicates: int = 0    # rows dropped as repeats of the row before (quality.duplicate_rows)
    gyro_bias_from_standing: bool | None = None   # the INS's gyro bias measured at quiet standing
    #                                               (trajectory.standing_gyro_bias); None: no trajectory
    attitude_quat: np.ndarray | None = None   # (n, 4) smoothed attitude, sensor to world
    #                                           (gaitcore.quaternion), NaN where unknown


UNIT_STEP = 8     # rows: every this many is counted by the unit check (thresholds: signals.UNIT_*)


def _check(sensor: SensorRecording) -> np.ndarray:
    """Refuse a sensor that cannot be analysed; return its finite-sample mask."""
    if sensor.n_samples < MIN_SAMPLES:
        raise SignalError(sensor.name, f"only {sensor.n_samples} samples",
                          "record at least a few strides (several seconds)")
    finite = finite_mask(sensor)
    share = np.count_nonzero(finite) / finite.shape[0]
    if share < 0.5:
        raise SignalError(sensor.name, f"{100 * (1 - share):.0f}% of samples are NaN or empty",
                          "check the export; at least half the samples must be numbers")
    if not (np.isfinite(sensor.fs_hz) and sensor.fs_hz > 0):
        raise SignalError(sensor.name, "sampling rate could not be determined",
                          "the time column must increase; or give --fs")
    _check_units(sensor)
    return finite


def _check_units(sensor: SensorRecording) -> None:
    """Refuse values no body-worn IMU gives in the declared units, the sign of a unit read
    wrong: a foot pod's specific force has a median between 0.3 g and 20 g (gravity while
    standing, about 5 g over a simulated sprint), and its rate a 99th percentile below
    5000 deg/s (simulated sprint: 1200; real walks: 300-600).  Where the rate stays below
    10 deg/s for a second or more in all, the specific force there is mostly 0.5-2 g: the
    foot is on the ground or standing (medians 0.98-1.02 g in every real and simulated
    recording; at most 20% of those rows beyond 3 g, in bunny hops), which catches a walk
    in m/s^2 declared as g (10 g).  A foot whose specific force passes 2 g in 1% of the
    rows or more turns faster than 30 deg/s in 1% or more too (31-75% of the rows in every
    real recording), which catches rates in rad/s declared as deg/s.  Every 8th sample
    is enough."""
    counts = np.zeros(8, dtype=np.int64)
    acc = np.ascontiguousarray(sensor.acc_mps2_sf, dtype=np.float64)
    gyr = np.ascontiguousarray(sensor.gyr_dps_sf, dtype=np.float64)
    unit_counts(acc, gyr, UNIT_STEP, UNIT_ACC_MEDIAN_MPS2[0], UNIT_ACC_MEDIAN_MPS2[1], UNIT_GYR_P99_DPS,
                UNIT_QUIET_DPS, UNIT_QUIET_MPS2[0], UNIT_QUIET_MPS2[1], UNIT_MOVE_MPS2, UNIT_TURN_DPS, counts)
    n, low, high, fast, quiet, off, moving, turning = counts.tolist()
    if 2 * low > n or 2 * high > n:
        med = float(np.nanmedian(np.linalg.norm(acc, axis=1)))
        raise SignalError(sensor.name, f"the accelerometer's median magnitude is {med:.3g} m/s^2 where gravity "
                          "alone is 9.81", "check the accelerometer's unit in the file's header (g read as m/s^2, "
                          "or the reverse?)")
    if 100 * fast > n:
        p99 = float(np.nanpercentile(np.linalg.norm(gyr, axis=1), 99))
        raise SignalError(sensor.name, f"the gyroscope reads {p99:.0f} deg/s or more 1% of the time; no foot turns "
                          "that fast", "check the gyroscope's unit in the file's header (deg/s read as rad/s?)")
    if 100 * moving >= n and 100 * turning < n:
        p99 = float(np.nanpercentile(np.linalg.norm(gyr, axis=1), 99))
        raise SignalError(sensor.name, f"the accelerometer shows the foot moving but the gyroscope's 99th "
                          f"percentile is {p99:.3g} deg/s; a moving foot turns faster",
                          "check the gyroscope's unit in the file's header (rad/s read as deg/s?)")
    if quiet * UNIT_STEP >= UNIT_QUIET_MIN_S * sensor.fs_hz and 2 * off > quiet:
        still = np.linalg.norm(gyr, axis=1) < UNIT_QUIET_DPS
        med = float(np.nanmedian(np.linalg.norm(acc[still], axis=1)))
        raise SignalError(sensor.name, f"while the gyroscope shows no turning the accelerometer reads {med:.3g} "
                          "m/s^2 (median), where a foot on the ground feels gravity, 9.81",
                          "check the accelerometer's unit in the file's header (m/s^2 read as g?)")


def pod_spec(sensor: SensorRecording) -> PodSpec:
    """What the pipeline is told of ``sensor`` (:class:`gaitcore.pipeline.PodSpec`) when the
    whole recording is at hand: it is first refused if it cannot be analysed (:func:`_check`),
    and where it clips and how clean its time stamps are are measured on all of it."""
    base, _ = drop_duplicate_rows(implausible_as_missing(sensor))
    _check(base)
    acc_fs, gyr_fs = full_scale(base)
    return PodSpec(sensor.name, sensor.placement, sensor.fs_hz, acc_fs, gyr_fs,
                   clock_tolerance_periods(base.t_s, base.fs_hz), _known_mounting(sensor),
                   float(sensor.meta.get(GYRO_FILTER_META, 0.0)))


@dataclass(frozen=True)
class _Fed:
    """A pod's whole stream through :func:`gaitcore.pipeline.pod_step`, put together."""

    fixed: SensorRecording   # the cleaned rows
    breaks: np.ndarray
    clipped: np.ndarray
    events: list[Event]
    gaps: list[Gap]
    repaired: int
    repeated: int
    alignment: Alignment
    trajectory: _Trajectory | None


def _feed_pod(sensor: SensorRecording, spec: PodSpec, params: Params, step: int, trajectory: bool) -> _Fed:
    """Feed ``sensor``'s rows through the pod pipeline ``step`` at a time."""
    state = new_pod_state(spec, params, trajectory)
    n = sensor.n_samples
    outs = []
    for a in range(0, max(n, 1), step):
        b = min(n, a + step)
        out, state = pod_step(state, sensor.t_s[a:b], sensor.acc_mps2_sf[a:b], sensor.gyr_dps_sf[a:b],
                              final=(b == n))
        outs.append(out)
    rows = concat_chunks([o.rows for o in outs])
    fixed = replace(sensor, t_s=rows.t_s, acc_mps2_sf=rows.acc_mps2_sf, gyr_dps_sf=rows.gyr_dps_sf)
    gaps = sorted(rows.gaps, key=attrgetter("sort_key"))
    tr = _trajectory_of([o.stride for o in outs if o.stride is not None], rows.n) if trajectory else None
    return _Fed(fixed, rows.breaks, rows.clipped, [e for o in outs for e in o.events.events], [g.gap for g in gaps],
                rows.repaired, rows.repeated, state.alignment, tr)


def _trajectory_of(outs: list[StrideOutput], n: int) -> _Trajectory:
    """The stride stage's outputs over a whole stream of ``n`` rows, put together."""
    pos, quat, path = np.full((n, 3), np.nan), np.full((n, 4), np.nan), np.full((n, 3), np.nan)
    for o in outs:
        b = o.samples_start + o.pos_m.shape[0]
        pos[o.samples_start:b], quat[o.samples_start:b], path[o.samples_start:b] = o.pos_m, o.quat, o.stride_path_m
    return _Trajectory([g for o in outs for g in o.geometry], pos, quat, path, outs[-1].gyro_bias_from_standing)


def detect_sensor(sensor: SensorRecording, chunk_size: int | None = None, trajectory: bool = True,
                  params: Params = Params()) -> SensorResult:
    """One foot pod's analysis: the pod pipeline (:func:`gaitcore.pipeline.pod_step`) fed its
    whole recording, once or ``chunk_size`` rows at a time (the same result)."""
    spec = pod_spec(sensor)
    step = max(1, sensor.n_samples) if not chunk_size else int(chunk_size)
    fed = _feed_pod(sensor, spec, params, step, trajectory)
    fixed, tr = fed.fixed, fed.trajectory
    known = spec.mounting
    return SensorResult(fixed, fed.events, fed.clipped, fed.breaks, fed.gaps, fed.repaired, fed.alignment.quality,
                        None if tr is None else tr.geometry, None if tr is None else tr.positions_m,
                        None if tr is None else _net_displacement(tr.positions_m, fed.breaks),
                        None if known is None else _mounting_offset_deg(fixed, known),
                        None if tr is None else tr.stride_path_m, fed.repeated,
                        None if tr is None else tr.gyro_bias_from_standing, None if tr is None else tr.attitude_quat)


def _known_mounting(sensor: SensorRecording):
    """The alignment a session header gave this pod (``--mounting-from``), else None (warm-up)."""
    if "mounting" not in sensor.meta:
        return None
    return MountingCalibration.from_dict(sensor.meta["mounting"]).alignment()


def _mounting_offset_deg(sensor: SensorRecording, known) -> float | None:
    """The rotation (deg) between the mounting given and the one the recording's own
    first minute shows; None when it shows no strides to tell by."""
    n = min(sensor.n_samples, int(WARMUP_MAX_S * sensor.fs_hz))
    off = mounting_offset_deg(sensor.acc_mps2_sf[:n], sensor.gyr_dps_sf[:n], sensor.fs_hz, known)
    return None if off is None else round(off, 1)


@dataclass(frozen=True)
class _SegmentPeaks:
    peaks_deg: list            # per contact of the same-side foot, None where not measured
    gaps: list[Gap]            # the segment pod's, in the analysis's order
    repeated: int              # its rows dropped as repeats of the row before


def _segment_peaks(sensor: SensorRecording, foot: SensorResult, contacts: list[Contact]) -> _SegmentPeaks:
    """Swing peaks of a shank or thigh pod per contact of the same-side foot, over its rows
    as the quality stage cleans them (the pipeline's first stage, fed once)."""
    spec = pod_spec(sensor)
    rows, _ = quality_step(new_quality_state(QualityConfig(sensor.name, sensor.fs_hz, spec.gap_tol_periods,
                                                           spec.acc_full_scale_mps2, spec.gyr_full_scale_dps)),
                           sensor.t_s, sensor.acc_mps2_sf, sensor.gyr_dps_sf, final=True)
    acc, _ = reconstruct_clipped(rows.acc_mps2_sf, spec.acc_full_scale_mps2)
    gyr, _ = reconstruct_clipped(rows.gyr_dps_sf, spec.gyr_full_scale_dps)
    seg = replace(sensor, t_s=rows.t_s, acc_mps2_sf=acc, gyr_dps_sf=gyr)
    t_foot = foot.sensor.t_s
    refs = [(c.ic_s, c.to_s, float(t_foot[g.anchor]) if g.anchor >= 0 else None)
            for c, g in zip(contacts, foot.geometry)]
    # the athlete's speed at each anchor: the mean of the foot's strides on either side (each
    # from its contact's off_anchor to the next contact's anchor, which differ in standing)
    cycle = [None if g.stride_length_m is None or g.off_anchor < 0 or nxt.anchor < 0
             or t_foot[nxt.anchor] <= t_foot[g.off_anchor]
             else g.stride_length_m / float(t_foot[nxt.anchor] - t_foot[g.off_anchor])
             for g, nxt in zip(foot.geometry, foot.geometry[1:])]
    around = [[v for v in (cycle[j - 1] if j > 0 else None, cycle[j] if j < len(cycle) else None) if v is not None]
              for j in range(len(refs))]
    speed = [sum(v) / len(v) if v else None for v in around]
    peaks, _ = segment_swing_peaks(seg, rows.breaks, refs, speed)
    return _SegmentPeaks(peaks, [g.gap for g in sorted(rows.gaps, key=attrgetter("sort_key"))], rows.repeated)


@dataclass(frozen=True)
class _Trajectory:
    geometry: list[StrideGeometry]   # per IC event
    positions_m: np.ndarray          # (n, 3) smoothed sensor position, NaN where unknown
    attitude_quat: np.ndarray        # (n, 4) smoothed attitude, sensor to world
    stride_path_m: np.ndarray        # the path strides are measured on (smoother_steps_removed)
    gyro_bias_from_standing: bool | None   # None: the starting gyro bias was given


def _trajectory(sensor: SensorRecording, events: list[Event], clipped: np.ndarray, breaks: np.ndarray,
                dt_s: np.ndarray, acc_fs: float | None, gyr_fs: float | None, alignment,
                step: int, gyr_bias0_rad_s: tuple | None = None, params: Params = Params()) -> _Trajectory:
    """The trajectory's rules composed over a whole recording at once: the reference the
    stride stage (:mod:`gaitcore.stages.stride`, which the analysis runs) is tested against.
    Stride geometry per IC event, the smoothed positions and attitude, the path strides
    are measured on, from the zero-velocity-aided INS fed ``step`` samples at a time (the result does not
    depend on ``step``), and whether the gyro bias came from the recording's standing start
    (None when ``gyr_bias0_rad_s`` was given)."""
    n = sensor.n_samples
    still = still_mask(sensor.acc_mps2_sf, sensor.gyr_dps_sf, sensor.fs_hz)
    calibrated = None
    if gyr_bias0_rad_s is None:
        gyr_bias0_rad_s = standing_gyro_bias(sensor.acc_mps2_sf, sensor.gyr_dps_sf, sensor.fs_hz)
        calibrated = gyr_bias0_rad_s is not None
        gyr_bias0_rad_s = gyr_bias0_rad_s or (0.0, 0.0, 0.0)
    zupt, sigma_v, spans = zero_velocity(events, sensor.gyr_dps_sf, sensor.fs_hz, still, breaks,
                                         params.steps.max_contact_s)
    acc, gyr, extra = ins_inputs(sensor, acc_fs, gyr_fs, breaks)
    level = np.zeros(n, dtype=np.bool_)
    level[[sp.quietest for sp in spans if sp.quietest >= 0]] = True
    state = new_trajectory_state(sensor.fs_hz, params.ins, tuple(gyr_bias0_rad_s))
    pos, quat, vel = np.full((n, 3), np.nan), np.full((n, 4), np.nan), np.full((n, 3), np.nan)
    for a in range(0, n, step):
        b = min(n, a + step)
        out, state = trajectory_step(state, acc[a:b], gyr[a:b], dt_s[a:b], zupt[a:b], sigma_v[a:b], level[a:b],
                                     extra[a:b], breaks[a:b], final=(b == n))
        m = out.pos_m.shape[0]
        pos[out.start:out.start + m] = out.pos_m
        quat[out.start:out.start + m] = out.quat
        vel[out.start:out.start + m] = out.vel_mps
    path = smoother_steps_removed(pos, vel, zupt, breaks, dt_s)
    # without standing, the foot's pitch is measured from the foot frame, whose up then leans
    # by the foot's mean pitch (a sprint's: tens of degrees): a heel strike would read as forefoot
    geometry = stride_geometry(spans, pos, quat, alignment.rot_ff_sf, sensor.fs_hz, breaks, clipped, path,
                               unsettled=_first_strides_after_moving_start(spans, zupt, still, breaks),
                               pitch_known=alignment.up_from_standing, max_stride_s=params.steps.max_stride_s)
    return _Trajectory(geometry, pos, quat, path, calibrated)


def _first_strides_after_moving_start(spans: list, zupt: np.ndarray, still: np.ndarray,
                                      breaks: np.ndarray) -> frozenset[int]:
    """Contacts whose stride is the first of a filter run that started in a stance rather
    than at quiet standing (after a break, or a recording that starts moving).  The filter
    takes its first attitude from one accelerometer sample of a stance that is not still,
    and its first stride came out 6-7% long on the simulated sprint; the next ones are
    settled.  (A walking stance is nearly still: there the stride left out was within 1%.)"""
    run = np.cumsum(breaks)
    out, seen = set(), set()
    for k, sp in enumerate(spans):
        if sp.anchor < 0 or run[sp.anchor] in seen:
            continue
        r = run[sp.anchor]
        seen.add(r)
        first = int(np.searchsorted(run, r))            # the run's first sample
        starts = np.flatnonzero(zupt[first:sp.anchor + 1])
        if starts.size and not still[first + starts[0]]:
            out.add(k)
    return frozenset(out)


def _net_displacement(pos: np.ndarray, breaks: np.ndarray) -> float | None:
    """Horizontal distance (m) from the first to the last position of the trajectory's
    first unbroken stretch: where the foot ended relative to where it started."""
    ok = np.flatnonzero(np.isfinite(pos[:, 0]))
    if ok.size < 2:
        return None
    first = ok[0]
    nb = np.flatnonzero(breaks[first + 1:])
    last_ok = ok[ok < first + 1 + nb[0]] if nb.size else ok
    d = pos[last_ok[-1], :2] - pos[first, :2]
    return round(float(np.hypot(d[0], d[1])), 3)


def analyze(recording: Recording, trajectory: bool = True,
            params: Params | EventParams | StepParams | InsParams | SplitParams | None = None, *,
            chunk_size: int | None = None, baseline: Baseline | None = None) -> Analysis:
    """The analysis of ``recording``.  ``trajectory=False`` skips the foot trajectory
    (stride length, speed, foot lift, angles, position stay None): contact timing alone
    is about 10 times faster.  ``params``: thresholds other than the defaults
    (:mod:`gaitcore.params`; a :class:`Params`, or one of its parts).  ``chunk_size``
    feeds the detector that many samples at a time, as live does: the result is the same.
    ``baseline``: the athlete's bests from earlier sessions
    (:func:`gaitcore.baseline.read_baseline`), which the reps' quality also counts."""
    if chunk_size is not None and chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    params = Params.of(params)
    _one_pod_per_foot(recording)
    results = [detect_sensor(s, chunk_size, trajectory, params) for s in recording.sensors
               if s.placement.segment is Segment.FOOT]
    if not results:
        raise SignalError(recording.source, "no foot sensor in the recording",
                          "name files LF/RF/left/right or pass --placement left|right")
    contacts = {r.sensor.name: contacts_from_events(r.sensor.name, r.sensor.placement.side, r.events, r.sensor.t_s,
                                                    r.clipped, r.breaks, params)
                for r in results}
    segment_gaps: list[Gap] = []
    segment_duplicates: dict[str, int] = {}
    peaks: dict[tuple[str, Segment], tuple] = {}    # (foot sensor, segment) -> per contact
    if trajectory:
        for s in recording.sensors:
            foot_r = next((r for r in results if r.sensor.placement.side is s.placement.side), None)
            if s.placement.segment is Segment.FOOT or foot_r is None or foot_r.geometry is None:
                continue
            seg = _segment_peaks(s, foot_r, contacts[foot_r.sensor.name])
            segment_gaps += seg.gaps
            segment_duplicates[s.name] = seg.repeated
            peaks[(foot_r.sensor.name, s.placement.segment)] = tuple(seg.peaks_deg)
    feet_clock = _feet_clock(recording, contacts)
    feet = [FootContacts(r.sensor.placement.side, tuple(contacts[r.sensor.name]),
                         None if r.geometry is None else tuple(r.geometry),
                         peaks.get((r.sensor.name, Segment.SHANK)), peaks.get((r.sensor.name, Segment.THIGH)))
            for r in results]
    paired = feet_clock.state is not ClockAgreement.DISAGREE
    steps = build_steps(feet, paired, params.steps)
    by_name = {r.sensor.name: r for r in results}
    sensors = tuple(_sensor_info(s, by_name.get(s.name), segment_duplicates.get(s.name)) for s in recording.sensors)
    # two clocks: the reps' times are on the first foot's (each foot's reps are numbered alone)
    clock_foot = None if paired else results[0].sensor.placement.side
    leaving = {r.sensor.name: push_offs_from_standing(contacts[r.sensor.name], r.events, r.sensor.t_s, r.breaks,
                                                      params.steps) for r in results}
    on_clock = [r for r in results if clock_foot in (None, r.sensor.placement.side)]
    push_offs = sorted(t for r in on_clock for t in leaving[r.sensor.name])
    paths = tuple(_foot_path(r, contacts[r.sensor.name], leaving[r.sensor.name]) for r in on_clock
                  if r.positions_m is not None)
    return Analysis(recording.session, sensors, steps,
                    _summary(steps, [g for r in results for g in r.gaps] + segment_gaps, feet_clock,
                             recording.time_origin),
                    reps_of(steps, push_offs, default_catalog().find(recording.session.drill), clock_foot,
                            paths=paths, split_params=params.splits, plan=try_plan(recording.session.plan),
                            baseline=baseline or Baseline()))


def _foot_path(r: SensorResult, contacts: list[Contact], push_offs_s: list[float]) -> FootPath:
    """What the splits read of one foot pod's analysis (:class:`gaitcore.splits.FootPath`)."""
    nan = float("nan")
    return FootPath(r.sensor.placement.side, r.sensor.t_s, r.sensor.gyr_dps_sf, r.positions_m, np.cumsum(r.breaks),
                    np.array([c.ic_s for c in contacts], dtype=float),
                    np.array([nan if c.to_s is None else 0.5 * (c.ic_s + c.to_s) for c in contacts], dtype=float),
                    np.array([g.anchor for g in r.geometry], dtype=np.int64), tuple(push_offs_s))


def _sensor_info(sensor: SensorRecording, foot: SensorResult | None, duplicates: int | None) -> SensorInfo:
    """What the analysis reports of ``sensor``: a foot pod's data quality (``foot``, its
    result), or a segment pod's repeated rows (``duplicates``, None when not read)."""
    fs_hz = round(float(sensor.fs_hz), 4)
    if foot is None:
        return SensorInfo(sensor.name, sensor.placement, fs_hz, sensor.n_samples, duplicate_rows=duplicates)
    return SensorInfo(sensor.name, sensor.placement, fs_hz, sensor.n_samples, repaired_samples=foot.repaired,
                      duplicate_rows=foot.duplicates, clipped_samples=int(foot.clipped.sum()),
                      alignment_quality=round(foot.alignment_quality, 3), mounting_offset_deg=foot.mounting_offset_deg,
                      net_displacement_m=foot.net_displacement_m, gyro_bias_from_standing=foot.gyro_bias_from_standing)


def _one_pod_per_foot(recording: Recording) -> None:
    """Refuse two foot sensors on one side: their contacts would be merged into one foot's."""
    sides: dict[Side, list[str]] = {}
    for s in recording.sensors:
        if s.placement.segment is Segment.FOOT:
            sides.setdefault(s.placement.side, []).append(s.name)
    for side, names in sides.items():
        if len(names) > 1:
            which = "a foot of unknown side" if side is Side.UNKNOWN else f"the {side.value} foot"
            raise UsageError(f"sensors {', '.join(names)} are all on {which}, and one recording holds one pod per "
                             "foot; give each file its foot with --placement (left, right, LS ...) or analyse them "
                             "one at a time")


def _feet_clock(recording: Recording, contacts: dict[str, list[Contact]]) -> FeetClockCheck:
    """Whether the two feet's time stamps can be paired (:mod:`gaitcore.feet_clock`): known
    when their sensors come from one source, else checked on their contacts."""
    feet = [s for s in recording.sensors
            if s.placement.segment is Segment.FOOT and s.placement.side in (Side.LEFT, Side.RIGHT)]
    sources = {s.meta.get(CLOCK_SOURCE_META) for s in feet}
    if {s.placement.side for s in feet} == {Side.LEFT, Side.RIGHT} and len(sources) == 1 and None not in sources:
        return FeetClockCheck(ClockAgreement.ONE_SOURCE)
    ics = {side: np.array([c.ic_s for cs in contacts.values() for c in cs if c.foot is side])
           for side in (Side.LEFT, Side.RIGHT)}
    return check_feet_clock(ics[Side.LEFT], ics[Side.RIGHT])


def _stats(row: np.ndarray) -> Stats:
    """n, mean, sample SD and median (one row of :func:`_steps_kernel.column_stats`)."""
    n, mean, sd, median = row.tolist()
    return Stats(int(n), None if mean != mean else round(mean, 4), None if sd != sd else round(sd, 4),
                 None if median != median else round(median, 4))


def _summary(steps: tuple[Step, ...], gaps: list[Gap], feet_clock: FeetClockCheck,
             time_origin: TimeOrigin) -> Summary:
    feet = sorted({s.foot for s in steps}, key=lambda f: f.value)
    index = {f: g for g, f in enumerate(feet)}
    group = np.array([index[s.foot] for s in steps], dtype=np.int64)
    figure = attrgetter(*SUMMARY_STATS)
    v = np.array([figure(s) for s in steps], dtype=float).reshape(-1, len(SUMMARY_STATS))   # (None becomes NaN)
    st = np.empty((len(feet) + 1, len(SUMMARY_STATS), 4))
    SK.column_stats(v, group, len(feet), st)
    per_foot = tuple(FootSummary(foot=f, n_steps=int((group == g).sum()),
                                 n_saturated=sum(s.saturated for s in steps if s.foot is f),
                                 **{k: _stats(st[g, c]) for c, k in enumerate(SUMMARY_STATS)})
                     for g, f in enumerate(feet))
    return Summary(software=f"sprintgait {__version__}", time_origin=time_origin, n_steps=len(steps),
                   per_foot=per_foot, gaps=tuple(gaps), feet_clock=feet_clock,
                   **{k: _stats(st[len(feet), c]) for c, k in enumerate(SUMMARY_STATS)})
