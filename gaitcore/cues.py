"""Cues within a rep: a step in, a short spoken-style cue or None out.

One rule for the live display (at the step, as it is shown) and the analysis (the same
steps, the same cues, :func:`rep_cues`).  A rep's baseline for a step is the mean contact
time of the rep's first ``CueParams.baseline_steps`` contacts before it that have one (a
standing contact has none); a step after them shows its contact time's change from it.

- Every drill: "contacts N% longer than the rep's start" when a contact is more than
  ``longer_pct`` longer than the baseline and longer by more than ``noise_s`` (a change
  within the measurement's own noise is never called one).  Contacts lengthening is the
  first sign of fatigue in repeated sprints and plyometrics.
- ``fast_feet``: "quicker off the ground" for a contact over ``quick_contact_s``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import Step


@dataclass(frozen=True, slots=True)
class CueParams:
    baseline_steps: int = 4
    """Contacts that make a rep's baseline: the first four, after the start's longer
    drive contacts have begun to shorten.  Set by hand; not compared."""
    longer_pct: float = 10.0
    """A contact this much longer than the baseline (%) is called longer.  Set by hand."""
    noise_s: float = 0.015
    """... and only when longer by more than this (s): one contact against the mean of four,
    each timed with about 8 ms of random error (the gaitmap walk's IC SD 6.5 ms and TO SD
    4.8 ms, docs/accuracy.md), differ by 9 ms SD; 15 ms is 1.7 SD."""
    quick_contact_s: float = 0.100
    """Fast feet: a contact longer than this (s) is not quick (the simulated drill's
    contacts are 80 ms).  Set by hand; not compared."""


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue at a step: its IC (s), its foot, the text."""

    t_s: float
    foot: str
    text: str

    def to_dict(self) -> dict:
        return {"t_s": round(self.t_s, 4), "foot": self.foot, "text": self.text}


def baseline_contact_s(earlier_contacts_s: list[float], params: CueParams = CueParams()) -> float | None:
    """The baseline of a step: the mean of the first ``baseline_steps`` of the rep's contact
    times before it (time order; None while there are fewer)."""
    first = earlier_contacts_s[:params.baseline_steps]
    return sum(first) / len(first) if len(first) == params.baseline_steps else None


def change_pct(contact_s: float | None, baseline_s: float | None) -> float | None:
    """A contact time's change from the baseline (%); None without either."""
    if contact_s is None or not baseline_s:
        return None
    return 100.0 * (contact_s / baseline_s - 1.0)


def step_cue(drill: str | None, contact_s: float | None, baseline_s: float | None,
             params: CueParams = CueParams()) -> str | None:
    """The cue a step with ``contact_s`` gets in ``drill`` (None: no drill given) against
    its rep's baseline; None when there is nothing to say."""
    if contact_s is None:
        return None
    if drill == "fast_feet" and contact_s > params.quick_contact_s:
        return "quicker off the ground"
    pct = change_pct(contact_s, baseline_s)
    if pct is not None and pct > params.longer_pct and contact_s - baseline_s > params.noise_s:
        return f"contacts {pct:.0f}% longer than the rep's start"
    return None


DRILLS_WITH_CUES = ("fast_feet",)   # drills with a cue of their own (every drill has the contact-time cue)


def rep_cues(steps: tuple[Step, ...] | list[Step], drill: str | None,
             params: CueParams = CueParams()) -> tuple[Cue, ...]:
    """The cues of one rep's steps (IC order), each at its step."""
    out = []
    for s in steps:
        earlier = [e.contact_s for e in steps if e.ic_s < s.ic_s and e.contact_s is not None]
        text = step_cue(drill, s.contact_s, baseline_contact_s(earlier, params), params)
        if text is not None:
            out.append(Cue(s.ic_s, s.foot.value, text))
    return tuple(out)
