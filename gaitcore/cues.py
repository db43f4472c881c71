"""Cues: within a rep, a step in and a short spoken-style cue or None out; across reps, a
rep in and a cue on the session.

One rule for the live display (at the step, as it is shown) and the analysis (the same
steps, the same cues, :func:`rep_cues`).  A rep's baseline for a step is the median contact
time of the rep's first ``CueParams.baseline_steps`` contacts before it that have one (a
standing contact has none); a step after them shows its contact time's change from it.
A walking step (a contact longer than ``CueParams.walking_contact_s``: a walk back, a
stop, a skip's held free foot taken for a contact) gets no cue and enters no baseline or
mean.

- Every drill but those whose contact time follows the speed (the catalog's
  ``longer_cue = false``: walking, jogging, tempo, accelerations and sprints, whose start
  and stop lengthen contacts by design): "contacts N% longer than the rep's start" when the
  median of the rep's latest ``longer_steps`` contacts (this one the last) is more than
  ``longer_pct`` longer than the baseline and longer by more than ``noise_s`` (a change
  within the measurement's own noise is never called one; one long contact is no trend).
  Contacts lengthening is the first sign of fatigue in plyometrics and drills.  With no
  drill given it applies to every rep.
- A drill whose catalog entry has a ``quick_contact_s`` (fast feet: 100 ms): "quicker off
  the ground" when that median is longer.
- Every drill, both feet known: "left contacts N% longer than right: even them out" when
  the symmetry index of the feet's median contact times over the rep's latest
  ``asymmetry_steps`` contacts (both feet, the same stretch of time) is over
  ``asymmetry_pct`` (10%) and they differ by more than ``noise_s``, at each of the last
  ``asymmetry_steps // 2`` contacts (a change of both feet reaches one foot first: that
  moment is no asymmetry).
- A drill judged by its foot lift (the catalog's ``lift_of_best_pct`` target: high knees,
  power skips, butt kicks), per foot: "left foot lift down N%: drive the knee up" at a
  contact (not walking, not standing) whose swing into it (the foot's lift,
  :attr:`gaitcore.results.Step.peak_height_m` of the foot's contact before, with a stride) is
  more than ``lift_drop_pct`` and more than ``lift_noise_m`` below the mean of the foot's
  first ``lift_swings`` swings of the rep of the same kind: every other swing, as a skip's
  foot swings high over the other foot's step and hop and low over its own hop, in turn
  (a power skip's 0.18-0.23 m and 0.12-0.16 m on the simulator).  A swing's lift is known
  once the trajectory has measured its stride and the strides around it: the live display shows this cue then (a
  :class:`firmware_bridge.live.LiftLine`, two or three strides later), listed at the contact.

Across reps (:func:`session_cue`, when a rep ends): a drill judged by speed (the catalog's
``speed_of_best_pct``), a rep whose top speed is more than ``speed_drop_pct`` (3%: Haugen
et al. 2019 count a sprint within 95-98% of the best a quality rep) and more than twice the
athlete's own rep-to-rep spread (the SD of the earlier reps' top speeds) below the best
earlier rep of the drill: "speed down N% from your best: take more recovery"; a drill judged
by its contacts (``contact_max_s``), a rep whose contact time (the median of its contacts
that are no walking step's, :func:`rep_contact_s`) is longer than the best earlier rep's
by more than ``longer_pct``, ``noise_s`` and twice the spread: "contacts N% longer than
your best rep: take more recovery".  The second such rep of a drill running:
"stop the set".  A rep's drill here is the one the live display knows when the rep ends:
its plan item's, else the session's (not the one recognised from its steps afterwards).

A cue said at a step is not said again for the rep's steps within ``quiet_s`` after it (a
reminder every few seconds while it holds, not one at every step).

The drill and the wording come from the drill catalog (:mod:`gaitcore.drills`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .drills import Catalog, Drill, default_catalog

if TYPE_CHECKING:
    from .results import Step


@dataclass(frozen=True, slots=True)
class CueParams:
    baseline_steps: int = 4
    """Contacts that make a rep's baseline: the first four, after the start's longer
    drive contacts have begun to shorten.  Set by hand; not compared."""
    longer_steps: int = 3
    """The rep's latest contacts whose median is compared with the baseline: lengthening is
    a trend, not one contact (a steady simulated rep of 50 high knees, 4% contact-time
    scatter, had one contact 16% and 17 ms over its baseline).  Set by hand."""
    longer_pct: float = 15.0
    """Contacts this much longer than the baseline (%) are called longer: the issue's figure
    for hops (+15% over the rep's first contacts).  A steady rep's own scatter reaches 10%:
    in the 13 steady sessions of benchmarks/sessions.py (4% contact-time scatter), 10% cued
    a bounding rep of 0.17 s contacts, 15% none (the 200 Hz fast-feet rep cued at both is
    its contacts' timing)."""
    noise_s: float = 0.015
    """... and only when longer by more than this (s): one contact against the mean of four,
    each timed with about 8 ms of random error (the gaitmap walk's IC SD 6.5 ms and TO SD
    4.8 ms, docs/accuracy.md), differ by 9 ms SD; 15 ms is 1.7 SD."""
    quiet_s: float = 3.0
    """A cue is not said again within this long (s of the rep's steps) after it was said:
    a reminder, not a cue at every step.  Set by hand; not compared."""
    walking_contact_s: float = 0.4
    """A contact longer than this (s) is a walking step and gets no cue: walking contacts
    are 0.55-0.7 s (the real gaitmap, TRIPOD and PyShoe walks), running ones under 0.3 s
    at 3 m/s (the simulator's jog: 0.26 s)."""
    asymmetry_steps: int = 8
    """The rep's latest contacts the asymmetry cue compares (each foot needs a third of
    them): two skip cycles, four running strides.  Set by hand."""
    asymmetry_pct: float = 10.0
    """The symmetry index (%) over which the feet are called uneven: the issue's figure;
    healthy running's contact-time asymmetry is a few % (docs/quality.md)."""
    lift_drop_pct: float = 15.0
    """A swing's foot lift this far (%) below the rep's first swings is called down.  Set by
    hand."""
    lift_swings: int = 3
    """Each foot's first swings of a rep that make its lift baseline.  Set by hand."""
    lift_noise_m: float = 0.03
    """... and only when lower by more than this (m): twice the real foot lift's MAE
    against VICON (1.2-1.5 cm, docs/accuracy.md)."""
    speed_drop_pct: float = 3.0
    """A rep's top speed this far (%) below the best earlier rep of its drill is a decline
    (Haugen et al. 2019: a quality sprint rep is within 95-98% of the best)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue at a step: its IC (s), its foot (None: a cue on the rep, at its last contact),
    the text."""

    t_s: float
    foot: str | None
    text: str

    def to_dict(self) -> dict:
        return {"t_s": round(self.t_s, 4), "foot": self.foot, "text": self.text}


def _median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def baseline_contact_s(earlier_contacts_s: list[float], params: CueParams = CueParams()) -> float | None:
    """The baseline of a step: the median of the first ``baseline_steps`` of the rep's
    contact times before it (time order; None while there are fewer): one of them timed
    wrong (a simulated fast-feet rep's first contact, 56 ms against the truth's 79 at 200 Hz)
    does not move it."""
    first = earlier_contacts_s[:params.baseline_steps]
    return _median(first) if len(first) == params.baseline_steps else None


def change_pct(contact_s: float | None, baseline_s: float | None) -> float | None:
    """A contact time's change from the baseline (%); None without either."""
    if contact_s is None or not baseline_s:
        return None
    return 100.0 * (contact_s / baseline_s - 1.0)


class Spoken(NamedTuple):
    """A cue a step would get: which one (``"longer"``, ``"quick"``) and its words."""

    kind: str
    text: str


class Said(NamedTuple):
    """A cue said at a step of a rep: the step's IC (s) and the cue's kind (a per-foot cue's
    kind names the foot: ``"lift left"``)."""

    ic_s: float
    kind: str


def quiet(said: tuple[Said, ...] | list[Said], ic_s: float, kind: str, params: CueParams = CueParams()) -> bool:
    """Whether cue ``kind`` was said at an earlier step of the rep within ``quiet_s`` before ``ic_s``."""
    return any(x.kind == kind and ic_s - params.quiet_s < x.ic_s < ic_s for x in said)


def walking(contact_s: float | None, params: CueParams = CueParams()) -> bool:
    """Whether a contact is a walking step's (longer than ``walking_contact_s``): no cue."""
    return contact_s is not None and contact_s > params.walking_contact_s


def _uneven(latest: list[tuple[str, float]], params: CueParams) -> float | None:
    """The symmetry index (%) of the latest ``asymmetry_steps`` contacts when the feet are
    uneven by the cue's rule, else None."""
    n = params.asymmetry_steps
    recent = latest[-n:]
    left = [c for f, c in recent if f == "left"]
    right = [c for f, c in recent if f == "right"]
    if len(recent) < n or 3 * min(len(left), len(right)) < n:
        return None
    a, b = _median(left), _median(right)
    si = 100.0 * (a - b) / ((a + b) / 2.0)
    return si if abs(si) > params.asymmetry_pct and abs(a - b) > params.noise_s else None


def walking_bout(contacts_s: list[float | None], params: CueParams = CueParams()) -> bool:
    """Whether a rep is a walk (back to the start): at least three in four of its contact
    times are walking steps' (:func:`walking`; a walk's are all but its start and stop, and
    a drill with one long contact in two, the free foot held still in a skip taken for a
    contact, is no walk)."""
    known = [c for c in contacts_s if c is not None]
    return bool(known) and 4 * sum(walking(c, params) for c in known) >= 3 * len(known)


def asymmetry_cue(latest: list[tuple[str, float]], params: CueParams = CueParams(),
                  catalog: Catalog | None = None, drill: Drill | None = None) -> Spoken | None:
    """The asymmetry cue from the rep's contacts so far (``latest``: (foot, contact time),
    time order): when the feet have been uneven the same way at each of the last
    ``asymmetry_steps // 2`` contacts (a lasting asymmetry, not the moment a change of both
    feet reaches one foot first); None otherwise."""
    n = params.asymmetry_steps
    held = [_uneven(latest[:len(latest) - j], params) for j in range(n // 2)]
    if any(h is None for h in held) or len({h > 0 for h in held}) > 1:
        return None
    si = held[0]
    longer, shorter = ("left", "right") if si > 0 else ("right", "left")
    words = catalog or default_catalog()
    return Spoken("asymmetry", words.wording(drill, "asymmetry").format(
        longer=longer, shorter=shorter, pct=f"{abs(si):.0f}"))


def foot_lift_cue(drill: Drill | None, foot: str, lift_m: float, earlier_m: list[float], contact_s: float | None,
                  params: CueParams = CueParams(), catalog: Catalog | None = None) -> Spoken | None:
    """The foot-lift cue at a contact (``contact_s``) of ``foot`` whose swing into it lifted
    the foot ``lift_m``, after the foot's ``earlier_m`` swings of the rep (the module
    docstring's rule: against every other earlier swing, the same kind as this one): none
    before the baseline's ``lift_swings`` such swings, nor at a stop's landing or a walking
    step (the swing into them slows by design)."""
    same = earlier_m[len(earlier_m) % 2::2][:params.lift_swings]
    if len(same) < params.lift_swings or contact_s is None or walking(contact_s, params):
        return None
    return lift_cue(drill, foot, lift_m, sum(same) / len(same), params, catalog)


def lift_cue(drill: Drill | None, foot: str, lift_m: float | None, baseline_m: float | None,
             params: CueParams = CueParams(), catalog: Catalog | None = None) -> Spoken | None:
    """The foot-lift cue of a swing that lifted ``foot`` ``lift_m`` against the foot's
    baseline in the rep; only in a drill judged by its lift.  Its kind names the foot (said
    per foot)."""
    if drill is None or drill.target("lift_of_best_pct") is None or lift_m is None or not baseline_m:
        return None
    drop = 100.0 * (1.0 - lift_m / baseline_m)
    if drop <= params.lift_drop_pct or baseline_m - lift_m <= params.lift_noise_m:
        return None
    words = catalog or default_catalog()
    return Spoken(f"lift {foot}", words.wording(drill, "lift").format(foot=foot, pct=f"{drop:.0f}"))


def recent_contact_s(contacts_s: list[float | None], params: CueParams = CueParams()) -> float | None:
    """The median of the latest ``longer_steps`` of a rep's contact times (time order, this
    step's the last; unknown ones left out): a trend, which one contact timed wrong (two
    merged into one) does not make; None with fewer."""
    known = [c for c in contacts_s if c is not None][-params.longer_steps:]
    return _median(known) if len(known) == params.longer_steps else None


def rep_contact_s(contacts_s: list[float | None], params: CueParams = CueParams()) -> float | None:
    """A rep's contact time for the cues across reps: the median of its contact times that
    are no walking step's (None: none)."""
    known = [c for c in contacts_s if c is not None and not walking(c, params)]
    return _median(known) if known else None


def step_cue(drill: Drill | None, contact_s: float | None, baseline_s: float | None,
             params: CueParams = CueParams(), catalog: Catalog | None = None,
             recent_s: float | None = None) -> Spoken | None:
    """The cue a step with ``contact_s`` would get in ``drill`` (None: no drill given, or
    one not in the catalog) against its rep's baseline, ``recent_s`` the median of the rep's
    latest contacts (:func:`recent_contact_s`; None: this contact alone), worded by
    ``catalog`` (default: the shipped one with the user's file); None when there is nothing
    to say.  (Whether it is said: :func:`quiet`.)"""
    if contact_s is None or walking(contact_s, params):
        return None
    words = catalog or default_catalog()
    recent = contact_s if recent_s is None else recent_s
    if drill is not None and drill.quick_contact_s is not None and recent > drill.quick_contact_s:
        return Spoken("quick", words.wording(drill, "quick"))
    pct = change_pct(recent, baseline_s)
    if (drill is None or drill.longer_cue) and pct is not None and pct > params.longer_pct \
            and recent - baseline_s > params.noise_s:
        return Spoken("longer", words.wording(drill, "longer").format(pct=f"{pct:.0f}"))
    return None


def swing_lifts(steps: tuple[Step, ...] | list[Step]) -> list[float | None]:
    """Per step (IC order), the lift of its foot's swing into it: the foot's previous
    contact's ``peak_height_m`` in these steps, when that contact had a stride (None: the
    first of the foot, or out of a standing stop)."""
    last: dict = {}
    out = []
    for s in steps:
        prev = last.get(s.foot)
        out.append(None if prev is None or prev.stride_time_s is None else prev.peak_height_m)
        last[s.foot] = s
    return out


def rep_cues(steps: tuple[Step, ...] | list[Step], drill: Drill | None, params: CueParams = CueParams(),
             catalog: Catalog | None = None) -> tuple[Cue, ...]:
    """The cues of one rep's steps (IC order), each at its step."""
    out, said = [], []
    # (in IC order, a step's first earlier contact times are the rep's first ones before it)
    first = [(e.ic_s, e.contact_s) for e in steps
             if e.contact_s is not None and not walking(e.contact_s, params)][:params.baseline_steps]
    lifts = swing_lifts(steps)
    foot_lifts: dict[str, list[float]] = {}
    latest: list[tuple[str, float]] = []      # the rep's contacts so far that are no walking step's
    for s, lift in zip(steps, lifts):
        foot = s.foot.value
        if s.contact_s is not None and not walking(s.contact_s, params):
            latest.append((foot, s.contact_s))
        earlier = [c for ic, c in first if ic < s.ic_s]
        spoken = [step_cue(drill, s.contact_s, baseline_contact_s(earlier, params), params, catalog,
                           recent_contact_s([c for _, c in latest], params)),
                  None if walking(s.contact_s, params) else asymmetry_cue(latest, params, catalog, drill)]
        if lift is not None:
            spoken.append(foot_lift_cue(drill, foot, lift, foot_lifts.setdefault(foot, []), s.contact_s, params,
                                        catalog))
            foot_lifts[foot].append(lift)
        for sp in spoken:
            if sp is not None and not quiet(said, s.ic_s, sp.kind, params):
                out.append(Cue(s.ic_s, foot, sp.text))
                said.append(Said(s.ic_s, sp.kind))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class RepOutcome:
    """What the session's cues read of a finished rep: its drill's catalog entry, its top
    speed (m/s) and contact time (s, :func:`rep_contact_s`), and whether it declined (set by
    :func:`session_cue`)."""

    drill: Drill | None
    top_speed_mps: float | None
    contact_s: float | None
    declined: bool = False


def _spread_pct(values: list[float]) -> float:
    """The SD of ``values`` in % of their mean (0 for fewer than two)."""
    if len(values) < 2:
        return 0.0
    m = sum(values) / len(values)
    return 100.0 * (sum((v - m) ** 2 for v in values) / (len(values) - 1)) ** 0.5 / m


def session_cue(earlier: list[RepOutcome], rep: RepOutcome, params: CueParams = CueParams(),
                catalog: Catalog | None = None) -> tuple[Spoken | None, bool]:
    """The cue on the session when ``rep`` ends, after the ``earlier`` reps (walks back
    left out), and whether ``rep`` declined (see the module docstring)."""
    d = rep.drill
    if d is None:
        return None, False
    mine = [r for r in earlier if r.drill is not None and r.drill.id == d.id]
    words = catalog or default_catalog()
    stop = bool(mine) and mine[-1].declined
    if d.target("speed_of_best_pct") is not None:
        speeds = [r.top_speed_mps for r in mine if r.top_speed_mps is not None]
        if rep.top_speed_mps is None or not speeds:
            return None, False
        drop = 100.0 * (1.0 - rep.top_speed_mps / max(speeds))
        if drop <= max(params.speed_drop_pct, 2.0 * _spread_pct(speeds)):
            return None, False
        return Spoken("stop" if stop else "slower",
                      words.wording(d, "stop_slower" if stop else "slower").format(pct=f"{drop:.0f}")), True
    if d.target("contact_max_s") is not None:
        contacts = [r.contact_s for r in mine if r.contact_s is not None]
        if rep.contact_s is None or not contacts:
            return None, False
        best = min(contacts)
        pct = 100.0 * (rep.contact_s / best - 1.0)
        if pct <= max(params.longer_pct, 2.0 * _spread_pct(contacts)) or rep.contact_s - best <= params.noise_s:
            return None, False
        return Spoken("stop" if stop else "rep_longer",
                      words.wording(d, "stop_longer" if stop else "rep_longer").format(pct=f"{pct:.0f}")), True
    return None, False
