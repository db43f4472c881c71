"""The contacts stage: one foot pod's final IC/TO events as :class:`~gaitcore.results.Contact`.

``contacts_step(state, rows, events, horizon, final) -> (ContactsOut, state)`` applies the
batch rule, :func:`gaitcore.steps.contacts_from_events`, to each IC as soon as nothing
still to come can change it: its next event is given (a TO or the next IC), the rows
three past it are (the saturation check reads two rows beyond the contact), and every
run of break rows before it is complete with the first event after it given (its
``run_start_s``).

One field waits longer: ``run_end_s`` is the start of the first stretch around a break
that ends after the IC (:func:`gaitcore.steps._runs_around`), however far later that
break comes, and ``off_s`` of a last contact standing at the end of the stream is inf
only when no break follows.  So a contact is given with ``run_end_s`` as the breaks
seen so far make it (inf without one), and each stretch found later comes as a
:class:`~gaitcore.steps.Stretch` in ``cuts``: every contact given so far whose IC lies
before the stretch's end and whose ``run_end_s`` is later than its start takes that
start (:func:`apply_cuts`).  ``no_cut_before_s`` bounds the stretches still to come: a
contact whose ``run_end_s`` is at or before it is final in every field.  Fed once with
``final`` the cuts come with the contacts, and :func:`apply_cuts` over everything given
is the batch result.

Rows arrive as the quality stage gives them (:class:`~gaitcore.stages.quality.CleanChunk`:
``t_s``, ``clipped``, ``breaks``) before or with the events that refer to them; events
are final (after :func:`gaitcore.events.drop_swing_artefacts`), in order, positions in
the cleaned stream's rows, and ``horizon`` is a row position no event still to come
lies before.  The bounds assume the cleaned stream's time stamps do not go back (the
batch rule reads a time reversal's break run with the rows' own times).

Memory: the events from the latest contact on, the rows from two before its IC, and
of the rows a standing contact spans only whether one of them broke or clipped (the
batch rule reads no more of them); of the stretches around breaks, those that can still
bound a contact to come, the older ones as one (their latest end).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..events import Event, EventKind
from ..params import Params
from ..results import Contact
from ..signals import Side, true_runs
from ..steps import Stretch, _bounds_of_runs, _stretch, contacts_with_runs
from .quality import CleanChunk

FOLD_MIN = 64     # rows of a standing contact worth folding
ROWS_AFTER = 3    # rows past a contact's last event that its saturation check reads (+1)


@dataclass(frozen=True)
class ContactsConfig:
    sensor: str
    foot: Side
    params: Params = field(default_factory=Params)


@dataclass(frozen=True)
class BreakRun:
    """A run of break rows, ``first`` .. ``last``, with the extreme finite times of the rows
    from ``first - 1`` to ``last`` (what its stretch reads of them; NaN: none finite)."""

    first: int
    last: int
    t_min_s: float
    t_max_s: float


@dataclass(frozen=True)
class Fold:
    """Rows ``first`` .. ``first + n - 1`` inside a standing contact, kept as whether one of
    them broke or clipped."""

    first: int
    n: int
    broke: bool
    clipped: bool


@dataclass(frozen=True)
class ContactsOut:
    contacts: tuple[Contact, ...]    # new, in order; final but for run_end_s (see the module docstring)
    cuts: tuple[Stretch, ...]        # stretches found now, to apply to every contact given so far
    no_cut_before_s: float           # no stretch still to come starts before this (inf: the stream ended)
    horizon_s: float                 # no contact still to come has its IC before this (inf: the stream ended)


@dataclass(frozen=True)
class ContactsState:
    config: ContactsConfig
    n_rows: int = 0
    last_t_s: float = math.nan       # the time of the last row seen
    row0: int = 0                    # the first row kept
    t_s: np.ndarray = field(default_factory=lambda: np.empty(0))   # the rows kept (the fold's left out)
    clipped: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.bool_))
    breaks: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.bool_))
    fold: Fold | None = None
    events: tuple[Event, ...] = ()   # the events kept: from the one after the latest contact's IC
    times_s: tuple[float, ...] = ()  # their times (NaN: the row after theirs not seen yet)
    prev_ic_pos: float = math.nan    # the latest IC no longer kept
    prev_ic_s: float = math.nan
    open_run: BreakRun | None = None     # a run of break rows going on at the last row seen
    runs: tuple[BreakRun, ...] = ()      # complete runs whose stretch is not known yet
    stretches: tuple[Stretch, ...] = ()  # the stretches known that can still bound a contact
    horizon: float = 0.0
    final: bool = False


def new_contacts_state(sensor: str, foot: Side, params: Params = Params()) -> ContactsState:
    return ContactsState(ContactsConfig(sensor, foot, params))


def apply_cuts(contacts: list[Contact], cuts: list[Stretch] | tuple[Stretch, ...]) -> list[Contact]:
    """``contacts`` with each of ``cuts`` applied (see the module docstring)."""
    if not cuts:
        return list(contacts)
    starts = np.array([c.start_s for c in cuts])
    ends = np.array([c.end_s for c in cuts])
    out = []
    for c in contacts:
        hit = starts[(ends > c.ic_s) & (starts < c.run_end_s)]
        if hit.size:
            c = replace(c, run_end_s=float(hit.min()))
        out.append(c)
    return out


def _run_with(run: BreakRun, t: np.ndarray) -> BreakRun:
    """``run`` with the finite times of ``t`` (more of its rows) taken in."""
    t = t[np.isfinite(t)]
    if not t.size:
        return run
    lo, hi = float(t.min()), float(t.max())
    if run.t_min_s == run.t_min_s:
        lo, hi = min(lo, run.t_min_s), max(hi, run.t_max_s)
    return BreakRun(run.first, run.last, lo, hi)


@dataclass(frozen=True)
class _Taken:
    """A chunk's rows as the stage reads them, and the runs of break rows they complete."""

    t_s: np.ndarray
    clipped: np.ndarray
    breaks: np.ndarray
    done: tuple[BreakRun, ...]
    open_run: BreakRun | None
    last_t_s: float


