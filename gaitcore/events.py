"""Streaming gait-event detection for one foot sensor.

``events_step(state, chunk) -> (events, state)`` is a pure function: the state is
a frozen value and is never mutated, so the batch path is the same function fed
once and any chunking gives the same events (tests/test_streaming.py).

Stages per sample: gap check (time step > 1.5 nominal intervals, non-monotonic
time or a non-finite value resets the detector), sensor-to-foot alignment
(:mod:`gaitcore.align`, fixed after a warm-up that ends at a sample index, not at a
chunk border), then the IC/TO state machine of :mod:`gaitcore._events_kernel`.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import _events_kernel as K
from ._quality_kernel import GAP_NONE
from .align import Alignment, WarmupAttempt, impact_samples, warmup_alignment, warmup_attempt
from .params import EventParams
from .quality import GAP_FACTOR, bridged_drops, clock_check, new_clock
from .quaternion import rotation_angle_deg

WARMUP_STEP_S = 5.0    # the first attempt, and the wait after one in which no stride voted
WARMUP_MIN_WAIT_S = 0.5   # the least wait after an attempt short of strides (:func:`_warmup_wait_s`)
WARMUP_MAX_S = 60.0
WARMUP_MIN_STRIDES = 6
# A weak direction vote is overruled when the ICs start at impacts this much more often with
# the pod turned round (share of ICs; an impact from LANDING_BEFORE_S before to LANDING_AFTER_S after)
FORWARD_BY_LANDINGS = 0.5
LANDING_BEFORE_S, LANDING_AFTER_S = 0.005, 0.02
WARMUP_KEEP_S = 10.0   # no swing at all by the warm-up's end (standing): only this much is kept, and it waits on
# the swing-artefact rule's defaults (EventParams, where their evidence is), for the live display
MIN_SWING_S = EventParams().min_swing_s
LESS_STILL_BY = EventParams().less_still_by


class EventKind(enum.Enum):
    IC = "ic"
    TO = "to"


class ICMethod(enum.Enum):
    ROTATION = "rotation"   # toe-up to toe-down zero crossing (heel strike)
    IMPACT = "impact"       # jerk onset (forefoot strike)


class Event(NamedTuple):
    """One detected event (immutable; a named tuple because thousands are made per second)."""

    kind: EventKind
    pos: float          # fractional sample index of the sensor
    strength_dps: float  # swing peak (IC) or push-off peak (TO), deg/s
    ic_method: ICMethod | None


@dataclass(frozen=True)
class EventState:
    fs_hz: float
    n_seen: int
    clock: np.ndarray   # gap detector's clock (quality.clock_check)
    alignment: Alignment | None
    warmup_next: int
    pending_t: np.ndarray
    pending_acc: np.ndarray
    pending_gyr: np.ndarray
    pending_reset: np.ndarray
    kernel: np.ndarray
    params: EventParams
    kernel_params: np.ndarray   # params as the kernel reads them (kernel_params)
    warmup_dropped: int = 0   # standing samples let go during the warm-up (no swing: no event among them)


def mounting_offset_deg(acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray, fs_hz: float,
                        known: Alignment) -> float | None:
    """The rotation (deg) between a mounting given (``known``) and the one these samples
    show by the warm-up's own rule; None while they hold too few strides to tell."""
    found = warmup_alignment(acc_mps2_sf, gyr_dps_sf, fs_hz, WARMUP_MIN_STRIDES)
    return None if found is None else rotation_angle_deg(found.rot_ff_sf @ known.rot_ff_sf.T)


