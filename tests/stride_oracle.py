"""Batch references of the pipeline's stages: the quality scans of a whole recording
(:func:`prepare`, for the quality stage) and the stride stage's oracle (the batch
analysis), with a chunked, lagging feed of the stage; shared by tests/test_stages.py,
tests/test_stride_stage.py and benchmarks/stride_stage_cost.py."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from gaitcore import analysis
from gaitcore._quality_kernel import GAP_DROPPED
from gaitcore.events import Event, _feed, breaks_of, drop_swing_artefacts, gap_codes, new_event_state
from gaitcore.params import Params
from gaitcore.quality import (clipped_mask, clock_check, clock_tolerance_periods, drop_duplicate_rows, finite_mask,
                              full_scale, implausible_as_missing, new_clock, repair)
from gaitcore.signals import SensorRecording
from gaitcore.stages.quality import CleanChunk, QualityConfig, new_quality_state, quality_step
from gaitcore.stages.stride import StrideConfig, StrideOutput, new_stride_state, stride_step
from gaitcore.trajectory import GYRO_FILTER_META


@dataclass(frozen=True)
class Prepared:
    fixed: SensorRecording   # duplicated rows dropped, lone bad samples repaired
    gap_tol_periods: float   # the gap detector's tolerance for these time stamps
    kind: np.ndarray         # GAP_* before each sample
    lag: np.ndarray
    clock: np.ndarray        # the gap detector's clock after the last sample
    gaps: list
    repaired: int
    repeated: np.ndarray     # rows as given dropped as repeats of the row before (quality.duplicate_rows)
    acc_fs: np.ndarray       # clip levels (quality.full_scale)
    gyr_fs: np.ndarray
    clipped: np.ndarray
    breaks: np.ndarray       # gap before the sample, or not finite


def prepare(sensor: SensorRecording) -> Prepared:
    """The quality stage's batch reference: the whole recording's quality scans at once
    (refuse what cannot be analysed, drop duplicated rows, repair lone bad samples, find
    gaps and clipping), from the batch rules of :mod:`gaitcore.quality`."""
    sensor, repeated = drop_duplicate_rows(implausible_as_missing(sensor))
    finite = analysis._check(sensor)
    tol = clock_tolerance_periods(sensor.t_s, sensor.fs_hz)
    kind, lag, clock = clock_check(sensor.t_s, new_clock(tol), sensor.fs_hz)
    fixed, gaps, repaired = repair(sensor, finite, (kind, lag))
    acc_fs, gyr_fs = full_scale(sensor)
    clipped = clipped_mask(sensor, acc_fs, gyr_fs)
    breaks = (~finite_mask(fixed) if repaired else ~finite) | breaks_of(kind, lag)
    return Prepared(fixed, tol, kind, lag, clock, gaps, repaired, repeated, acc_fs, gyr_fs, clipped, breaks)


@dataclass(frozen=True)
class Oracle:
    """What the analysis computes for one foot pod (detect_sensor's steps, fed once)."""

    prepared: Prepared
    events: list[Event]
    alignment: object
    trajectory: object        # analysis._Trajectory


def oracle(sensor: SensorRecording, params: Params = Params(), gyr_bias0_rad_s: tuple | None = None) -> Oracle:
    p = prepare(sensor)
    fixed = p.fixed
    state = new_event_state(fixed.fs_hz, analysis._known_mounting(sensor), p.gap_tol_periods, params.events)
    events, state = _feed(state, np.ascontiguousarray(fixed.t_s, dtype=np.float64),
                          np.ascontiguousarray(fixed.acc_mps2_sf, dtype=np.float64),
                          np.ascontiguousarray(fixed.gyr_dps_sf, dtype=np.float64), gap_codes(p.kind, p.lag),
                          p.clock, final=True)
    events = drop_swing_artefacts(events, fixed.gyr_dps_sf, fixed.fs_hz, params.events)
    dt_s = np.where(p.kind == GAP_DROPPED, p.lag, 0.0) + 1.0 / fixed.fs_hz
    tr = analysis._trajectory(fixed, events, p.clipped, p.breaks, dt_s, p.acc_fs, p.gyr_fs, state.alignment,
                              fixed.n_samples, gyr_bias0_rad_s, params=params)
    return Oracle(p, events, state.alignment, tr)


def clean_chunks(sensor: SensorRecording, o: Oracle, sizes: list[int]) -> list[CleanChunk]:
    """The quality stage's chunks of ``sensor`` (rows as given) fed ``sizes[k]`` rows at a
    time, cycling through ``sizes``."""
    p = o.prepared
    q = new_quality_state(QualityConfig(sensor.name, sensor.fs_hz, p.gap_tol_periods, p.acc_fs, p.gyr_fs))
    out: list[CleanChunk] = []
    a, k, n = 0, 0, sensor.n_samples
    while a < n:
        b = min(n, a + int(sizes[k % len(sizes)]))
        c, q = quality_step(q, sensor.t_s[a:b], sensor.acc_mps2_sf[a:b], sensor.gyr_dps_sf[a:b], final=(b == n))
        out.append(c)
        a, k = b, k + 1
    return out


def stride_config(sensor: SensorRecording, o: Oracle, params: Params = Params(),
                  gyr_bias0_rad_s: tuple | None = None) -> StrideConfig:
    p = o.prepared
    return StrideConfig(p.fixed.fs_hz, o.alignment, p.acc_fs, p.gyr_fs,
                        float(sensor.meta.get(GYRO_FILTER_META, 0.0)), params, gyr_bias0_rad_s)


@dataclass(frozen=True)
class Streamed:
    """The stage's outputs put together."""

    geometry: list
    pos_m: np.ndarray
    quat: np.ndarray
    path_m: np.ndarray
    calibrated: bool | None
    outputs: list[StrideOutput]


def stream(config: StrideConfig, events: list[Event], chunks: list[CleanChunk],
           delays_rows: np.ndarray | None, empty_final: bool = False) -> Streamed:
    """Feed the stage ``chunks``; event k is given once the rows fed reach its position plus
    ``delays_rows[k]`` (in order), with the horizon min(next event not given, last row fed -
    that delay); ``delays_rows`` None: every event only with the last chunk, horizon 0.
    ``empty_final``: the stream's end comes as a chunk of no rows after the last."""
    st = new_stride_state(config)
    if empty_final:
        end = chunks[-1].start + chunks[-1].n
        chunks = list(chunks) + [dataclasses.replace(chunks[-1], start=end, **{
            f: getattr(chunks[-1], f)[:0] for f in ("t_s", "acc_mps2_sf", "gyr_dps_sf", "gap_kind", "gap_lag_s",
                                                    "breaks", "clipped", "dt_s")}, gaps=(), repaired=0, repeated=0)]
    k = 0
    outs: list[StrideOutput] = []
    for i, c in enumerate(chunks):
        last_row = c.start + c.n - 1
        final = i == len(chunks) - 1
        give: list[Event] = []
        if final:
            give, k = list(events[k:]), len(events)
            horizon = float("inf")
        elif delays_rows is None:
            horizon = 0.0
        else:
            while k < len(events) and events[k].pos + delays_rows[k] <= last_row:
                give.append(events[k])
                k += 1
            d = delays_rows[min(k, len(events) - 1)] if events else 0
            horizon = min(events[k].pos if k < len(events) else np.inf, last_row - d)
        out, st = stride_step(st, c, tuple(give), horizon, final=final)
        outs.append(out)
    n = sum(c.n for c in chunks)
    pos, quat, path = np.full((n, 3), -1.0), np.full((n, 4), -1.0), np.full((n, 3), -1.0)
    geometry: list = []
    nxt = 0
    for out in outs:
        m = out.pos_m.shape[0]
        assert out.samples_start == nxt, (out.samples_start, nxt)
        assert out.quat.shape[0] == m and out.stride_path_m.shape[0] == m
        nxt += m
        pos[out.samples_start:nxt], quat[out.samples_start:nxt] = out.pos_m, out.quat
        path[out.samples_start:nxt] = out.stride_path_m
        if out.geometry:
            assert out.first_contact == len(geometry), (out.first_contact, len(geometry))
        geometry.extend(out.geometry)
    assert nxt == n, (nxt, n)
    return Streamed(geometry, pos, quat, path, outs[-1].gyro_bias_from_standing, outs)
