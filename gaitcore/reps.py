"""Reps: the bouts of contacts a session is made of, between standing rest.

A rep is a run of contacts, both feet in IC order, that ends when the athlete stands (a
contact longer than ``StepParams.max_contact_s``: standing, not a step's stance) or
after ``StepParams.rep_pause_s`` without a contact; the next contact begins the next rep.
The stop belongs to the rep it ended, and so does the other foot's landing beside it,
begun before the athlete had stood that long.  The rule (:func:`begins_rep`) reads only
the contacts before the one it decides: the steps are numbered as they are made
(:func:`gaitcore.steps.build_steps`, and the streaming steps stage, in the same order),
and the live display decides a step's rep when it shows it.

Per rep (:func:`reps_of`, from its steps): its first and last contact's IC, the rest
before it (from the previous rep's last IC to its first), its steps, and the distance its
strides cover (each foot's stride lengths within the rep summed; the mean of the feet
that have them).  A rep that begins from standing begins at its first movement, the first
foot's heel rise before its push-off (:mod:`gaitcore.splits`, from the trajectory's
feet; without a trajectory, or when no first movement is found, at the push-off: the first
foot's toe-off from standing, the first event the detector reports when a recording
begins standing or the toe-off that ends a standing contact).  Its distance leaves out
the first step out of the start (a stride from standing has no stride time).

Its metrics (:class:`RepMetrics`) summarise the step figures over the rep: per figure the
mean, the coefficient of variation (sample SD over mean) and the means of the first and
the last third of the rep's steps (a figure drifting within the rep: contacts lengthening
as the athlete tires); the reactive strength index per contact (flight after it over its
contact time: Young 1995's drop-jump RSI, for hops and bounces); and left/right asymmetry
as the symmetry index, 100 (L - R) / ((L + R) / 2) of the feet's means (Robinson,
Herzog and Nigg 1987; positive: the left foot's is larger).  Unknown values (a standing
contact's contact time, a flight across double support) are left out of each figure.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .cues import Cue, CueParams, RepOutcome, rep_contact_s, rep_cues, session_cue
from .baseline import Baseline
from .drills import Catalog, Drill, default_catalog, looks_unlike
from .recognize import Recognised, recognise
from .scores import Quality, rep_quality
from .params import SplitParams, StepParams
from .plan import Plan, assign, next_planned, walk_back
from .splits import FootPath, Splits, rep_splits
from .signals import Side

if TYPE_CHECKING:
    from .results import Step


def begins_rep(last_ic_s: float | None, rest_from_s: float, ic_s: float, params: StepParams = StepParams()) -> bool:
    """Whether a contact at ``ic_s`` begins a new rep, after a rep whose latest contact's
    IC is ``last_ic_s`` (None: no rep yet) and in which the athlete has stood since
    ``rest_from_s`` (:func:`rest_from` of a standing contact; inf: not stood)."""
    return last_ic_s is None or ic_s > rest_from_s or ic_s - last_ic_s > params.rep_pause_s


def rest_from(ic_s: float, params: StepParams = StepParams()) -> float:
    """When the athlete has stood in a standing contact at ``ic_s`` long enough to end the rep."""
    return ic_s + params.max_contact_s


@dataclass(frozen=True, slots=True)
class RepCount:
    """The rep rule's state between contacts (IC order)."""

    params: StepParams = field(default_factory=StepParams)
    index: int = -1                     # the current rep's (-1: none yet)
    last_ic_s: float | None = None
    rest_from_s: float = math.inf


def count_rep(state: RepCount, ic_s: float, standing: bool) -> tuple[int, RepCount]:
    """The rep of the next contact (IC ``ic_s``; ``standing``: longer than
    ``max_contact_s``), and the state after it."""
    if state.last_ic_s is not None and ic_s < state.last_ic_s:
        raise ValueError(f"contacts out of IC order: {ic_s} after {state.last_ic_s}")
    index, rest = state.index, state.rest_from_s
    if begins_rep(state.last_ic_s, rest, ic_s, state.params):
        index, rest = index + 1, math.inf
    if standing:
        rest = min(rest, rest_from(ic_s, state.params))
    return index, RepCount(state.params, index, ic_s, rest)