def _take_rows(state: ContactsState, rows: CleanChunk | None, final: bool) -> _Taken:
    """The rows given; the runs of break rows completed and the one still open."""
    if rows is None or rows.n == 0:
        t, cl, br = np.empty(0), np.empty(0, dtype=np.bool_), np.empty(0, dtype=np.bool_)
    else:
        if rows.start != state.n_rows:
            raise ValueError(f"rows from {rows.start} given where row {state.n_rows} is next")
        t = np.asarray(rows.t_s, dtype=float)
        cl = np.asarray(rows.clipped, dtype=np.bool_)
        br = np.asarray(rows.breaks, dtype=np.bool_)
    n0 = state.n_rows
    last_t = float(t[-1]) if t.shape[0] else state.last_t_s
    if state.open_run is None and not br.any():       # no break row: nothing to follow
        return _Taken(t, cl, br, (), None, last_t)
    done: list[BreakRun] = []
    open_run = state.open_run
    for a, b in true_runs(br):
        if a == 0 and open_run is not None:
            run = _run_with(BreakRun(open_run.first, n0 + b - 1, open_run.t_min_s, open_run.t_max_s), t[:b])
        else:
            before = t[a - 1:a] if a > 0 else np.array([state.last_t_s])
            run = _run_with(BreakRun(n0 + a, n0 + b - 1, math.nan, math.nan), np.r_[before, t[a:b]])
            if open_run is not None:      # the open run ended right at the chunk's start
                done.append(open_run)
                open_run = None
        if b < t.shape[0]:
            done.append(run)
        else:
            open_run = run
    if open_run is state.open_run and open_run is not None and t.shape[0] and not br[0]:
        done.append(open_run)
        open_run = None
    if final and open_run is not None:
        done.append(open_run)
        open_run = None
    return _Taken(t, cl, br, tuple(done), open_run, last_t)


