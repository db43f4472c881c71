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
that have them).  The first movement out of a standing start is not a contact, so a rep
begins at its first landing, and its distance leaves out the first step out of the start.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .params import StepParams

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
class Rep:
    """One rep (see the module docstring); times in s on the recording's clock."""

    index: int
    start_s: float                  # its first contact's IC
    end_s: float                    # its last contact's IC
    n_steps: int
    rest_before_s: float | None     # from the previous rep's last IC; None for the first rep
    distance_m: float | None        # its strides' lengths summed per foot, the feet's mean

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        """The rep as the JSON output contract writes it."""
        return {"index": self.index, "start_s": round(self.start_s, 4), "end_s": round(self.end_s, 4),
                "duration_s": round(self.duration_s, 4), "steps": self.n_steps,
                "rest_before_s": None if self.rest_before_s is None else round(self.rest_before_s, 4),
                "distance_m": None if self.distance_m is None else round(self.distance_m, 3)}


def reps_of(steps: tuple[Step, ...] | list[Step]) -> tuple[Rep, ...]:
    """The reps of ``steps`` (IC order, each with its ``rep``)."""
    out: list[Rep] = []
    k = 0
    while k < len(steps):
        r = steps[k].rep
        j = k
        while j < len(steps) and steps[j].rep == r:
            j += 1
        mine = steps[k:j]
        per_foot: dict = {}
        for s in mine:
            if s.stride_length_m is not None:
                per_foot[s.foot] = per_foot.get(s.foot, 0.0) + s.stride_length_m
        rest = None if not out else mine[0].ic_s - out[-1].end_s
        out.append(Rep(r, mine[0].ic_s, mine[-1].ic_s, len(mine), rest,
                       sum(per_foot.values()) / len(per_foot) if per_foot else None))
        k = j
    return tuple(out)