@dataclass(frozen=True, slots=True)
class RepCounts:
    """The rep rule over a recording's steps: one count over both feet when their clocks
    are one (``paired``), else one per foot (two clocks cannot be put in one IC order: each
    foot's reps are numbered on its own, and rep k of one foot is rep k of the other)."""

    params: StepParams = field(default_factory=StepParams)
    paired: bool = True
    counts: tuple[tuple[int, RepCount], ...] = ()    # (foot id, or 0 when paired; its count)


def count_step_rep(state: RepCounts, foot_id: int, ic_s: float, standing: bool) -> tuple[int, RepCounts]:
    """The rep of the next step (IC order per clock) of foot ``foot_id``."""
    key = 0 if state.paired else foot_id
    counts = dict(state.counts)
    rep, counts[key] = count_rep(counts.get(key, RepCount(state.params)), ic_s, standing)
    return rep, RepCounts(state.params, state.paired, tuple(counts.items()))


@dataclass(frozen=True, slots=True)
class Trend:
    """One step figure over a rep (its unit): how many steps know it, their mean, the
    coefficient of variation (%), and the means over the rep's first and last third of
    steps (None where no step of that third knows it; the rep needs three steps)."""

    n: int
    mean: float | None
    cv_pct: float | None
    first_third: float | None
    last_third: float | None

    def to_dict(self, digits: int) -> dict:
        r = (lambda v: None if v is None else round(v, digits))
        return {"n": self.n, "mean": r(self.mean), "cv_pct": None if self.cv_pct is None else round(self.cv_pct, 1),
                "first_third": r(self.first_third), "last_third": r(self.last_third)}


@dataclass(frozen=True, slots=True)
class Asymmetry:
    """Left/right symmetry index (%) of the feet's means over a rep (see the module
    docstring); None without both feet's values."""

    contact_s: float | None
    flight_s: float | None
    step_length_m: float | None
    foot_lift_m: float | None

    def to_dict(self) -> dict:
        return {k: None if getattr(self, k) is None else round(getattr(self, k), 1) for k in _ASYM}


_ASYM = ("contact_s", "flight_s", "step_length_m", "foot_lift_m")


@dataclass(frozen=True, slots=True)
class RepMetrics:
    """The step figures over one rep (see the module docstring)."""

    contact_s: Trend
    flight_s: Trend
    cadence_spm: Trend
    stride_length_m: Trend
    step_length_m: Trend
    speed_mps: Trend
    foot_lift_m: Trend          # the swing's peak height (Step.peak_height_m) after each contact with a
    #                             stride (not out of a standing stop): the knee-lift proxy
    thigh_angle_peak_deg: Trend
    shank_angle_peak_deg: Trend
    rsi: Trend                  # flight after a contact over its contact time
    top_speed_mps: float | None
    asymmetry_pct: Asymmetry

    def to_dict(self) -> dict:
        out = {k: getattr(self, k).to_dict(d) for k, d in _TRENDS}
        out["top_speed_mps"] = None if self.top_speed_mps is None else round(self.top_speed_mps, 3)
        out["asymmetry_pct"] = self.asymmetry_pct.to_dict()
        return out


# each trend and the digits the JSON rounds it to
_TRENDS = (("contact_s", 4), ("flight_s", 4), ("cadence_spm", 2), ("stride_length_m", 3), ("step_length_m", 3),
           ("speed_mps", 3), ("foot_lift_m", 3), ("thigh_angle_peak_deg", 1), ("shank_angle_peak_deg", 1), ("rsi", 3))


def _mean(v: list[float]) -> float | None:
    return sum(v) / len(v) if v else None


def _trend(values: list[float | None]) -> Trend:
    """A :class:`Trend` of one figure's values, per step in time order (None: unknown)."""
    known = [v for v in values if v is not None]
    m = _mean(known)
    cv = None
    if len(known) > 1 and m:
        sd = math.sqrt(sum((v - m) ** 2 for v in known) / (len(known) - 1))
        cv = 100.0 * sd / abs(m)
    third = len(values) // 3
    first = _mean([v for v in values[:third] if v is not None]) if third else None
    last = _mean([v for v in values[len(values) - third:] if v is not None]) if third else None
    return Trend(len(known), m, cv, first, last)


