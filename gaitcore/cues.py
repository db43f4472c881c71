"""Cues within a rep: a step in, a short spoken-style cue or None out.

One rule for the live display (at the step, as it is shown) and the analysis (the same
steps, the same cues, :func:`rep_cues`).  A rep's baseline for a step is the mean contact
time of the rep's first ``CueParams.baseline_steps`` contacts before it that have one (a
standing contact has none); a step after them shows its contact time's change from it.

- Every drill but those whose contact time follows the speed (the catalog's
  ``longer_cue = false``: walking, jogging, tempo, accelerations and sprints, whose start
  and stop lengthen contacts by design): "contacts N% longer than the rep's start" when a
  contact is more than ``longer_pct`` longer than the baseline and longer by more than
  ``noise_s`` (a change within the measurement's own noise is never called one).  Contacts
  lengthening is the first sign of fatigue in plyometrics and drills.  With no drill given
  it applies to every rep.
- A drill whose catalog entry has a ``quick_contact_s`` (fast feet: 100 ms): "quicker off
  the ground" for a longer contact.

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
    longer_pct: float = 10.0
    """A contact this much longer than the baseline (%) is called longer.  Set by hand."""
    noise_s: float = 0.015
    """... and only when longer by more than this (s): one contact against the mean of four,
    each timed with about 8 ms of random error (the gaitmap walk's IC SD 6.5 ms and TO SD
    4.8 ms, docs/accuracy.md), differ by 9 ms SD; 15 ms is 1.7 SD."""
    quiet_s: float = 3.0
    """A cue is not said again within this long (s of the rep's steps) after it was said:
    a reminder, not a cue at every step.  Set by hand; not compared."""


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


class Spoken(NamedTuple):
    """A cue a step would get: which one (``"longer"``, ``"quick"``) and its words."""

    kind: str
    text: str


class Said(NamedTuple):
    """A cue said at a step of a rep: the step's IC (s) and the cue's kind."""

    ic_s: float
    kind: str


def quiet(said: tuple[Said, ...] | list[Said], ic_s: float, kind: str, params: CueParams = CueParams()) -> bool:
    """Whether cue ``kind`` was said at an earlier step of the rep within ``quiet_s`` before ``ic_s``."""
    return any(x.kind == kind and ic_s - params.quiet_s < x.ic_s < ic_s for x in said)


def step_cue(drill: Drill | None, contact_s: float | None, baseline_s: float | None,
             params: CueParams = CueParams(), catalog: Catalog | None = None) -> Spoken | None:
    """The cue a step with ``contact_s`` would get in ``drill`` (None: no drill given, or
    one not in the catalog) against its rep's baseline, worded by ``catalog`` (default: the
    shipped one with the user's file); None when there is nothing to say.  (Whether it is
    said: :func:`quiet`.)"""
    if contact_s is None:
        return None
    words = catalog or default_catalog()
    if drill is not None and drill.quick_contact_s is not None and contact_s > drill.quick_contact_s:
        return Spoken("quick", words.wording(drill, "quick"))
    pct = change_pct(contact_s, baseline_s)
    if (drill is None or drill.longer_cue) and pct is not None and pct > params.longer_pct \
            and contact_s - baseline_s > params.noise_s:
        return Spoken("longer", words.wording(drill, "longer").format(pct=f"{pct:.0f}"))
    return None


def rep_cues(steps: tuple[Step, ...] | list[Step], drill: Drill | None, params: CueParams = CueParams(),
             catalog: Catalog | None = None) -> tuple[Cue, ...]:
    """The cues of one rep's steps (IC order), each at its step."""
    out, said = [], []
    # (in IC order, a step's first earlier contact times are the rep's first ones before it)
    first = [(e.ic_s, e.contact_s) for e in steps if e.contact_s is not None][:params.baseline_steps]
    for s in steps:
        earlier = [c for ic, c in first if ic < s.ic_s]
        spoken = step_cue(drill, s.contact_s, baseline_contact_s(earlier, params), params, catalog)
        if spoken is not None and not quiet(said, s.ic_s, spoken.kind, params):
            out.append(Cue(s.ic_s, s.foot.value, spoken.text))
            said.append(Said(s.ic_s, spoken.kind))
    return tuple(out)
