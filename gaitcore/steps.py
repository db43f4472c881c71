"""Turn per-sensor IC/TO events into per-contact step records.

Definitions (times in s since the recording's first sample):
- contact_s: this contact's TO minus its IC.
- flight_s: the time in the air after this TO: to the next IC of either foot (the
  other foot's in running, this foot's own after a skip's hop), when the other foot
  is off the ground at this TO; null when it is on the ground (walking's double
  support; in bunny hops the foot that leaves first), or no other foot was recorded
  (or the two feet's clocks disagree, see ``build_steps``: then step_time_s and
  step_length_m are null too).
- step_time_s: from the other foot's latest IC before this one to this IC
  (null without another foot); in a landing on both feet (the other foot is in the
  air at this IC and lands before this foot leaves, within ``StepParams.together_s``,
  sooner than any foot swings: bunny hops, a two-footed stop) from this IC to the other's, so
  both feet carry the time between their landings, whichever came first (the time
  since the other foot's previous landing would give the first to land a whole hop).
- stride_time_s: from this IC to the same foot's next IC.
- step_length_m: the athlete's progress over this step: step_time_s times the mean
  speed of the other foot's stride that spans the step and this foot's stride that
  ends with it (either alone when the other is unknown).  The first is centred a
  quarter stride after the step's middle, the second a quarter before, so their mean
  holds while the athlete speeds up (either alone reads the simulated acceleration's
  first ten steps 3-4% long; on the gaitmap walk the spanning stride alone gives an MAE
  of 2.4 cm, the mean 1.7 cm).  Strides that start or end standing (a contact without a toe-off: the
  stop, a pause: still on the ground at the end or for longer than ``StepParams.max_contact_s``;
  a toe-off that is merely unknown does not count) hold no pace and are not used.
  When the other foot's spanning stride has no pace (one of them, or none known),
  the step is this foot's stride minus the other foot's step (the two steps of a
  stride add up to it), provided the other foot's contact lies within this foot's
  stride and neither step is a landing on both feet (step time under ``together_s``);
  otherwise the pace of this foot's stride alone, if it has one, or none.  At a
  stop from full speed the pace would read 1.20 m for a 2.11 m step (simulated
  sprint); on the gaitmap walk this rule gives 1.65 cm MAE against 1.71 cm for the
  pace there.  It equals
  the distance between the two feet's contacts along the path when both feet land
  at the same place relative to the body; a placement
  asymmetry between the legs does not show in it (the feet's own trajectories
  cannot be put into one frame accurately enough: tried, 20 cm error on the gaitmap
  walk, against 3 cm for this).
- cadence_spm: steps per minute over this stride, 2 * 60 / stride_time_s
  (one stride holds two steps in every gait and drill pattern, so the value does
  not jump when both feet land together, as in bunny hops).
- A step, flight or stride time whose interval spans lost samples (a gap not
  bridged, where the analysis restarts: ``breaks``) of either foot's sensor is
  null, and so are the cadence, speed and step length derived from it: a contact
  may be missing there, and the next one recorded is not the next one made.  The
  stretch counted as lost runs from a landing still unconfirmed before the gap to
  the first event after it (the detector starts afresh in stance and finds a
  landing only after a toe-off), see ``_runs_around``.
- confidence: a quality index in [0, 1] (not a probability) from the strength
  of the swing and push-off signatures, the IC method, saturation, and
  agreement of the contact time with this foot's neighbouring contacts.  A step
  that carries a stride length takes the lesser of its own and the next contact's
  (the stride ends there: on the PyShoe VICON trials, strides ending at a contact
  below 0.5 err by 7.5% MAE against 2.1% for the rest), and 0.9 of that when the
  stride was integrated across reconstructed (clipped) samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Callable, NamedTuple

import numpy as np

from . import _steps_kernel as K
from .events import Event, EventKind, ICMethod
from .params import Params, StepParams
from .reps import RepCounts, count_step_rep
from .results import Contact, Step
from .signals import Side

if TYPE_CHECKING:
    from .trajectory import StrideGeometry

# the default (StepParams, where its evidence is), for the live display and the trajectory's defaults
MAX_CONTACT_S = StepParams().max_contact_s


@dataclass(frozen=True, slots=True)
class FootContacts:
    """One foot pod's contacts with what the other pods and the trajectory give each, in
    the same order: its stride geometry (None: no trajectory) and the peak angles of the
    same side's shank and thigh pods (None: no such pod)."""

    foot: Side
    contacts: tuple[Contact, ...]
    geometry: tuple[StrideGeometry, ...] | None = None
    shank_angle_peak_deg: tuple[float | None, ...] | None = None
    thigh_angle_peak_deg: tuple[float | None, ...] | None = None