def kernel_params(params: EventParams) -> np.ndarray:
    """``params`` as the event kernel reads them (its ``P_*`` layout)."""
    a = np.empty(K.PARAMS_SIZE)
    a[K.P_SWING_DPS], a[K.P_SWING_ANGLE_DEG] = params.swing_dps, params.swing_angle_deg
    a[K.P_LOBE_BAND_DPS], a[K.P_PUSH_DPS] = params.lobe_band_dps, params.push_dps
    a[K.P_PEAK_FRACTION], a[K.P_TO_FRACTION] = params.peak_fraction, params.to_fraction
    a[K.P_IMPACT_JERK_MPS3], a[K.P_IMPACT_JERK_SWING_MPS3] = params.impact_jerk_mps3, params.impact_jerk_swing_mps3
    a[K.P_IMPACT_SPIKE_MPS2] = params.impact_spike_mps2
    a[K.P_MIN_CONTACT_S], a[K.P_MIN_IMPACT_AFTER_TO_S] = params.min_contact_s, params.min_impact_after_to_s
    a[K.P_CONFIRM_S], a[K.P_REJECT_DPS] = params.confirm_s, params.reject_dps
    a[K.P_LANDING_UP_MPS2], a[K.P_PULLED_DOWN_MPS2] = params.landing_up_mps2, params.pulled_down_mps2
    a[K.P_LANDING_WAIT_S], a[K.P_SLAP_DPS], a[K.P_HELD_S] = params.landing_wait_s, params.slap_dps, params.held_s
    a[K.P_PUSH_ANGLE_DEG] = params.push_angle_deg
    return a


def new_event_state(fs_hz: float, alignment: Alignment | None = None,
                    gap_tol_periods: float = GAP_FACTOR, params: EventParams = EventParams()) -> EventState:
    """Fresh detector state.  Pass ``alignment`` to skip the warm-up (known mounting),
    ``gap_tol_periods`` for time stamps known to be clean (:func:`quality.clock_tolerance_periods`),
    ``params`` for thresholds other than the defaults."""
    if not (np.isfinite(fs_hz) and fs_hz > 0):
        raise ValueError(f"sampling rate must be a positive number of Hz, got {fs_hz}")
    return EventState(float(fs_hz), 0, new_clock(gap_tol_periods), alignment, int(round(WARMUP_STEP_S * fs_hz)),
                      np.empty(0), np.empty((0, 3)), np.empty((0, 3)), np.empty(0, dtype=np.int8),
                      K.new_state(), params, kernel_params(params))


class ToeOffCandidate(NamedTuple):
    """The toe-off the detector would report for the open contact if the swing were
    proven now (see :func:`toe_off_candidate`)."""

    pos: float              # fractional sample index, as Event.pos
    lobe_s: float           # from the start of its toe-down lobe to pos
    quiet_before_s: float   # time since the IC, before that lobe began, not rotating toe-down


def toe_off_candidate(state: EventState) -> ToeOffCandidate | None:
    """The push-off the detector holds as this contact's toe-off, before the swing
    confirms it; None while a deeper toe-down lobe is still forming, or with no contact
    open.  The reported TO is this candidate unless a later toe-down lobe replaces it
    (a foot slap after a heel strike is such a lobe, and is replaced by the push-off):
    the live display shows a step early from it and revises it when they differ.  It
    reads the state only; detection does not depend on it.
    """
    s = state.kernel
    if state.alignment is None or s[K.S_MODE] != K.M_STANCE or s[K.S_LAST_KIND] != K.EV_IC:
        return None
    fs = state.fs_hz
    lobe_min, xpos = s[K.S_LOBE_MIN], s[K.S_LOBE_XPOS]
    if np.isfinite(lobe_min) and lobe_min < -state.params.push_dps:
        if xpos < 0.0:
            return None     # the lobe is still deepening: it will replace any older candidate
        if xpos - s[K.S_LAST_EV] >= state.params.min_contact_s * fs:
            return ToeOffCandidate(float(xpos), (xpos - s[K.S_LOBE_START]) / fs, s[K.S_LOBE_QUIET] / fs)
    if np.isfinite(s[K.S_CAND_VAL]):
        pos = s[K.S_CAND_POS] if s[K.S_CAND_POS] > s[K.S_LAST_EV] else s[K.S_LAST_EV] + 1e-3   # as reported
        return ToeOffCandidate(float(pos), (s[K.S_CAND_POS] - s[K.S_CAND_START]) / fs, s[K.S_CAND_QUIET] / fs)
    return None