def contacts_step(state: ContactsState, rows: CleanChunk | None, events: list[Event] | tuple[Event, ...],
                  horizon: float, final: bool = False) -> tuple[ContactsOut, ContactsState]:
    """Feed the next rows (any number, also none) and the next final events (see the
    module docstring); return the contacts now complete, the stretches found, and the bound
    on stretches still to come.  ``final`` marks the end of the stream (rows and events)."""
    cfg = state.config
    delay_s = cfg.params.events.report_delay_s
    taken = _take_rows(state, rows, final)
    done, open_run, last_t = taken.done, taken.open_run, taken.last_t_s
    n_rows = state.n_rows + taken.t_s.shape[0]
    t_s, clipped, brk = state.t_s, state.clipped, state.breaks
    if taken.t_s.shape[0]:
        t_s = np.concatenate([t_s, taken.t_s])
        clipped = np.concatenate([clipped, taken.clipped])
        brk = np.concatenate([brk, taken.breaks])
    row0 = state.row0
    fold = state.fold

    def explicit(r: int) -> int:              # a kept row's index in the arrays (the fold's are left out)
        return r - row0 - (fold.n if fold is not None and r >= fold.first + fold.n else 0)

    def time_at(pos: float) -> float:
        f = int(math.floor(pos))
        if f + 1 < n_rows:
            k = explicit(f)
            return float(np.interp(pos, np.array([f, f + 1], dtype=float), t_s[k:k + 2]))
        if final:
            k = explicit(f)
            return float(np.interp(pos, np.array([f], dtype=float), t_s[k:k + 1]))
        return math.nan

    evs = state.events + tuple(events)
    times = [time_at(e.pos) if t != t else t for e, t in zip(evs, state.times_s + (math.nan,) * len(events))]
    horizon = math.inf if final else max(state.horizon, float(horizon))

    # stretches: a run's stretch needs the first event after it (its end) and every event before it
    runs = state.runs + done
    known: list[Stretch] = []
    pending: list[BreakRun] = []
    if runs:
        have_prev = state.prev_ic_pos == state.prev_ic_pos
        pos_all = np.array(([state.prev_ic_pos] if have_prev else []) + [e.pos for e in evs])
        t_all = np.array(([state.prev_ic_s] if have_prev else []) + times)
        is_ic = np.array(([True] if have_prev else []) + [e.kind is EventKind.IC for e in evs], dtype=np.bool_)
    for run in runs:
        after = np.flatnonzero(pos_all > run.first - 1)
        # (an event after it given, every event before it is: the events come in order)
        end_known = (after.size and t_all[after[0]] == t_all[after[0]]) or final
        if not end_known:
            pending.append(run)
            continue
        # the batch rule on the run's rows (their extreme times stand for them) and the events
        # around it, in positions relative to the run (only their order to its rows is read)
        t_run = np.array([run.t_min_s, run.t_max_s]) if run.t_min_s == run.t_min_s else np.empty(0)
        a, b, base = (1, 2, run.first - 1) if run.first > 0 else (0, 1, 0)
        t_pad = np.r_[t_run, np.full(max(0, b + 1 - t_run.size), np.nan)]
        rel = pos_all - base
        known.append(_stretch(a, b, rel, t_all, rel[is_ic], t_all[is_ic], t_pad, delay_s))
    stretches = state.stretches + tuple(known)

    # bound on the stretches still to come (their starts are at least their rows' first time
    # less the detector's report delay; time stamps do not go back)
    bounds = [last_t - delay_s] if last_t == last_t else [-math.inf]
    for run in pending + ([open_run] if open_run is not None else []):
        bounds.append(run.t_min_s - delay_s if run.t_min_s == run.t_min_s else -math.inf)
    no_cut_before = math.inf if final else min(bounds)
    if n_rows == 0 and not final:
        no_cut_before = -math.inf

    # contacts
    out: list[Contact] = []
    k = 0
    ev_pos = [e.pos for e in evs]
    while k < len(evs):
        ev = evs[k]
        if ev.kind is not EventKind.IC:
            k += 1
            continue
        has_next = k + 1 < len(evs)
        if not (has_next or final):
            break
        last_pos = ev_pos[k + 1] if has_next else ev.pos
        if not final and n_rows < math.ceil(last_pos) + ROWS_AFTER:
            break
        if times[k] != times[k] or (has_next and times[k + 1] != times[k + 1]):
            break
        # (every run of break rows before it has its stretch known by now: the IC is an event
        # after it, given with its time)
        ic_t = np.array([times[k]])
        if stretches:
            lo, hi = _bounds_of_runs(np.array([s.start_s for s in stretches]),
                                     np.array([s.end_s for s in stretches]), ic_t)
        else:
            lo, hi = np.array([-np.inf]), np.array([np.inf])
        g0 = max(0, int(math.floor(ev.pos)) - 2)
        g1 = n_rows if final else min(n_rows, math.ceil(last_pos) + ROWS_AFTER)
        pair = list(evs[k:k + 2])
        if fold is not None and g0 <= fold.first < g1:
            w_br = np.r_[brk[explicit(g0):explicit(fold.first)], fold.broke, brk[explicit(fold.first):explicit(g1)]]
            w_cl = np.r_[clipped[explicit(g0):explicit(fold.first)], fold.clipped,
                         clipped[explicit(fold.first):explicit(g1)]]
            moved = [e._replace(pos=e.pos - g0 - (fold.n - 1 if e.pos >= fold.first else 0)) for e in pair]
        else:
            w_br = brk[explicit(g0):explicit(g1)]
            w_cl = clipped[explicit(g0):explicit(g1)]
            moved = [e._replace(pos=e.pos - g0) for e in pair]
        (c,) = contacts_with_runs(cfg.sensor, cfg.foot, moved, np.array(times[k:k + 2]), w_br.shape[0], w_cl, w_br,
                                  lo, hi, cfg.params.steps.max_contact_s)
        out.append(c)
        k += 1

    # keep the events after the latest contact's IC (a run in its stance ends at its TO), and
    # of the rows those from two before the first event kept, or before the horizon
    prev_pos, prev_t = state.prev_ic_pos, state.prev_ic_s
    first_kept = 0
    if out:
        m = max(j for j in range(k) if evs[j].kind is EventKind.IC)
        prev_pos, prev_t, first_kept = evs[m].pos, times[m], m + 1
    kept = evs[first_kept:]
    kept_t = tuple(times[first_kept:])
    need = [n_rows, math.floor(horizon) - 2 if math.isfinite(horizon) else n_rows]
    need += [math.floor(e.pos) - 2 for e, t in zip(kept, kept_t) if e.kind is EventKind.IC or t != t]
    new_row0 = max(row0, min(need))
    if fold is not None and new_row0 > fold.first:     # its contact is done: past it
        new_row0 = max(new_row0, fold.first + fold.n)
    drop = explicit(new_row0)
    if fold is not None and new_row0 >= fold.first + fold.n:
        fold = None
    if drop:
        t_s, clipped, brk = t_s[drop:], clipped[drop:], brk[drop:]
    row0 = new_row0
    # fold the rows of a contact waiting for its next event: after its IC, before the horizon
    if kept and kept[-1].kind is EventKind.IC and not final and math.isfinite(horizon):
        f0 = int(math.floor(kept[-1].pos)) + ROWS_AFTER if fold is None else fold.first + fold.n
        f1 = min(int(math.floor(horizon)), n_rows) - ROWS_AFTER
        if f1 - f0 > FOLD_MIN:
            i0 = f0 - row0 - (0 if fold is None else fold.n)
            i1 = i0 + (f1 - f0)
            broke, clip = bool(brk[i0:i1].any()), bool(clipped[i0:i1].any())
            fold = Fold(f0, f1 - f0, broke, clip) if fold is None else \
                Fold(fold.first, fold.n + f1 - f0, fold.broke or broke, fold.clipped or clip)
            t_s = np.r_[t_s[:i0], t_s[i1:]]
            clipped = np.r_[clipped[:i0], clipped[i1:]]
            brk = np.r_[brk[:i0], brk[i1:]]
    # stretches that can bound no contact still to come are dropped (their ends are before it,
    # and the latest end of those starting before it is kept as one)
    if stretches and out:
        t_last = out[-1].ic_s
        old = [s for s in stretches if s.end_s <= t_last and s.start_s < t_last]
        if len(old) > 1:
            keep = [s for s in stretches if not (s.end_s <= t_last and s.start_s < t_last)]
            stretches = (Stretch(min(s.start_s for s in old), max(s.end_s for s in old)),) + tuple(keep)
    # the earliest IC still to come: the first one kept, else at the horizon (time stamps do not go back)
    ic_next = next((p for p, e in zip(range(len(kept)), kept) if e.kind is EventKind.IC), None)
    if final:
        ic_horizon = math.inf
    else:
        at = kept[ic_next].pos if ic_next is not None else horizon
        f = int(math.floor(at))
        ic_horizon = float(t_s[explicit(f)]) if f < n_rows else last_t
        if ic_horizon != ic_horizon:
            ic_horizon = -math.inf
    return (ContactsOut(tuple(out), tuple(known), no_cut_before, ic_horizon),
            ContactsState(cfg, n_rows, last_t, row0, t_s, clipped, brk, fold, kept, kept_t, prev_pos, prev_t,
                          open_run, tuple(pending), stretches, horizon, final))
