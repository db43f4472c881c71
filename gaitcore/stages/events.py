"""The events stage: one foot pod's cleaned rows in, its final IC and TO events out.

The detector (:func:`gaitcore.events.events_step`, its warm-up and state machine) reports
events some time after they happened: an IC once confirmed, a TO once the swing proves
it.  The swing-artefact rule (:func:`gaitcore.events.drop_swing_artefacts`) then decides,
at each IC after a swing too short to be one, which of the two contacts around it is no
stance; a decision needs both contacts' stances, so an event is final only once no later
IC can drop it.  The rule scans the events in order keeping the last kept IC; the stage
keeps the events from that IC on (the *window*) and the gyroscope rows they span,
re-runs the rule over them as events come, and lets out the events before it.  So the
events let out over a stream, cut anywhere, are the ones the rule keeps over the whole
recording (tests/test_stages.py).

Each output also gives a ``horizon``: a row position no event still to come lies before,
which is what lets the later stages (contacts, the stride's zero-velocity updates) finish
the stretches behind it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..align import Alignment
from ..events import Event, EventKind, EventState, _feed, drop_swing_artefacts, gap_codes, new_event_state
from ..params import EventParams
from .quality import CleanChunk


@dataclass(frozen=True)
class FinalEvents:
    """Events no later data changes, in order, and the horizon: every event still to come
    lies at or after it (a row position of the cleaned stream; inf at the end)."""

    events: tuple[Event, ...]
    horizon: float
    reported: tuple[Event, ...] = ()   # what the detector reported in this step, before the rule: the live
    #                                    display shows a contact from these before it is final
    dropped: tuple[Event, ...] = ()    # reported events the rule has dropped for good (swing artefacts)


@dataclass(frozen=True)
class EventStageState:
    detector: EventState
    window: tuple[Event, ...] = ()   # reported, not yet final: from the last kept IC the rule may still drop
    rows_from: int = 0               # the first row of ``gyr_parts``
    gyr_parts: tuple[np.ndarray, ...] = ()   # gyroscope rows from rows_from on, as fed
    last_pos: float | None = None    # the last event the detector reported
    n_rows: int = 0


def new_event_stage(fs_hz: float, alignment: Alignment | None, gap_tol_periods: float,
                    params: EventParams = EventParams()) -> EventStageState:
    """A fresh stage: ``alignment`` known (a mounting given) or None (the detector's
    warm-up learns it); ``gap_tol_periods`` as the quality stage's."""
    return EventStageState(new_event_state(fs_hz, alignment, gap_tol_periods, params))


def events_stage_step(state: EventStageState, chunk: CleanChunk,
                      final: bool = False) -> tuple[FinalEvents, EventStageState]:
    """Feed the next cleaned rows; return the events now final."""
    if chunk.start != state.n_rows:
        raise ValueError(f"rows {chunk.start}.. fed where row {state.n_rows} comes next")
    det = state.detector
    reported, det = _feed(det, chunk.t_s, chunk.acc_mps2_sf, chunk.gyr_dps_sf,
                          gap_codes(chunk.gap_kind, chunk.gap_lag_s), det.clock, final)
    n_rows = state.n_rows + chunk.n
    parts = state.gyr_parts + ((chunk.gyr_dps_sf,) if chunk.n else ())
    last_pos = reported[-1].pos if reported else state.last_pos
    state = replace(state, detector=det, gyr_parts=parts, last_pos=last_pos, n_rows=n_rows)
    if not reported and not (final and state.window):
        # nothing new to decide on: the window and its decisions stand
        if final:
            return FinalEvents((), np.inf), state
        if state.window or last_pos is not None:
            return FinalEvents((), state.window[0].pos if state.window else last_pos), state
        if det.warmup_dropped == state.rows_from:
            return FinalEvents((), float(det.warmup_dropped)), state
        return FinalEvents((), float(det.warmup_dropped)), \
            replace(state, rows_from=det.warmup_dropped, gyr_parts=_rows_from(parts, state.rows_from,
                                                                               det.warmup_dropped))
    window = state.window + tuple(reported)
    gyr = np.concatenate(parts) if len(parts) > 1 else parts[0]
    kept = drop_swing_artefacts(list(window), gyr, det.fs_hz, det.params, state.rows_from)
    kept_ids = {id(ev) for ev in kept}
    if final:
        return FinalEvents(tuple(kept), np.inf, tuple(reported), tuple(ev for ev in window if id(ev) not in kept_ids)), \
            replace(state, window=(), gyr_parts=(), rows_from=n_rows)
    # The rule decides at an IC after a swing too short to be one (from the last kept IC's
    # TO) between the two contacts, from both stances.  Every decision is final but one at
    # the last event, an IC whose own stance is not known yet (nothing reported after it).
    # The events the rule dropped for good leave the window (the rule then runs on what is
    # left as it ran on the whole: a dropped IC and its TO are passed over).
    pending = _pending_decision(window, gyr, det, state.rows_from)
    undecided = set() if pending is None else {id(ev) for ev in window[pending:]}
    dropped = tuple(ev for ev in window if id(ev) not in kept_ids and id(ev) not in undecided)
    if dropped:
        gone = {id(ev) for ev in dropped}
        window = tuple(ev for ev in window if id(ev) not in gone)
        pending = None if pending is None else next(j for j, ev in enumerate(window) if id(ev) in undecided)
    # the window keeps what a later IC may still drop: from the IC of a pending decision,
    # else from the last kept IC (later ICs are compared with it)
    anchor = pending if pending is not None else next(
        (j for j in range(len(window) - 1, -1, -1) if window[j].kind is EventKind.IC), None)
    if anchor is None:
        anchor = len(window)
    done = window[:anchor]
    window = window[anchor:]
    # every event still to come lies after the last reported one
    horizon = window[0].pos if window else last_pos
    rows_from = max(state.rows_from, int(np.floor(horizon)))
    return FinalEvents(done, horizon, tuple(reported), dropped), \
        replace(state, window=window, rows_from=rows_from, gyr_parts=_rows_from((gyr,), state.rows_from, rows_from))


def _pending_decision(window: tuple[Event, ...], gyr: np.ndarray, det: EventState, rows_from: int) -> int | None:
    """Where the rule's one undecided comparison starts: when the window's last event is an
    IC after a swing too short from the last kept IC's TO, the index of that kept IC (its
    fate and the new one's wait for the new one's stance); else None."""
    if len(window) < 3 or window[-1].kind is not EventKind.IC:
        return None
    before = drop_swing_artefacts(list(window[:-1]), gyr, det.fs_hz, det.params, rows_from)
    p = next((before[j] for j in range(len(before) - 1, -1, -1) if before[j].kind is EventKind.IC), None)
    if p is None:
        return None
    j = window.index(p)       # (the rule reads the event after it in the list as given)
    if j + 2 >= len(window) or window[j + 1].kind is not EventKind.TO \
            or (window[-1].pos - window[j + 1].pos) / det.fs_hz >= det.params.min_swing_s:
        return None
    return j


def _rows_from(parts: tuple[np.ndarray, ...], first: int, keep_from: int) -> tuple[np.ndarray, ...]:
    """``parts`` (rows from ``first`` on) without the rows before ``keep_from``."""
    out, row = [], first
    for p in parts:
        end = row + p.shape[0]
        if end > keep_from:
            out.append(p[max(0, keep_from - row):])
        row = end
    return tuple(out)
