"""The steps stage: the feet's contacts (and stride geometry) as :class:`~gaitcore.results.Step`.

``steps_step(state, feeds, final) -> (steps, state)`` gives each step once nothing still
to come can change it, in :func:`gaitcore.steps.build_steps`' order; over the stream they
are ``build_steps``' steps.  The batch rules are applied as they are: each step's draft
by :func:`gaitcore.steps.foot_drafts` over its foot's contacts around it and the other
foot's (a trailing window), its step length by :func:`gaitcore.steps.step_length` in
the steps' order.  Shank and thigh peaks stay None here: the analysis computes them
over the whole recording.

When a step's figures are final (from the timing kernel, ``_steps_kernel.foot_metrics``,
and ``build_steps``):

- ic_s, to_s, contact_s, saturated: with its contact (the contacts stage gives a contact
  at its toe-off).
- stride_time_s, cadence_spm: with this foot's next contact (given at its toe-off: for a
  contact before a standing one, at the next rep).
- flight_s, step_time_s: with the other foot's first contact after this toe-off (or its
  horizon a stride past it) and this foot's next contact.
- stride_length_m, speed_mps and the trajectory's figures: with the contact's stride
  geometry and the stride time.
- confidence: with this foot's next three contacts (the contact time's agreement with
  its neighbours, three on either side), four with a stride length (the stride's
  confidence is the lesser of this contact's and the next one's).  Before a standing
  stop these are the next rep's first contacts.
- step_length_m: with the other foot's latest step before this one and the contact
  after that (whether its stride holds a pace), in the steps' order.

A draft is made once all of those it reads are given (:func:`_ready`); the steps go out
in order once no foot can still give one before them.  Where a foot gives no contact for
a long time, its ``horizon_s`` (no contact still to come has an IC before it) decides
what its next contact could change.  A contact's ``run_end_s`` may still be lowered by a
stretch around a break found later (:mod:`gaitcore.stages.contacts`, ``cuts``); a draft
waits until every comparison of it is decided (``no_cut_before_s``).

:func:`provisional_steps` gives the steps not final yet as they would be if the stream
ended now.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..params import StepParams
from ..reps import RepCounts, count_step_rep
from ..results import Contact, Step
from ..signals import Side
from ..steps import FootContacts, Stretch, _Draft, foot_drafts, other_step, pace_mps, standing, step_length
from ..trajectory import StrideGeometry

MARGIN_S = 0.001    # beyond the 0.1 ms the steps' order rounds IC times to


@dataclass(frozen=True)
class ContactGeometry:
    """The stride geometry of one contact: its ``index`` among its foot's contacts."""

    index: int
    geometry: StrideGeometry


@dataclass(frozen=True)
class FootFeed:
    """What one foot gives in one call: its next contacts (in order), stretches that lower
    the ``run_end_s`` of contacts given before (:func:`gaitcore.stages.contacts.apply_cuts`),
    the bound on stretches still to come, stride geometry for its contacts, and the time
    no contact still to come has its IC before.  Contacts given final: no cuts, inf."""

    contacts: tuple[Contact, ...] = ()
    cuts: tuple[Stretch, ...] = ()
    no_cut_before_s: float = math.inf
    geometry: tuple[ContactGeometry, ...] = ()
    horizon_s: float = -math.inf


@dataclass(frozen=True)
class StepsConfig:
    feet: tuple[Side, ...]           # one per foot pod, as build_steps takes them
    pair_feet: bool = True
    params: StepParams = field(default_factory=StepParams)
    geometry: bool = False           # stride geometry will come for every contact (trajectory on)


@dataclass(frozen=True)
class _Queued:
    """A draft made, waiting for its turn in the steps' order."""

    index: int        # its contact's index among its foot's
    draft: _Draft


@dataclass(frozen=True)
class _Foot:
    base: int = 0                                   # the index of contacts[0] among the foot's
    contacts: tuple[Contact, ...] = ()
    geometry: tuple[StrideGeometry | None, ...] = ()   # per contact kept; None: not given yet
    n_drafted: int = 0
    queue: tuple[_Queued, ...] = ()
    horizon_s: float = -math.inf
    no_cut_before_s: float = -math.inf
    final: bool = False

    @property
    def n_given(self) -> int:
        return self.base + len(self.contacts)

    def contact(self, i: int) -> Contact:
        return self.contacts[i - self.base]