def _symmetry(left: list[float], right: list[float]) -> float | None:
    a, b = _mean(left), _mean(right)
    if a is None or b is None or a + b == 0:
        return None
    return 100.0 * (a - b) / ((a + b) / 2.0)


def rep_metrics(steps: tuple[Step, ...] | list[Step]) -> RepMetrics:
    """The metrics of one rep's steps (time order)."""
    def col(name: str) -> list[float | None]:
        if name == "foot_lift_m":       # (the swing out of a standing stop is the next rep's start)
            return [s.peak_height_m if s.stride_time_s is not None else None for s in steps]
        return [getattr(s, name) for s in steps]

    rsi = [s.flight_s / s.contact_s if s.flight_s is not None and s.contact_s else None for s in steps]
    trends = {name: (_trend(rsi) if name == "rsi" else _trend(col(name))) for name, _ in _TRENDS}
    speeds = [v for v in col("speed_mps") if v is not None]

    def side(name: str, foot: Side) -> list[float]:
        return [v for s, v in zip(steps, col(name)) if s.foot is foot and v is not None]
    asym = Asymmetry(*(_symmetry(side(k, Side.LEFT), side(k, Side.RIGHT)) for k in _ASYM))
    return RepMetrics(**trends, top_speed_mps=max(speeds) if speeds else None, asymmetry_pct=asym)


@dataclass(frozen=True, slots=True)
class Rep:
    """One rep (see the module docstring); times in s on the recording's clock."""

    index: int
    start_s: float                  # its first movement from standing (its splits'), else its push-off from
    #                                 standing, else its first contact's IC
    first_ic_s: float               # its first contact's IC
    push_off_s: float | None        # the first foot's toe-off from standing before it (None: none)
    end_s: float                    # its last contact's IC
    n_steps: int
    rest_before_s: float | None     # from the last IC of the previous rep that was no rest (a walk back) to its
    #                                 start; None for the first rep, and for a walk back
    distance_m: float | None        # its strides' lengths summed per foot, the feet's mean
    metrics: RepMetrics
    recognised: Recognised          # the drill its steps look like (gaitcore.recognize)
    planned: str | None = None      # the plan's drill for it (the catalog id), which names the rep when given
    cues: tuple[Cue, ...] = ()      # at its steps (gaitcore.cues)
    quality: Quality = Quality(None, ())   # its score and reasons (gaitcore.scores)
    splits: Splits | None = None    # its start and splits, begun from standing (gaitcore.splits)
    planned_distance_m: float | None = None   # the plan's distance for it (m)
    walking: bool = False           # a rep of walking steps (gaitcore.cues.walking_bout)

    @property
    def drill(self) -> str | None:
        """The plan's drill, else the one recognised."""
        return self.planned if self.planned is not None else self.recognised.drill

    @property
    def plan_mismatch(self) -> bool:
        """A plan was given and the rep looks like another drill (:func:`gaitcore.drills.looks_unlike`)."""
        return looks_unlike(self.planned, self.recognised.drill)

    @property
    def is_rest(self) -> bool:
        """A bout of walking steps (walking back to the start) when the plan's drill is none
        done at a walk (walking, lunges: :func:`gaitcore.drills.walking_pace`): rest between
        reps, not a rep: it has no quality score and takes no item of the plan."""
        return walk_back(self.walking, self.planned)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        """The rep as the JSON output contract writes it."""
        return {"index": self.index, "start_s": round(self.start_s, 4),
                "push_off_s": None if self.push_off_s is None else round(self.push_off_s, 4),
                "first_ic_s": round(self.first_ic_s, 4), "end_s": round(self.end_s, 4),
                "duration_s": round(self.duration_s, 4), "steps": self.n_steps,
                "rest_before_s": None if self.rest_before_s is None else round(self.rest_before_s, 4),
                "distance_m": None if self.distance_m is None else round(self.distance_m, 3),
                "drill": self.drill, "drill_source": "plan" if self.planned is not None else "recognised",
                "planned_distance_m": self.planned_distance_m,
                "confidence": 1.0 if self.planned is not None else self.recognised.confidence,
                "recognised": {"drill": self.recognised.drill, "confidence": self.recognised.confidence,
                               "reason": self.recognised.reason},
                "plan_mismatch": self.plan_mismatch, "rest": self.is_rest,
                "quality": self.quality.score, "reasons": list(self.quality.reasons),
                "metrics": self.metrics.to_dict(), "cues": [c.to_dict() for c in self.cues],
                "splits": None if self.splits is None else self.splits.to_dict()}