@dataclass(frozen=True, slots=True)
class Stretch:
    """The stretch around one run of break samples in which ICs may be missing (s)."""

    start_s: float
    end_s: float


def _stretch(a: int, b: int, pos: np.ndarray, times: np.ndarray, ic_pos: np.ndarray, ic_t: np.ndarray,
             t_s: np.ndarray, delay_s: float) -> Stretch:
    """The stretch around the run of break samples a..b (indices into ``t_s``; events at
    positions ``pos``, times ``times``; the ICs among them at ``ic_pos``, ``ic_t``), see
    :func:`_runs_around`."""
    t = t_s[max(0, a - 1):b + 1]
    t = t[np.isfinite(t)]
    start = -np.inf
    if a > 0 and t.size:
        start = float(t.min()) - delay_s
        j = np.searchsorted(ic_pos, a - 1, side="right") - 1      # the last IC ahead of the break
        if j >= 0:
            start = max(start, float(ic_t[j]))
    j = np.searchsorted(pos, a - 1, side="right")                 # the first event after it
    end = float(times[j]) if j < pos.size else np.inf
    if t.size:
        end = max(end, float(t.max()))
    return Stretch(start, end)


def _runs_around(ics: np.ndarray, pos: np.ndarray, times: np.ndarray, t_s: np.ndarray,
                 breaks: np.ndarray | None, delay_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Per IC (``ics``: indices into the events at sample positions ``pos``, times ``times``):
    the start and end (s) of the stretch around it in which the detector can have missed
    no IC; -inf/inf without a break (``breaks``) before/after it.  Around a run of break
    samples a..b ICs may be missing from ``delay_s`` (the detector's longest report delay,
    :attr:`EventParams.report_delay_s`) before its last sample ahead, a - 1 (a landing
    still unconfirmed there is forgotten), though not before this sensor's
    last IC, up to the first event after it (the detector starts afresh in stance and
    finds an IC only after a TO), and at least across the run's time stamps."""
    lo, hi = np.full(ics.shape, -np.inf), np.full(ics.shape, np.inf)
    if breaks is None or not breaks.any():
        return lo, hi
    k = np.flatnonzero(breaks)
    new = np.r_[True, np.diff(k) > 1]
    ic_pos, ic_t = pos[ics], times[ics]
    stretches = [_stretch(a, b, pos, times, ic_pos, ic_t, t_s, delay_s)
                 for a, b in zip(k[new].tolist(), k[np.r_[new[1:], True]].tolist())]
    return _bounds_of_runs(np.array([st.start_s for st in stretches]), np.array([st.end_s for st in stretches]),
                           ic_t)


def _bounds_of_runs(starts: np.ndarray, ends: np.ndarray, ic_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per IC time ``ic_t``: the latest end of the stretches (``starts``, ``ends``, one or
    more) starting before it, -inf without one, and the earliest start of those ending
    after it, inf without one."""
    by_start = np.argsort(starts, kind="stable")
    reach = np.maximum.accumulate(ends[by_start])        # latest end of the stretches starting before
    i = np.searchsorted(starts[by_start], ic_t, side="left") - 1
    lo = np.where(i >= 0, reach[np.maximum(i, 0)], -np.inf)
    by_end = np.argsort(ends, kind="stable")
    first = np.minimum.accumulate(starts[by_end][::-1])[::-1]   # earliest start of those ending after
    i = np.searchsorted(ends[by_end], ic_t, side="right")
    hi = np.where(i < ends.size, first[np.minimum(i, ends.size - 1)], np.inf)
    return lo, hi


def contacts_from_events(sensor: str, foot: Side, events: list[Event], t_s: np.ndarray,
                         clipped: np.ndarray, breaks: np.ndarray | None = None,
                         params: Params = Params()) -> list[Contact]:
    """Pair each IC with the first TO that follows it before the next IC and before any
    break in the signal (``breaks``: samples after a gap or not finite); a contact whose
    stance a break cuts keeps its IC and has no TO.  Each contact also gets the stretch
    around its IC in which no IC of this sensor can be missing (``run_start_s``/``run_end_s``,
    :func:`_runs_around`).  A contact longer than ``params.steps.max_contact_s`` has no
    ``to_s`` (standing), only its ``off_s``."""
    if not events:
        return []
    pos = np.array([ev.pos for ev in events])
    ics = np.flatnonzero([ev.kind is EventKind.IC for ev in events])
    times = np.interp(pos, np.arange(t_s.shape[0]), t_s)
    run_lo, run_hi = _runs_around(ics, pos, times, t_s, breaks, params.events.report_delay_s)
    return contacts_with_runs(sensor, foot, events, times, t_s.shape[0], clipped, breaks, run_lo, run_hi,
                              params.steps.max_contact_s)


def contacts_with_runs(sensor: str, foot: Side, events: list[Event], times: np.ndarray, n: int,
                       clipped: np.ndarray, breaks: np.ndarray | None, run_lo: np.ndarray, run_hi: np.ndarray,
                       max_contact_s: float) -> list[Contact]:
    """:func:`contacts_from_events` given the events' ``times`` (s), the number of samples
    ``n`` (``clipped``/``breaks`` per sample) and each IC's stretch without a missed IC
    (``run_lo``/``run_hi``, :func:`_runs_around`)."""
    pos = np.array([ev.pos for ev in events])
    is_ic = np.array([ev.kind is EventKind.IC for ev in events])
    ics = np.flatnonzero(is_ic)
    nxt = np.minimum(ics + 1, len(events) - 1)
    has_to = (ics + 1 < len(events)) & ~is_ic[nxt]
    if breaks is not None and breaks.any():
        n_breaks = np.concatenate([[0], np.cumsum(breaks)])
        first, last = stance_rows(pos[ics], pos[nxt], n)
        has_to &= n_breaks[last] == n_breaks[first]
    end = np.where(has_to, pos[nxt], pos[ics])
    lo, hi = saturation_rows(pos[ics], end, n)
    n_clipped = np.concatenate([[0], np.cumsum(clipped)])
    sat = (n_clipped[hi] > n_clipped[lo]).tolist()
    run_lo, run_hi = run_lo.tolist(), run_hi.tolist()
    ic_s = times[ics].tolist()
    off_s = np.where(has_to, times[nxt], np.nan)     # the TO ending each contact, however long it was
    if ics.size and ics[-1] + 1 == len(events) and run_hi[-1] == np.inf:
        off_s[-1] = np.inf                            # standing at the end, no break after the IC
    to_s = np.where(off_s - times[ics] <= max_contact_s, off_s, np.nan).tolist()
    off_s = off_s.tolist()
    out = []
    for k, j in enumerate(ics.tolist()):
        ev = events[j]
        to = events[j + 1] if has_to[k] else None
        out.append(Contact(sensor, foot, ic_s[k], None if to_s[k] != to_s[k] else to_s[k],
                           ev.strength_dps, to.strength_dps if to else None,
                           ev.ic_method or ICMethod.ROTATION, sat[k],
                           run_lo[k], run_hi[k], None if off_s[k] != off_s[k] else off_s[k]))
    return out


def stance_rows(ic_pos: np.ndarray, to_pos: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``[first, last)`` of ``n`` in which a break cuts a contact's stance (from
    the row after its IC to the one at or after its toe-off): such a contact has no toe-off.
    ``ic_pos``/``to_pos``: fractional row positions (Event.pos)."""
    first = np.floor(ic_pos).astype(np.int64) + 1
    last = np.minimum(n, np.ceil(to_pos).astype(np.int64) + 1)
    return first, np.maximum(last, first)


def saturation_rows(ic_pos: np.ndarray, end_pos: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``[lo, hi)`` of ``n`` whose clipping makes a contact ``saturated``: its
    stance from its IC to ``end_pos`` (its toe-off; its IC without one), two rows before
    and two after."""
    lo = np.maximum(0, np.asarray(ic_pos).astype(np.int64) - 2)
    hi = np.minimum(n, np.ceil(end_pos).astype(np.int64) + 3)
    return lo, hi


class _Draft(NamedTuple):
    """A step before its step length is known: what :func:`_step_lengths` reads, and the
    step made with the length (a named tuple: one per contact, built by the thousand)."""

    foot_id: int          # the foot's index among build_steps' feet; -1: a foot of unknown side
    foot_name: str        # (the order of steps with one IC: by the foot's name)
    ic_s: float
    step_time_s: float | None
    stride_length_m: float | None
    speed_mps: float | None
    standing: bool        # the contact is standing, not a step's stance
    make: Callable[..., Step]   # the Step, given its step_length_m


def build_steps(feet: list[FootContacts], pair_feet: bool = True,
                params: StepParams = StepParams()) -> tuple[Step, ...]:
    """Per-contact step records of the output contract, sorted by ``ic_s`` (one
    :class:`FootContacts` per foot).  With ``pair_feet`` False (the feet's clocks disagree:
    :mod:`gaitcore.feet_clock`) each foot is measured alone: no flight time, step time or
    step length.  Each step's figures but its step length come from its own foot
    (:class:`_Draft`); the step lengths need both feet's steps in time order
    (:func:`_step_lengths`), and then the steps are made."""
    if len({fc.foot for fc in feet}) != len(feet):
        raise ValueError("build_steps takes one FootContacts per foot")
    drafts: list[_Draft] = []
    for foot_id, fc in enumerate(feet):
        if not fc.contacts:
            continue
        drafts += foot_drafts(foot_id, fc, other_contacts(feet, fc.foot, pair_feet), params)
    drafts.sort(key=lambda d: (d.ic_s, d.foot_name))
    count, reps = RepCounts(params, pair_feet), []
    for d in drafts:
        r, count = count_step_rep(count, d.foot_id, d.ic_s, d.standing)
        reps.append(r)
    return tuple(d.make(step_length_m=v, rep=r) for d, v, r in zip(drafts, _step_lengths(drafts, params.together_s),
                                                                   reps))


def other_contacts(feet: list[FootContacts], foot: Side, pair_feet: bool) -> list[Contact]:
    """The contacts ``foot``'s steps are timed against, sorted by IC: the other known
    foot's (none with ``pair_feet`` False or for a foot of unknown side)."""
    paired = pair_feet and foot is not Side.UNKNOWN
    return sorted((c for o in feet if paired and o.foot is not foot and o.foot is not Side.UNKNOWN
                   for c in o.contacts), key=lambda c: c.ic_s)


def foot_drafts(foot_id: int, fc: FootContacts, other: list[Contact], params: StepParams) -> list[_Draft]:
    """The drafts of one foot's steps (``fc``, the ``foot_id``-th of build_steps' feet, with
    at least one contact), in IC order, timed against ``other`` (:func:`other_contacts`)."""
    nan = float("nan")
    order = sorted(range(len(fc.contacts)), key=lambda i: fc.contacts[i].ic_s)
    cs = [fc.contacts[i] for i in order]
    ic = np.array([c.ic_s for c in cs])
    to = np.array([nan if c.to_s is None else c.to_s for c in cs])
    m = _foot_metrics(cs, ic, to, other, params)
    cols = np.column_stack([np.round(np.column_stack([ic, to, m[:, K.C_CONTACT], m[:, K.C_FLIGHT],
                                                      m[:, K.C_STEP], m[:, K.C_STRIDE]]), 4),
                            np.round(m[:, K.C_CADENCE], 2)])
    rows = np.where(np.isnan(cols), None, cols).tolist() if cols.size else []
    conf = np.round(m[:, K.C_CONF], 3).tolist()
    stride = m[:, K.C_STRIDE].tolist()
    geometry = [None] * len(cs) if fc.geometry is None else [fc.geometry[i] for i in order]
    shank = [None] * len(cs) if fc.shank_angle_peak_deg is None else [fc.shank_angle_peak_deg[i] for i in order]
    thigh = [None] * len(cs) if fc.thigh_angle_peak_deg is None else [fc.thigh_angle_peak_deg[i] for i in order]
    known = -1 if fc.foot is Side.UNKNOWN else foot_id
    name = fc.foot.value
    drafts = []
    for i, (c, row, cf, st, g) in enumerate(zip(cs, rows, conf, stride, geometry)):
        # a displacement with no stride time (the next contact came after a pause, or a
        # contact may be missing in a gap) is no stride
        length = g.stride_length_m if g is not None and st == st else None
        if length is not None and i + 1 < len(conf):
            cf = min(cf, conf[i + 1])     # the stride ends at the next contact
        speed = round(length / st, 3) if length is not None and st > 0 else None
        make = partial(
            Step, foot=fc.foot, ic_s=row[0], to_s=row[1], contact_s=row[2], flight_s=row[3], step_time_s=row[4],
            stride_time_s=row[5], cadence_spm=row[6], stride_length_m=length, speed_mps=speed,
            peak_height_m=None if g is None else g.peak_height_m,
            strike_angle_deg=None if g is None else g.strike_angle_deg,
            # no angle for a toe-off the step does not report (after a contact longer
            # than max_contact_s: standing, not a step's stance)
            toe_off_angle_deg=None if g is None or row[1] is None else g.toe_off_angle_deg,
            lateral_excursion_m=None if g is None else g.lateral_excursion_m,
            turning_angle_deg=None if g is None else g.turning_angle_deg,
            position_m=None if g is None else g.position_m,
            shank_angle_peak_deg=shank[i], thigh_angle_peak_deg=thigh[i], saturated=c.saturated,
            confidence=round(cf * params.reconstructed_factor, 3) if g is not None and g.reconstructed else cf)
        drafts.append(_Draft(known, name, row[0], row[4], length, speed, standing(c, params), make))
    return drafts


def push_offs_from_standing(contacts: list[Contact], events: list[Event], t_s: np.ndarray,
                            breaks: np.ndarray | None, params: StepParams = StepParams()) -> list[float]:
    """The toe-offs (s) with which one foot leaves standing: each standing contact's
    ``off_s`` (:func:`standing`), and the first event of a recording that begins standing
    (a toe-off before any landing, with no break before it: the detector starts in
    stance; after a break it restarts in stance anywhere, so a toe-off there is none)."""
    out = [c.off_s for c in contacts if standing(c, params) and c.off_s is not None and np.isfinite(c.off_s)]
    if events and events[0].kind is EventKind.TO:
        row = int(np.ceil(events[0].pos))
        if breaks is None or not breaks[:row + 1].any():
            out.append(float(np.interp(events[0].pos, np.arange(t_s.shape[0]), t_s)))
    return sorted(out)


def standing(c: Contact, params: StepParams) -> bool:
    """Whether contact ``c`` is standing, not a step's stance (longer than ``max_contact_s``)."""
    return c.off_s is not None and c.off_s - c.ic_s > params.max_contact_s


def _foot_metrics(cs: list[Contact], ic: np.ndarray, to: np.ndarray, other: list[Contact],
                  params: StepParams) -> np.ndarray:
    """The timing kernel's columns (``_steps_kernel.C_*``) for one foot's contacts ``cs``
    (sorted by IC; ``ic``/``to`` their ICs and TOs, NaN: none) against the other foot's
    ``other`` (sorted; empty: unpaired)."""
    nan = float("nan")
    m = np.empty((len(cs), K.N_COLS))
    K.foot_metrics(ic, to, np.array([nan if c.off_s is None else c.off_s for c in cs], dtype=float),
                   np.array([c.run_start_s for c in cs], dtype=float),
                   np.array([c.run_end_s for c in cs], dtype=float),
                   np.array([c.ic_s for c in other], dtype=float),
                   np.array([nan if c.off_s is None else c.off_s for c in other], dtype=float),
                   np.array([c.run_start_s for c in other], dtype=float),
                   np.array([c.run_end_s for c in other], dtype=float),
                   np.array([c.swing_peak_dps for c in cs], dtype=float),
                   np.array([nan if c.push_peak_dps is None else c.push_peak_dps for c in cs], dtype=float),
                   np.array([c.ic_method is ICMethod.IMPACT for c in cs], dtype=np.bool_),
                   np.array([c.saturated for c in cs], dtype=np.bool_), params.max_stride_s, params.together_s,
                   params.strong_swing_dps, params.strong_push_dps, m)
    return m


@dataclass(frozen=True, slots=True)
class StepTiming:
    """One contact's times by the steps rule (s; NaN: unknown), unrounded: the columns of
    the timing kernel that the step's fields round (see the module docstring)."""

    contact_s: float
    flight_s: float             # after this contact's toe-off
    step_time_s: float
    stride_time_s: float        # from this IC to the same foot's next
    cadence_spm: float          # 2 steps per that stride


def foot_timing(contacts: list[Contact], other: list[Contact],
                params: StepParams = StepParams()) -> tuple[StepTiming, ...]:
    """The timing of each of ``contacts`` (one foot's, sorted by IC) against ``other``
    (the other foot's, sorted by IC; empty: unpaired), by the rule the steps are made
    with (:func:`foot_drafts`, the kernel ``_steps_kernel.foot_metrics``).  Each figure
    reads only the contacts around its own, so a caller holding the contacts known so
    far (the live display) gets the figures the analysis gives once those are all."""
    if not contacts:
        return ()
    nan = float("nan")
    ic = np.array([c.ic_s for c in contacts], dtype=float)
    to = np.array([nan if c.to_s is None else c.to_s for c in contacts], dtype=float)
    m = _foot_metrics(contacts, ic, to, other, params)
    return tuple(StepTiming(*row) for row in m[:, [K.C_CONTACT, K.C_FLIGHT, K.C_STEP, K.C_STRIDE,
                                                    K.C_CADENCE]].tolist())


def _step_lengths(steps: list[_Draft], together_s: float) -> list[float | None]:
    """``step_length_m`` of each of ``steps`` (sorted by IC; see the module docstring)."""
    following = [-1] * len(steps)     # the same foot's next step
    last_of: dict[int, int] = {}
    for k, s in enumerate(steps):
        if s.foot_id in last_of:
            following[last_of[s.foot_id]] = k
        last_of[s.foot_id] = k

    def pace(k: int | None) -> float | None:
        if k is None:
            return None
        return pace_mps(steps[k], None if following[k] < 0 else steps[following[k]].standing)

    lengths: list[float | None] = []
    latest: dict[int, int] = {}    # each foot's latest step (in the order the feet first appear)
    for k, s in enumerate(steps):
        other = other_step(latest, s)
        length = None
        if other is not None:
            mine = latest.get(s.foot_id)
            length = step_length(s, None if mine is None else steps[mine], steps[other], lengths[other],
                                 pace(mine), pace(other), together_s)
        lengths.append(length)
        latest[s.foot_id] = k
    return lengths


def other_step(latest: dict, s: _Draft):
    """Of ``latest`` (each foot's latest step before ``s``, by foot id, in the order the feet
    first appear), the other foot's one ``s``'s step length is measured against: None
    without a step time or for a foot of unknown side."""
    other = None
    if s.step_time_s is not None and s.foot_id >= 0:
        for f, o in latest.items():
            if f != s.foot_id:
                other = o
    return other


def pace_mps(step: _Draft, following_standing: bool | None) -> float | None:
    """The speed of the stride from ``step``, unless it starts or ends standing
    (``following_standing``: whether the same foot's next step is standing; None: there is none)."""
    if step.standing or following_standing is None or following_standing:
        return None
    return step.speed_mps


def step_length(s: _Draft, mine: _Draft | None, theirs: _Draft, theirs_length: float | None,
                my_pace: float | None, their_pace: float | None, together_s: float) -> float | None:
    """``step_length_m`` of step ``s`` (see the module docstring), given this foot's latest
    step before it (``mine``, None: none; ``my_pace``: :func:`pace_mps` of it) and the other
    foot's (``theirs`` with its step length, and its pace)."""
    if their_pace is None and theirs.step_time_s is not None and theirs_length is not None \
            and mine is not None and mine.stride_length_m is not None \
            and mine.ic_s < theirs.ic_s and min(theirs.step_time_s, s.step_time_s) >= together_s:
        # the other foot's stride across this step starts or ends standing (a stop, a
        # pause): it holds no pace, but the two steps of this foot's stride add up to it
        # (not across a landing on both feet, whose step is the few ms between them)
        return round(mine.stride_length_m - theirs_length, 3)
    speeds = [v for v in (their_pace, my_pace) if v is not None]
    if speeds:
        return round(sum(speeds) / len(speeds) * s.step_time_s, 3)
    return None