@dataclass(frozen=True)
class _Latest:
    """A foot's latest step out, as :func:`gaitcore.steps._step_lengths` reads it."""

    foot: int          # its foot's index in the config
    index: int         # its contact's index among the foot's
    draft: _Draft
    length_m: float | None


@dataclass(frozen=True)
class StepsState:
    config: StepsConfig
    feet: tuple[_Foot, ...]
    latest: tuple[_Latest, ...] = ()   # per foot id, in the order the feet's first steps came
    reps: RepCounts = field(default_factory=RepCounts)   # the rep rule over the steps out


@dataclass(frozen=True)
class ProvisionalStep:
    """A step as it would be if the stream ended now: the fields in ``final_fields`` are
    final, the others may still change (step_length_m is final only when the step is out)."""

    step: Step
    final_fields: frozenset[str]


def new_steps_state(config: StepsConfig) -> StepsState:
    if len(set(config.feet)) != len(config.feet):
        raise ValueError("the steps stage takes one foot pod per foot")
    return StepsState(config, tuple(_Foot() for _ in config.feet), (), RepCounts(config.params, config.pair_feet))


@functools.lru_cache(maxsize=64)
def _others(cfg: StepsConfig, a: int) -> tuple[int, ...]:
    """The feet foot ``a``'s steps are timed against (as :func:`gaitcore.steps.other_contacts`)."""
    side = cfg.feet[a]
    if not cfg.pair_feet or side is Side.UNKNOWN:
        return ()
    return tuple(b for b, s in enumerate(cfg.feet) if s is not side and s is not Side.UNKNOWN)


# a step's fields by what makes them final (see the module docstring)
CONTACT_FIELDS = frozenset({"foot", "ic_s", "to_s", "contact_s", "saturated", "shank_angle_peak_deg",
                            "thigh_angle_peak_deg"})
STRIDE_FIELDS = frozenset({"stride_time_s", "cadence_spm"})
PAIR_FIELDS = frozenset({"flight_s", "step_time_s"})
GEOMETRY_FIELDS = frozenset({"peak_height_m", "strike_angle_deg", "toe_off_angle_deg", "lateral_excursion_m",
                             "turning_angle_deg", "position_m"})
PACE_FIELDS = frozenset({"stride_length_m", "speed_mps"})
DRAFT_FIELDS = CONTACT_FIELDS | STRIDE_FIELDS | PAIR_FIELDS | GEOMETRY_FIELDS | PACE_FIELDS | {"confidence"}


def _final_fields(cfg: StepsConfig, feet: tuple[_Foot, ...], a: int, k: int) -> frozenset[str]:
    """The fields of the step of contact ``k`` of foot ``a`` that nothing still to come can
    change (all but step_length_m: its draft can be made; see the module docstring)."""
    fa = feet[a]
    if k >= fa.n_given:
        return frozenset()
    p = cfg.params
    c = fa.contact(k)
    has_next = k + 1 < fa.n_given
    # the stride: this foot's next contact.  A stretch still to come cannot change it: one
    # that ends after this IC and starts before the next gives the next contact its
    # run_start_s past this IC, and that contact came with it (same sensor, same stretches)
    stride = fa.final or has_next
    # flight and step time: also the other foot's first contact after this toe-off
    t_k = c.ic_s if c.to_s is None else max(c.ic_s, c.to_s)
    reach = max(t_k, fa.contact(k + 1).ic_s) if has_next else t_k
    pair = has_next or fa.final
    for b in _others(cfg, a):
        fb = feet[b]
        if fb.final or not pair:
            continue
        later = [o.ic_s for o in fb.contacts if o.ic_s > t_k + MARGIN_S]
        if later:
            reach = max(reach, later[0])
            continue
        # none given yet: decided when none can come within a stride (or a landing on both feet)
        before = any(o.ic_s <= t_k for o in fb.contacts) or fb.base > 0
        if not (before and fb.horizon_s > t_k + max(p.max_stride_s, p.together_s) + MARGIN_S):
            pair = False
    for f in (a,) + _others(cfg, a):
        if not feet[f].final and feet[f].no_cut_before_s < reach:
            pair = False
    geometry = not cfg.geometry or fa.final or fa.geometry[k - fa.base] is not None
    out = set(CONTACT_FIELDS)
    if stride:
        out |= STRIDE_FIELDS
    if pair:
        out |= PAIR_FIELDS
    if geometry:
        out |= GEOMETRY_FIELDS
    if geometry and stride:
        out |= PACE_FIELDS
    if stride and pair and geometry and _neighbours_given(cfg, fa, k):
        out.add("confidence")
    return frozenset(out)