@dataclass(frozen=True, slots=True)
class DrillSet:
    """A session's reps of one drill (walks back left out): how many, their quality, and for
    a drill judged by speed the best and mean top speed and the percentage decrement score,
    100 (1 - mean / best) (Glaister et al. 2008, J Strength Cond Res 22:1597, on times; here
    on top speeds): how far the set fell short of its best rep."""

    drill: str
    reps: tuple[int, ...]           # their indices
    quality_mean: float | None
    best_top_speed_mps: float | None
    mean_top_speed_mps: float | None
    decrement_pct: float | None

    def to_dict(self) -> dict:
        r = (lambda v, d: None if v is None else round(v, d))
        return {"drill": self.drill, "reps": list(self.reps), "quality_mean": r(self.quality_mean, 1),
                "best_top_speed_mps": r(self.best_top_speed_mps, 3),
                "mean_top_speed_mps": r(self.mean_top_speed_mps, 3), "decrement_pct": r(self.decrement_pct, 1)}


def sets_of(reps: tuple[Rep, ...] | list[Rep], catalog: Catalog | None = None) -> tuple[DrillSet, ...]:
    """The session's sets: its reps grouped by drill (in the order each drill first came)."""
    catalog = catalog or default_catalog()
    out = []
    for drill in dict.fromkeys(r.drill for r in reps if not r.is_rest and r.drill is not None):
        mine = [r for r in reps if r.drill == drill and not r.is_rest]
        scores = [r.quality.score for r in mine if r.quality.score is not None]
        entry = catalog.find(drill)
        speeds = [r.metrics.top_speed_mps for r in mine if r.metrics.top_speed_mps is not None]
        by_speed = entry is not None and entry.target("speed_of_best_pct") is not None and speeds
        best = max(speeds) if by_speed else None
        mean = sum(speeds) / len(speeds) if by_speed else None
        out.append(DrillSet(drill, tuple(r.index for r in mine), sum(scores) / len(scores) if scores else None,
                            best, mean, None if best is None else 100.0 * (1.0 - mean / best)))
    return tuple(out)


def reps_of(steps: tuple[Step, ...] | list[Step], push_offs_s: tuple[float, ...] | list[float] = (),
            drill: Drill | None = None, clock_foot: Side | None = None,
            catalog: Catalog | None = None, paths: tuple[FootPath, ...] = (),
            split_params: SplitParams = SplitParams(), plan: Plan | None = None,
            cue_params: CueParams = CueParams(), baseline: Baseline = Baseline()) -> tuple[Rep, ...]:
    """The reps of ``steps`` (IC order, each with its ``rep``); ``push_offs_s``: the
    toe-offs from standing (:func:`gaitcore.steps.push_offs_from_standing`): a rep's
    push-off is the earliest one after the previous rep's last contact and before its
    first (the first foot to move); ``drill``: the session's, which names every rep and
    picks its cues; ``plan``: the session's plan (:mod:`gaitcore.plan`), whose items name
    the reps in order instead (a walk back takes none; a rep after the plan ran out takes
    ``drill``); ``clock_foot``: when the feet keep different time, the foot whose clock the
    reps' times are on (its push-offs only), the other foot's steps joining its reps by
    number; ``catalog``: the drill catalog the quality's targets and the cues' words come
    from (default: the shipped one with the user's file); ``paths``: the feet's
    trajectories, for the splits of a rep begun from standing
    (:func:`gaitcore.splits.rep_splits`; none: no splits), with ``split_params``;
    ``baseline``: the athlete's bests from earlier sessions, which the quality's relative
    targets also count (:mod:`gaitcore.baseline`)."""
    catalog = catalog or default_catalog()
    groups: dict[int, list[Step]] = {}
    for s in steps:
        groups.setdefault(s.rep, []).append(s)
    out: list[Rep] = []
    taken = 0          # the plan's items given to reps so far
    for r in sorted(groups):
        mine = groups[r]
        timed = [s for s in mine if clock_foot is None or s.foot is clock_foot] or mine
        per_foot: dict = {}
        for s in mine:
            if s.stride_length_m is not None:
                per_foot[s.foot] = per_foot.get(s.foot, 0.0) + s.stride_length_m
        after = out[-1].end_s if out else -math.inf
        push = min((t for t in push_offs_s if after < t < timed[0].ic_s), default=None)
        start = timed[0].ic_s if push is None else push
        metrics = rep_metrics(mine)
        item = next_planned(plan, taken)
        # its cues are the next item's drill's from its first step: the live display cannot
        # know a walk back before it ends (a walking step gets no cue)
        cue_drill = drill if item is None else catalog.find(item.drill)
        given = assign(plan, taken, [s.contact_s for s in mine], None if drill is None else drill.id, cue_params)
        taken += given.item is not None
        planned = given.drill
        distance = None if given.item is None else given.item.distance_m
        splits = rep_splits(list(paths), after, timed[0].ic_s, timed[-1].ic_s, split_params,
                            () if distance is None else (round(distance, 2),)) if paths else None
        recognised = recognise(mine, metrics, clock_foot is None, splits=splits)
        if splits is not None:
            start = min(start, splits.first_movement_s)
        out.append(Rep(r, start, timed[0].ic_s, push, timed[-1].ic_s, len(mine), None,
                       sum(per_foot.values()) / len(per_foot) if per_foot else None, metrics,
                       recognised, planned, rep_cues(mine, cue_drill, cue_params, catalog),
                       splits=splits, planned_distance_m=distance, walking=given.walking))
    return tuple(_session_cues(_scored(out, groups, catalog, baseline), groups, catalog, cue_params))


