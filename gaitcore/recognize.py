"""Which drill a rep is, from its contact pattern and kinematics, without tagging.

Each rule reads a figure the catalog's definition of the drill names (gaitcore/data/
drills.toml), in this order; the first that holds names the rep:

1. ``bunny_hops``: both feet land together (a landing on both feet, step time under
   ``StepParams.together_s``) in at least half the steps.
2. ``skip``: the same foot lands twice in a row (the step-hop) in at least a quarter of
   the consecutive contacts (an A-skip's pattern, L L R R, gives a half); read only with
   both feet's pods on one clock.  ``power_skip`` when its flights average 0.21 s or more
   (driven up: the simulated power skips' 0.28 s against the A-skips' 0.15 s).
3. ``walk``: a duty factor over 0.5 (each foot on the ground for more than half its
   stride: mean contact time over mean stride time, 120 / cadence), the line between
   walking and running (Alexander 1989, Physiol Rev 69:1199); it needs one foot only.
   ``lunges`` when the steps are also long and slow: strides averaging 1.5 m or more
   (the closing steps to standing included) at under 80 steps/min (walking: 1.2-1.6 m at
   100-120 steps/min; the simulated lunges' 2.2 m at 60).
4. ``fast_feet``: over 6 steps/s (cadence 360/min) with strides under 0.6 m.
5. ``bounding``: running with flights of 0.22 s or more and strides of 3.5 m or more
   (a sprint's flights are 0.12-0.14 s).
6. Running at speed (top speed from 5 m/s).  A rep at sprint speed (7.5 m/s and more)
   begun from standing, whose earliest stride was under 70% of its top speed (the speed
   was built in the rep: :class:`gaitcore.splits.Splits`), is an ``acceleration`` when the
   push from standing was a sprint start: a mean acceleration to the earliest stride's
   middle (``Splits.start_acceleration_mps2``) from 4.5 m/s², about a time constant of 2 s
   in the mono-exponential speed curve (the simulated sprint starts, time constants
   1.0-1.8 s: 4.9-7.6 m/s²; the simulated acceleration's rolling start from 4 m/s:
   4.85-5.2), else a ``sprint`` (a flying sprint after a build-up: time constants 2.2-3.2 s,
   3.1-4.3 m/s²).  Other running at speed: an ``acceleration`` when its last third is
   1 m/s faster than its first, else ``sprint`` from a top speed of 7.5 m/s, else
   ``tempo``.
7. On the spot (top speed under 2.2 m/s): ``ankling`` with contacts under 0.12 s and a
   reactive strength index (flight over contact) from 1.8 (a rebound: the simulated
   ankling's 2.5 against high knees' 1.3); ``high_knees`` with a foot lift from 0.35 m,
   ``butt_kicks`` from 0.2 m.
8. ``jog``: any other running (duty factor up to 0.5) below 5 m/s.

The thresholds are set from the drills' definitions and checked on the simulator's drills
(benchmarks/recognition.py: the rules against the simulator's drill models, at random
mountings and rates; not a measure on real athletes, whose drills vary more).  The
confidence is the rule's margin: how far the deciding figure is past its threshold, as a
fraction of the threshold, mapped to 0.5-1 (0.5: on the threshold); a margin, not a
probability.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .params import StepParams

if TYPE_CHECKING:
    from .reps import RepMetrics
    from .results import Step
    from .splits import Splits


POWER_SKIP_FLIGHT_S = 0.21   # a skip's mean flight from which it is a power skip
LUNGE_STRIDE_M, LUNGE_CADENCE_SPM = 1.5, 80.0   # a walk's strides from, and its cadence under, which it is lunges
BOUND_FLIGHT_S, BOUND_STRIDE_M = 0.22, 3.5      # running's flights and strides from which it is bounding
ANKLING_CONTACT_S, ANKLING_RSI = 0.12, 1.8       # contacts under, and flight over contact from, which it is ankling
SPRINT_MPS = 7.5                 # a top speed from which running is a sprint
START_MPS2 = 4.5                 # a push from standing from which a rep at sprint speed is an acceleration ...
BUILT_FRACTION = 0.7             # ... when its earliest stride was under this fraction of its top speed


@dataclass(frozen=True, slots=True)
class Recognised:
    """A rep's drill as the rules see it (None: no rule holds) and the rule's margin."""

    drill: str | None
    confidence: float
    reason: str


def _margin(value: float, threshold: float, above: bool = True) -> float:
    """0.5 on the threshold, 1 at twice (or half) of it."""
    if not threshold:
        return 0.5
    frac = (value - threshold) / abs(threshold) if above else (threshold - value) / abs(threshold)
    return round(min(1.0, 0.5 + max(0.0, frac) / 2.0), 3)


def recognise(steps: tuple[Step, ...] | list[Step], metrics: RepMetrics, paired: bool = True,
              params: StepParams = StepParams(), splits: Splits | None = None) -> Recognised:
    """The drill of one rep's steps (IC order) with its metrics (:func:`gaitcore.reps.rep_metrics`)
    and, for a rep begun from standing, its splits (:func:`gaitcore.splits.rep_splits`).
    The order of the two feet's contacts (the skip's rule) is read only with both feet's
    pods on one clock (``paired``): with one pod, every contact follows one of its foot."""
    n = len(steps)
    if n < 4:
        return Recognised(None, 0.0, f"{n} contacts: too few to tell")
    together = sum(s.step_time_s is not None and s.step_time_s < params.together_s for s in steps) / n
    if together >= 0.5:
        return Recognised("bunny_hops", _margin(together, 0.5), f"{together:.0%} of landings on both feet")
    both = paired and len({s.foot for s in steps}) == 2
    same = sum(a.foot is b.foot for a, b in zip(steps, steps[1:])) / (n - 1)
    flight = metrics.flight_s.mean
    if both and same >= 0.25:
        if flight is not None and flight >= POWER_SKIP_FLIGHT_S:
            return Recognised("power_skip", min(_margin(same, 0.25), _margin(flight, POWER_SKIP_FLIGHT_S)),
                              f"{same:.0%} of contacts after one of the same foot, flights {1000 * flight:.0f} ms")
        return Recognised("skip", _margin(same, 0.25), f"{same:.0%} of contacts after one of the same foot")
    contact, cadence, stride = metrics.contact_s.mean, metrics.cadence_spm.mean, metrics.stride_length_m.mean
    duty = None if contact is None or not cadence else contact / (120.0 / cadence)
    if duty is not None and duty > 0.5:
        if stride is not None and stride >= LUNGE_STRIDE_M and cadence < LUNGE_CADENCE_SPM:
            return Recognised("lunges", min(_margin(stride, LUNGE_STRIDE_M), _margin(cadence, LUNGE_CADENCE_SPM,
                                                                                     above=False)),
                              f"{stride:.1f} m strides at {cadence:.0f} steps/min")
        return Recognised("walk", _margin(duty, 0.5), f"duty factor {duty:.2f} (on the ground {100 * duty:.0f}% "
                          "of each stride)")
    if cadence is not None and cadence > 360.0 and (stride is None or stride < 0.6):
        return Recognised("fast_feet", _margin(cadence, 360.0), f"{cadence / 60:.1f} steps/s")
    if flight is not None and flight >= BOUND_FLIGHT_S and stride is not None and stride >= BOUND_STRIDE_M:
        return Recognised("bounding", min(_margin(flight, BOUND_FLIGHT_S), _margin(stride, BOUND_STRIDE_M)),
                          f"flights {1000 * flight:.0f} ms, strides {stride:.1f} m")
    top, speed = metrics.top_speed_mps, metrics.speed_mps
    if top is not None and top >= 5.0:
        push = None if splits is None else splits.start_acceleration_mps2
        if push is not None and top >= SPRINT_MPS and splits.first_speed_mps < BUILT_FRACTION * top:
            if push >= START_MPS2:
                return Recognised("acceleration", _margin(push, START_MPS2),
                                  f"a sprint start: {push:.1f} m/s² from standing, to {top:.1f} m/s")
            return Recognised("sprint", min(_margin(push, START_MPS2, above=False), _margin(top, SPRINT_MPS)),
                              f"built up at {push:.1f} m/s² from standing, to {top:.1f} m/s")
        gain = None if speed.first_third is None or speed.last_third is None else speed.last_third - speed.first_third
        if gain is not None and gain >= 1.0:
            return Recognised("acceleration", _margin(gain, 1.0), f"speed up by {gain:.1f} m/s over the rep")
        if top >= SPRINT_MPS:
            return Recognised("sprint", _margin(top, SPRINT_MPS), f"top speed {top:.1f} m/s")
        return Recognised("tempo", min(_margin(top, 5.0), _margin(top, SPRINT_MPS, above=False)),
                          f"top speed {top:.1f} m/s")
    lift = metrics.foot_lift_m.mean
    slow = top is None or top < 2.2
    rsi = metrics.rsi.mean
    if slow and contact is not None and contact < ANKLING_CONTACT_S and rsi is not None and rsi >= ANKLING_RSI:
        return Recognised("ankling", min(_margin(rsi, ANKLING_RSI), _margin(contact, ANKLING_CONTACT_S, above=False)),
                          f"{1000 * contact:.0f} ms contacts rebounding (flight {rsi:.1f} times the contact)")
    if slow and lift is not None and lift >= 0.35:
        return Recognised("high_knees", _margin(lift, 0.35), f"foot lift {100 * lift:.0f} cm")
    if slow and lift is not None and lift >= 0.2:
        return Recognised("butt_kicks", min(_margin(lift, 0.2), _margin(lift, 0.35, above=False)),
                          f"foot lift {100 * lift:.0f} cm at {0 if top is None else top:.1f} m/s")
    if duty is not None:
        return Recognised("jog", _margin(duty, 0.5, above=False), f"running (duty factor {duty:.2f}) below 5 m/s")
    return Recognised(None, 0.0, "no drill's pattern")