def _neighbours_given(cfg: StepsConfig, f: _Foot, k: int) -> bool:
    """Whether the contacts contact ``k``'s confidence reads are given: the contact times of
    this foot's next three, and with a stride length the next contact's confidence (its
    next three)."""
    return f.final or f.n_given >= k + 1 + (4 if cfg.geometry else 3)


def _ready(cfg: StepsConfig, feet: tuple[_Foot, ...], a: int, k: int) -> bool:
    """Whether contact ``k`` of foot ``a`` has all its draft reads (the neighbours first: the
    cheapest, and the last to come)."""
    return _neighbours_given(cfg, feet[a], k) and "confidence" in _final_fields(cfg, feet, a, k)


def _drafts(cfg: StepsConfig, feet: tuple[_Foot, ...], a: int, k0: int, k1: int) -> list[_Draft]:
    """The drafts of foot ``a``'s contacts ``k0`` .. ``k1 - 1``: the batch rule over its
    contacts from three before and the other feet's from the last before those."""
    fa = feet[a]
    w0 = max(fa.base, k0 - 3)
    cs = fa.contacts[w0 - fa.base:]
    geo = fa.geometry[w0 - fa.base:] if cfg.geometry else None
    ic0 = fa.contact(w0).ic_s
    other: list[Contact] = []
    for b in _others(cfg, a):
        fb = feet[b]
        ics = [o.ic_s for o in fb.contacts]
        j = max(0, int(np.searchsorted(ics, ic0, side="left")) - 1)
        other += fb.contacts[j:]
    other.sort(key=lambda c: c.ic_s)
    drafts = foot_drafts(a, FootContacts(cfg.feet[a], tuple(cs), geo), other, cfg.params)
    return drafts[k0 - w0:k1 - w0]


def _key(d: _Draft) -> tuple[float, str]:
    return d.ic_s, d.foot_name


def _next_key(cfg: StepsConfig, f: _Foot, side: Side) -> tuple[float, str] | None:
    """The least key a step of foot ``f`` not out yet can have; None: it has none to come."""
    if f.queue:
        return _key(f.queue[0].draft)
    if f.n_drafted < f.n_given:
        return float(np.round(f.contact(f.n_drafted).ic_s, 4)), side.value
    if f.final:
        return None
    return float(np.round(f.horizon_s, 4)) if math.isfinite(f.horizon_s) else -math.inf, side.value


def _take(f: _Foot, feed: FootFeed, final: bool) -> _Foot:
    if not (feed.contacts or feed.cuts or feed.geometry or final or f.final) \
            and feed.no_cut_before_s == f.no_cut_before_s and feed.horizon_s <= f.horizon_s:
        return f
    contacts = f.contacts + tuple(feed.contacts)
    if feed.cuts:
        starts = np.array([c.start_s for c in feed.cuts])
        ends = np.array([c.end_s for c in feed.cuts])
        cut = []
        for c in contacts:
            hit = starts[(ends > c.ic_s) & (starts < c.run_end_s)]
            cut.append(replace(c, run_end_s=float(hit.min())) if hit.size else c)
        contacts = tuple(cut)
    geometry = list(f.geometry) + [None] * len(feed.contacts)
    for g in feed.geometry:
        if g.index >= f.base + len(contacts):
            raise ValueError(f"stride geometry for contact {g.index} given before the contact")
        if g.index >= f.base:
            geometry[g.index - f.base] = g.geometry
    return _Foot(f.base, contacts, tuple(geometry), f.n_drafted, f.queue, max(f.horizon_s, feed.horizon_s),
                 feed.no_cut_before_s, final)


def _trim(cfg: StepsConfig, feet: tuple[_Foot, ...], latest: tuple[_Latest, ...]) -> tuple[_Foot, ...]:
    """Each foot's contacts without those no draft still to make reads."""
    out = []
    for a, f in enumerate(feet):
        keep = f.n_drafted - 3
        # a step's pace reads the contact after it: the latest step out's and those to go out
        for lt in latest:
            if lt.foot == a:
                keep = min(keep, lt.index + 1)
        if f.queue:
            keep = min(keep, f.queue[0].index + 1)
        for b, fb in enumerate(feet):
            if a in _others(cfg, b):
                t = fb.contact(max(fb.base, fb.n_drafted - 3)).ic_s if fb.n_drafted - 3 < fb.n_given and \
                    fb.contacts else (fb.horizon_s if not fb.final else math.inf)
                j = int(np.searchsorted([c.ic_s for c in f.contacts], t, side="left")) - 1 + f.base
                keep = min(keep, j)
        keep = max(f.base, min(keep, f.n_given))
        if keep > f.base:
            f = replace(f, base=keep, contacts=f.contacts[keep - f.base:], geometry=f.geometry[keep - f.base:])
        out.append(f)
    return tuple(out)