def _session_cues(reps: list[Rep], groups: dict[int, list[Step]], catalog: Catalog,
                  params: CueParams) -> list[Rep]:
    """The reps with the session's cue on each (:func:`gaitcore.cues.session_cue`) added to
    its cues, at its last contact.  A rep is compared by the drill the live display knows it
    by when it ends (the plan's item, else the session's drill), not the one recognised from
    its steps, so that the cues are the ones shown live."""
    out, earlier = [], []
    for r in reps:
        if r.is_rest:
            out.append(r)
            continue
        outcome = RepOutcome(catalog.find(r.planned), r.metrics.top_speed_mps,
                             rep_contact_s([s.contact_s for s in groups[r.index]], params))
        spoken, declined = session_cue(earlier, outcome, params, catalog)
        earlier.append(replace(outcome, declined=declined))
        out.append(r if spoken is None else replace(r, cues=r.cues + (Cue(r.end_s, None, spoken.text),)))
    return out


def _scored(reps: list[Rep], groups: dict[int, list[Step]], catalog: Catalog,
            baseline: Baseline = Baseline()) -> list[Rep]:
    """The reps (``groups``: each one's steps) with the rest before them (walks back are
    rest) and their quality: each judged against the athlete's best rep of its drill, the
    session's and ``baseline``'s (a walk back has none)."""
    def best(drill: str | None, value, earlier: float | None) -> float | None:
        vals = [value(r) for r in reps if r.drill == drill and not r.is_rest and value(r) is not None]
        vals += [] if earlier is None else [earlier]
        return max(vals) if vals else None
    n = len(baseline.sessions)
    best_of = "the session's best" if not n else \
        f"your best over this session and {n} earlier one{'s' if n > 1 else ''}"
    out, last_end = [], None
    for r in reps:
        contacts = [s.contact_s for s in groups[r.index] if s.contact_s is not None]
        q = Quality(None, ()) if r.is_rest else rep_quality(
            r.metrics, contacts, catalog.find(r.drill),
            best(r.drill, lambda x: x.metrics.top_speed_mps, baseline.top_speed_mps(r.drill)),
            best(r.drill, lambda x: x.metrics.foot_lift_m.mean, baseline.foot_lift_m(r.drill)), best_of=best_of)
        rest = None if r.is_rest or last_end is None else r.start_s - last_end
        out.append(replace(r, rest_before_s=rest, quality=q))
        if not r.is_rest:
            last_end = r.end_s
    return out