def unconfirmed_landing(state: EventState) -> float | None:
    """The position (fractional sample index, as Event.pos) of a landing the detector has
    seen but not yet reported: a toe-down crossing it confirms, or drops (a mid-swing pitch
    reversal, a foot held in the air), or an impact it has yet to see push the foot up,
    within ``EventParams.report_delay_s``; None when it holds none.  It reads the state
    only; detection does not depend on it."""
    s = state.kernel
    if s[K.S_MODE] == K.M_PENDING:
        return float(s[K.S_PEND_POS])
    if s[K.S_MODE] == K.M_IMPACT:
        return float(s[K.S_IMP_AT])
    return None


def breaks_of(kind: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Where processing must start afresh: every gap except a drop of at most
    ``BRIDGE_S`` (a few lost radio packets), which is reported but bridged."""
    return (kind != GAP_NONE) & ~bridged_drops(kind, lag)


def gap_codes(kind: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Per sample for the event kernel: GAP_CODE_RESET where processing starts afresh
    (:func:`breaks_of`), GAP_CODE_BRIDGED after a bridged drop (the cycle goes on, but
    the acceleration's jump across the missing samples is no impact), else 0."""
    if not kind.any():      # GAP_NONE is 0: a clean stretch, the common case
        return np.zeros(kind.shape[0], dtype=np.int8)
    bridged = bridged_drops(kind, lag)
    breaks = (kind != GAP_NONE) & ~bridged     # breaks_of, with the drops already classed
    return np.where(breaks, K.GAP_CODE_RESET, np.where(bridged, K.GAP_CODE_BRIDGED, 0)).astype(np.int8)


def _run_kernel(kstate: np.ndarray, align: Alignment, acc_sf, gyr_sf, reset, fs_hz, params: np.ndarray,
                events: list):
    n = acc_sf.shape[0]
    acc_ff = np.empty((n, 3))
    p = np.empty(n)
    K.to_foot_frame(np.ascontiguousarray(acc_sf), np.ascontiguousarray(gyr_sf),
                    np.ascontiguousarray(align.rot_ff_sf), acc_ff, p)
    kind = np.empty(n + 2, dtype=np.int64)
    pos, val, aux = np.empty(n + 2), np.empty(n + 2), np.empty(n + 2)
    m = K.events_step(kstate, p, acc_ff, np.ascontiguousarray(reset), fs_hz, params, kind, pos, val, aux)
    ic, to, impact, rotation = EventKind.IC, EventKind.TO, ICMethod.IMPACT, ICMethod.ROTATION
    by_impact, ev_ic = K.IC_BY_IMPACT, K.EV_IC
    events.extend([Event(ic, x, v, impact if a == by_impact else rotation) if k == ev_ic else Event(to, x, v, None)
                   for k, x, v, a in zip(kind[:m].tolist(), pos[:m].tolist(), val[:m].tolist(), aux[:m].tolist())])


def _try_fix_alignment(state: EventState, final: bool) -> EventState:
    """Fix the alignment at warm-up boundaries reached by the pending samples.

    At the warm-up's end (``WARMUP_MAX_S``) the alignment is fixed on what there is,
    unless no swing was seen at all: an athlete standing through the first minute
    would otherwise get an arbitrary sagittal axis for the whole session.  Then the
    oldest pending samples are let go (standing: no event can be among them), the
    last ``WARMUP_KEEP_S`` kept, and the warm-up goes on.  Decided by sample counts
    only, so chunking does not change it.
    """
    while state.alignment is None:
        n = state.pending_t.shape[0]
        b = state.warmup_next
        cap = int(round(WARMUP_MAX_S * state.fs_hz))
        if n < b and not final or n == 0:
            return state        # (a stream that ended without a sample has no mounting to learn)
        use = min(n, b)
        last = b >= cap or (final and n < b)
        attempt = warmup_attempt(state.pending_acc[:use], state.pending_gyr[:use], state.fs_hz,
                                 0 if last else WARMUP_MIN_STRIDES)
        al = attempt.alignment
        if last and not (final and n < b) and al is not None and al.n_strides_used == 0 and al.quality == 0.0:
            drop = use - int(round(WARMUP_KEEP_S * state.fs_hz))     # no swing seen: standing
            state = replace(state, pending_t=state.pending_t[drop:], pending_acc=state.pending_acc[drop:],
                            pending_gyr=state.pending_gyr[drop:], pending_reset=state.pending_reset[drop:],
                            warmup_dropped=state.warmup_dropped + drop,
                            warmup_next=b - drop + int(round(WARMUP_STEP_S * state.fs_hz)))
            continue
        if al is not None and (al.n_strides_used >= WARMUP_MIN_STRIDES or last):
            if al.n_strides_used < WARMUP_MIN_STRIDES or al.quality < 1.0:
                al = _forward_by_landings(al, state.pending_acc[:use], state.pending_gyr[:use],
                                          state.pending_reset[:use], state)
            return replace(state, alignment=al)
        state = replace(state, warmup_next=b + int(round(_warmup_wait_s(attempt) * state.fs_hz)))
    return state


def _landings_at_impacts(align: Alignment, acc: np.ndarray, gyr: np.ndarray, reset: np.ndarray,
                         hits: np.ndarray, state: EventState) -> float:
    """The share of the ICs the detector finds in these samples with ``align`` that start at an
    impact (``hits``: :func:`gaitcore.align.impact_samples` at ``impact_jerk_mps3``; from 5 ms
    before to 20 ms after); NaN with fewer than three ICs."""
    events: list[Event] = []
    _run_kernel(K.new_state(), align, acc, gyr, reset, state.fs_hz, state.kernel_params, events)
    ics = np.array([e.pos for e in events if e.kind is EventKind.IC])
    if ics.size < 3:
        return np.nan
    if hits.size == 0:
        return 0.0
    k = np.searchsorted(hits, ics - LANDING_BEFORE_S * state.fs_hz)
    after = hits[np.minimum(k, hits.size - 1)]
    return float(np.mean((k < hits.size) & (after <= ics + LANDING_AFTER_S * state.fs_hz)))


def _forward_by_landings(al: Alignment, acc: np.ndarray, gyr: np.ndarray, reset: np.ndarray,
                         state: EventState) -> Alignment:
    """``al``, or the same mounting turned half round the up axis (forward and left
    reversed) when the direction vote is weak (fewer than ``WARMUP_MIN_STRIDES`` strides,
    or strides that disagree) and the landings side with the turn: the detector's ICs then
    start at impacts at least ``FORWARD_BY_LANDINGS`` more often.  Drills with no still
    stance (ankling's 80 ms rebounds) give the vote too few strides to integrate, and a
    pod read backward finds every contact in its swing, away from the impacts."""
    turned = turned_round(al)
    hits = impact_samples(acc, state.fs_hz, state.params.impact_jerk_mps3)   # (the alignment does not change them)
    now, other = (_landings_at_impacts(a, acc, gyr, reset, hits, state) for a in (al, turned))
    return turned if other >= now + FORWARD_BY_LANDINGS else al


def turned_round(al: Alignment) -> Alignment:
    """The same mounting turned half round the up axis: forward and left reversed."""
    return replace(al, rot_ff_sf=al.rot_ff_sf * np.array([[-1.0], [-1.0], [1.0]]))


def _warmup_wait_s(attempt: WarmupAttempt) -> float:
    """How long the warm-up waits after an attempt that found too few strides: as long as
    the missing ones take at the pace of those that voted (a sprint from standing is ready
    within a stride of its sixth, where a fixed 5 s schedule kept a pod waiting up to 5 s more),
    at least ``WARMUP_MIN_WAIT_S`` so that a pace misjudged short does not retry at every
    chunk, and ``WARMUP_STEP_S`` when no stride voted."""
    if attempt.n_votes == 0 or not np.isfinite(attempt.stride_s):
        return WARMUP_STEP_S
    missing = max(1, WARMUP_MIN_STRIDES - attempt.n_votes)
    return min(WARMUP_STEP_S, max(WARMUP_MIN_WAIT_S, missing * attempt.stride_s))


def events_step(state: EventState, t_s: np.ndarray, acc_mps2_sf: np.ndarray,
                gyr_dps_sf: np.ndarray, final: bool = False) -> tuple[list[Event], EventState]:
    """Feed one chunk (any length, also 0); return the events it completed.

    ``final=True`` marks the end of the stream: a detector still warming up
    then fixes its alignment on what it has.  Events refer to sample indices
    counted from the first sample ever fed.
    """
    t = np.ascontiguousarray(t_s, dtype=np.float64).reshape(-1)
    acc = np.ascontiguousarray(acc_mps2_sf, dtype=np.float64).reshape(-1, 3)
    gyr = np.ascontiguousarray(gyr_dps_sf, dtype=np.float64).reshape(-1, 3)
    if not (t.shape[0] == acc.shape[0] == gyr.shape[0]):
        raise ValueError(f"chunk arrays disagree in length: t {t.shape[0]}, acc {acc.shape[0]}, "
                         f"gyr {gyr.shape[0]}")
    kind, lag, clock = clock_check(t, state.clock, state.fs_hz)
    return _feed(state, t, acc, gyr, gap_codes(kind, lag), clock, final)


def _feed(state: EventState, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, reset: np.ndarray,
          clock: np.ndarray, final: bool) -> tuple[list[Event], EventState]:
    """:func:`events_step` once the chunk's gap check is done (``reset``: :func:`gap_codes`
    of it; ``clock``: the gap detector's clock after it).  A caller that has already
    checked the whole recording's clock (the analysis) feeds it here once."""
    kstate = state.kernel.copy()
    events: list[Event] = []
    if state.alignment is None:
        # The chunk joins the pending samples; it is copied only if the state keeps it
        # (a caller may reuse its buffers), not when the warm-up ends here.
        fresh = state.pending_t.shape[0] == 0
        state = replace(state, pending_t=t if fresh else np.concatenate([state.pending_t, t]),
                        pending_acc=acc if fresh else np.concatenate([state.pending_acc, acc]),
                        pending_gyr=gyr if fresh else np.concatenate([state.pending_gyr, gyr]),
                        pending_reset=reset if fresh else np.concatenate([state.pending_reset, reset]))
        state = _try_fix_alignment(state, final)
        if state.alignment is None:
            if fresh:   # (the pending arrays may be views of the caller's chunk, or of a part of it)
                state = replace(state, pending_t=state.pending_t.copy(), pending_acc=state.pending_acc.copy(),
                                pending_gyr=state.pending_gyr.copy())
            return events, replace(state, n_seen=state.n_seen + t.shape[0], clock=clock)
        kstate[K.S_N] = state.warmup_dropped     # positions count every sample fed
        _run_kernel(kstate, state.alignment, state.pending_acc, state.pending_gyr,
                    state.pending_reset, state.fs_hz, state.kernel_params, events)
        return events, replace(state, pending_t=np.empty(0), pending_acc=np.empty((0, 3)),
                               pending_gyr=np.empty((0, 3)), pending_reset=np.empty(0, dtype=np.int8),
                               n_seen=state.n_seen + t.shape[0], clock=clock, kernel=kstate)
    if t.shape[0]:
        _run_kernel(kstate, state.alignment, acc, gyr, reset, state.fs_hz, state.kernel_params, events)
    return events, replace(state, n_seen=state.n_seen + t.shape[0], clock=clock, kernel=kstate)


def detect_events(t_s, acc_mps2_sf, gyr_dps_sf, fs_hz: float, alignment: Alignment | None = None,
                  params: EventParams = EventParams()) -> tuple[list[Event], Alignment]:
    """Batch detection: the streaming step fed once."""
    events, state = events_step(new_event_state(fs_hz, alignment, params=params), t_s, acc_mps2_sf, gyr_dps_sf,
                                final=True)
    assert state.alignment is not None
    return events, state.alignment


def drop_swing_artefacts(events: list[Event], gyr_dps_sf: np.ndarray, fs_hz: float,
                         params: EventParams = EventParams(), first_row: int = 0) -> list[Event]:
    """Remove contacts that a too-short swing shows to be false.

    A foot takes at least ``params.min_swing_s`` to leave the ground and land again, so when
    a TO is followed by the next IC sooner, one of the two contacts around that swing
    is not a stance: mostly a late-swing rotation that mimics heel strike and push-off
    (seen in the PyShoe jogging trials, where VICON shows the foot moving at over
    0.6 m/s through such a "contact").  Of the two, the one whose stance is less
    still (higher median gyroscope norm from its IC to its TO, or at its IC alone)
    is dropped with its TO, when it is less still by a factor of ``params.less_still_by``; two
    alike stances are both kept (the hop of a skip can land 0.1 s after take-off).
    The median, not the least value: a swinging foot passes through zero rotation for
    a sample when its rotation reverses.  Thresholds from the data: the PyShoe false
    contacts' medians are 1.19-7.5 times their neighbours' (VICON labels), the
    simulator's skips 1.03-1.08 times.  Deterministic in the event list, so chunking does not
    change it.  ``gyr_dps_sf`` holds the rows from ``first_row`` on (the streaming stage,
    :mod:`gaitcore.stages.events`, keeps only the rows its undecided contacts span).
    """
    gyr = np.asarray(gyr_dps_sf, dtype=np.float64)
    n = gyr.shape[0]

    def stillness(k: int) -> float:
        a = int(np.floor(events[k].pos)) - first_row
        b = int(np.ceil(events[k + 1].pos)) - first_row if k + 1 < len(events) \
            and events[k + 1].kind is EventKind.TO else a
        w = gyr[max(0, a):min(n, b + 1)]
        return stance_stillness_dps(np.sqrt((w * w).sum(axis=1)))

    keep = [True] * len(events)
    prev_ic = None   # index of the last kept IC
    for k, ev in enumerate(events):
        if ev.kind is not EventKind.IC:
            continue
        if prev_ic is not None and prev_ic + 1 < k and events[prev_ic + 1].kind is EventKind.TO \
                and (ev.pos - events[prev_ic + 1].pos) / fs_hz < params.min_swing_s:
            which = swing_artefact(stillness(prev_ic), stillness(k), params.less_still_by)
            if which is None:
                prev_ic = k
                continue
            drop = (prev_ic, k)[which]
            keep[drop] = False
            if drop + 1 < len(events) and events[drop + 1].kind is EventKind.TO:
                keep[drop + 1] = False
            if drop == k:
                continue
        prev_ic = k
    return [ev for ev, kp in zip(events, keep) if kp]


def stance_stillness_dps(gyr_norm_dps: np.ndarray) -> float:
    """How still a stance is: the median gyroscope norm over it (deg/s; inf without a
    finite sample)."""
    seg = gyr_norm_dps[np.isfinite(gyr_norm_dps)]
    return float(np.median(seg)) if seg.size else np.inf


def swing_artefact(first_dps: float, second_dps: float, less_still_by: float = LESS_STILL_BY) -> int | None:
    """Of two contacts around a too-short swing, with these stillnesses
    (:func:`stance_stillness_dps`), the artefact: 0 the first, 1 the second, None when
    they are alike, neither less still by ``less_still_by`` (both kept).  Shared by the
    batch rule and the live display."""
    if max(first_dps, second_dps) < less_still_by * min(first_dps, second_dps):
        return None
    return 0 if first_dps > second_dps else 1