def steps_step(state: StepsState, feeds: tuple[FootFeed, ...] | list[FootFeed],
               final: bool = False) -> tuple[tuple[Step, ...], StepsState]:
    """Feed each foot's :class:`FootFeed` (one per ``config.feet``, in order); return the
    steps now final, in ``build_steps``' order.  ``final`` marks the end of the stream."""
    cfg = state.config
    if len(feeds) != len(cfg.feet):
        raise ValueError(f"{len(feeds)} feeds for {len(cfg.feet)} feet")
    feet = tuple(_take(f, feed, final) for f, feed in zip(state.feet, feeds))
    # drafts, per foot in order
    for a in range(len(feet)):
        f = feet[a]
        k1 = f.n_drafted
        while _ready(cfg, feet, a, k1):
            k1 += 1
        if k1 > f.n_drafted:
            made = _drafts(cfg, feet, a, f.n_drafted, k1)
            queued = tuple(_Queued(i, d) for i, d in zip(range(f.n_drafted, k1), made))
            feet = feet[:a] + (replace(f, n_drafted=k1, queue=f.queue + queued),) + feet[a + 1:]
    # out in the steps' order, with their step lengths
    latest = state.latest
    count = state.reps
    out: list[Step] = []
    while True:
        waiting = [a for a, f in enumerate(feet) if f.queue]
        if not waiting:
            break
        a = min(waiting, key=lambda w: _key(feet[w].queue[0].draft))
        q = feet[a].queue[0]
        d = q.draft
        if any(b != a and (nk := _next_key(cfg, fb, cfg.feet[b])) is not None and nk < _key(d)
               for b, fb in enumerate(feet)):
            break
        by_id = {lt.draft.foot_id: lt for lt in latest}
        other = other_step(by_id, d)
        length = None
        if other is not None:
            # the other foot's next contact: given whenever that step has a pace to give (its
            # stride time, and so its speed, read it), and no pace without one
            fo = feet[other.foot]
            nxt = other.index + 1
            their_following = standing(fo.contact(nxt), cfg.params) if nxt < fo.n_given else None
            mine = by_id.get(d.foot_id)
            length = step_length(d, None if mine is None else mine.draft, other.draft, other.length_m,
                                 None if mine is None else pace_mps(mine.draft, d.standing),
                                 pace_mps(other.draft, their_following), cfg.params.together_s)
        rep, count = count_step_rep(count, d.foot_id, d.ic_s, d.standing)
        out.append(d.make(step_length_m=length, rep=rep))
        entry = _Latest(a, q.index, d, length)
        if d.foot_id in by_id:
            latest = tuple(entry if lt.draft.foot_id == d.foot_id else lt for lt in latest)
        else:
            latest = latest + (entry,)
        feet = feet[:a] + (replace(feet[a], queue=feet[a].queue[1:]),) + feet[a + 1:]
    if out or final or any(feed.contacts for feed in feeds):
        feet = _trim(cfg, feet, latest)
    return tuple(out), StepsState(cfg, feet, latest, count)


def provisional_steps(state: StepsState) -> tuple[ProvisionalStep, ...]:
    """The steps of the contacts given that are not out yet, as they would be if the stream
    ended now (no further contact, geometry or stretch), each with the fields that are
    final already: the rest may still change."""
    cfg = state.config
    steps, _ = steps_step(state, tuple(FootFeed() for _ in cfg.feet), final=True)
    where = {}
    for a, f in enumerate(state.feet):
        for q in f.queue:
            where[(cfg.feet[a], q.draft.ic_s)] = DRAFT_FIELDS
        for k in range(f.n_drafted, f.n_given):
            where[(cfg.feet[a], float(np.round(f.contact(k).ic_s, 4)))] = _final_fields(cfg, state.feet, a, k)
    return tuple(ProvisionalStep(s, where.get((s.foot, s.ic_s), frozenset())) for s in steps)
