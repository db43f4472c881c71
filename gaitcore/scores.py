"""A rep's quality: a 0-100 score with the reasons behind it.

Each criterion that applies to the rep scores from 0 to 1 and gives a reason in words;
the score is 100 times their mean (None when none applies).  The drill's criteria come
from its catalog targets (gaitcore/data/drills.toml), judged against the athlete's own
best rep of the drill where a target is relative (the session's, and the earlier
sessions' given as a baseline: :mod:`gaitcore.baseline`); two apply to every drill.  The
evidence for each default is in docs/quality.md.

- ``contact_max_s``: the share of contacts shorter (fast stretch-shortening contacts are
  under 250 ms: Schmidtbleicher 1992).
- ``step_rate_min_hz``: the rep's step rate (cadence / 60) against the target, up to 1.
- ``speed_of_best_pct``: top speed against the best rep of the drill: 1 from the
  target (95%: Haugen et al. 2019 count a sprint within 95-98% of the best a quality
  rep), falling to 0 at 10 points below it.
- ``lift_of_best_pct``: mean foot lift against the best rep of the drill, as speed.
- Every drill: contacts not lengthening within the rep (its last third's mean contact
  against its first third's: 1 up to ``CueParams.noise_s`` longer, 0 at four times that),
  and the feet even (the contact-time symmetry index: 1 up to 10%, 0 at 20%).
"""
from __future__ import annotations

from dataclasses import dataclass

from .cues import CueParams
from .drills import Drill


@dataclass(frozen=True, slots=True)
class Quality:
    score: float | None             # 0-100; None: no criterion applies
    reasons: tuple[str, ...]


def _ramp(value: float, full: float, zero: float) -> float:
    """1 at ``full`` (and beyond, on its side), 0 at ``zero``, linear between."""
    if full == zero:
        return 1.0 if value >= full else 0.0
    return min(1.0, max(0.0, (value - zero) / (full - zero)))


def rep_quality(metrics, contacts_s: list[float], drill: Drill | None,
                best_speed_mps: float | None, best_lift_m: float | None,
                params: CueParams = CueParams(), best_of: str = "the session's best") -> Quality:
    """The quality of one rep: its metrics (:class:`gaitcore.reps.RepMetrics`), its contact
    times, its drill's catalog entry, and the best top speed and foot lift among the
    athlete's reps of that drill (the session's, and earlier sessions' with a baseline:
    ``best_of`` says which in the reasons)."""
    scores: list[float] = []
    reasons: list[str] = []
    target = drill.target if drill is not None else (lambda key: None)
    cmax = target("contact_max_s")
    if cmax is not None and contacts_s:
        share = sum(c < cmax for c in contacts_s) / len(contacts_s)
        scores.append(share)
        reasons.append(f"{100 * share:.0f}% of {len(contacts_s)} contacts under {1000 * cmax:.0f} ms")
    rate = target("step_rate_min_hz")
    if rate is not None and metrics.cadence_spm.mean is not None:
        hz = metrics.cadence_spm.mean / 60.0
        scores.append(min(1.0, hz / rate))
        reasons.append(f"{hz:.1f} steps/s (target {rate:g})")
    for key, value, best, what in (("speed_of_best_pct", metrics.top_speed_mps, best_speed_mps, "top speed"),
                                   ("lift_of_best_pct", metrics.foot_lift_m.mean, best_lift_m, "foot lift")):
        pct = target(key)
        if pct is not None and value is not None and best:
            of_best = 100.0 * value / best
            scores.append(_ramp(of_best, pct, pct - 10.0))
            reasons.append(f"{what} {of_best:.0f}% of {best_of} (target {pct:g}%)")
    c = metrics.contact_s
    if c.first_third is not None and c.last_third is not None:
        longer = c.last_third - c.first_third
        scores.append(_ramp(-longer, -params.noise_s, -4 * params.noise_s))
        reasons.append(f"contacts {1000 * longer:+.0f} ms from the rep's first third to its last")
    asym = metrics.asymmetry_pct.contact_s
    if asym is not None:
        scores.append(_ramp(-abs(asym), -10.0, -20.0))
        reasons.append(f"left/right contact time {asym:+.1f}%")
    if not scores:
        return Quality(None, ())
    return Quality(round(100.0 * sum(scores) / len(scores), 1), tuple(reasons))
