"""Turn per-sensor IC/TO events into per-contact step records.

Definitions (times in s since the recording's first sample):
- contact_s: this contact's TO minus its IC.
- flight_s: from this foot's TO to the other foot's first IC after this IC;
  null when that is negative (walking: double support), or no other foot was
  recorded.
- step_time_s: from the other foot's latest IC before this one to this IC
  (null without another foot).
- stride_time_s: from this IC to the same foot's next IC.
- cadence_spm: steps per minute over this stride, 2 * 60 / stride_time_s
  (one stride holds two steps in every gait and drill pattern, so the value does
  not jump when both feet land together, as in bunny hops).
- confidence: a quality index in [0, 1] (not a probability) from the strength
  of the swing and push-off signatures, the IC method, saturation, and
  agreement of the contact time with this foot's neighbouring contacts.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import NamedTuple
from statistics import median

import numpy as np

from .events import Event, EventKind, ICMethod

STRONG_SWING_DPS = 150.0
STRONG_PUSH_DPS = 150.0
MAX_STRIDE_S = 3.0
MAX_CONTACT_S = 2.0


class Contact(NamedTuple):
    """One contact of one foot (immutable)."""

    sensor: str
    foot: str
    ic_s: float
    to_s: float | None
    swing_peak_dps: float
    push_peak_dps: float | None
    ic_method: ICMethod
    saturated: bool


def _time_at(pos: float, t_s: np.ndarray) -> float:
    i = int(np.floor(pos))
    f = pos - i
    if i >= t_s.shape[0] - 1:
        return float(t_s[-1])
    return float(t_s[i] + f * (t_s[i + 1] - t_s[i]))


def contacts_from_events(sensor: str, foot: str, events: list[Event], t_s: np.ndarray,
                         clipped: np.ndarray) -> list[Contact]:
    """Pair each IC with the first TO that follows it before the next IC."""
    n = t_s.shape[0]
    n_clipped = np.concatenate([[0], np.cumsum(clipped)]).tolist()
    times = np.interp([ev.pos for ev in events], np.arange(n), t_s).tolist() if events else []
    out = []
    for j, ev in enumerate(events):
        if ev.kind is not EventKind.IC:
            continue
        nxt = events[j + 1] if j + 1 < len(events) else None
        to = nxt if nxt is not None and nxt.kind is EventKind.TO else None
        lo = max(0, int(ev.pos) - 2)
        hi = min(n, int(np.ceil(to.pos if to else ev.pos)) + 3)
        sat = n_clipped[hi] > n_clipped[lo]
        ic_s = times[j]
        to_s = times[j + 1] if to else None
        if to_s is not None and to_s - ic_s > MAX_CONTACT_S:
            to_s = None
        out.append(Contact(sensor, foot, ic_s, to_s, ev.strength_dps,
                           to.strength_dps if to else None, ev.ic_method or ICMethod.ROTATION, sat))
    return out


def _r(x: float | None, nd: int = 4):
    return None if x is None else round(x, nd)


def build_steps(contacts_by_sensor: dict[str, list[Contact]]) -> list[dict]:
    """Per-contact step records of the output contract, sorted by ``ic_s``."""
    feet: dict[str, list[Contact]] = {}
    for name, cs in contacts_by_sensor.items():
        if cs:
            feet.setdefault(cs[0].foot, []).extend(cs)
    for f in feet:
        feet[f].sort(key=lambda c: c.ic_s)
    steps = []
    for foot, cs in feet.items():
        other_ics = sorted(c.ic_s for f, lst in feet.items()
                           if f != foot and f != "unknown" and foot != "unknown" for c in lst)
        contact_times = [None if c.to_s is None else c.to_s - c.ic_s for c in cs]
        for k, c in enumerate(cs):
            contact = contact_times[k]
            stride = None
            if k + 1 < len(cs) and cs[k + 1].ic_s - c.ic_s <= MAX_STRIDE_S:
                stride = cs[k + 1].ic_s - c.ic_s
            flight = None
            step_time = None
            if other_ics:
                if c.to_s is not None:
                    j = bisect_right(other_ics, c.ic_s)
                    if j < len(other_ics):
                        fl = other_ics[j] - c.to_s
                        if 0 <= fl <= MAX_STRIDE_S:
                            flight = fl
                j = bisect_left(other_ics, c.ic_s) - 1
                if j >= 0 and c.ic_s - other_ics[j] <= MAX_STRIDE_S:
                    step_time = c.ic_s - other_ics[j]
            cadence = None if stride is None else 120.0 / stride
            steps.append({
                "foot": foot, "ic_s": _r(c.ic_s), "to_s": _r(c.to_s), "contact_s": _r(contact),
                "flight_s": _r(flight), "step_time_s": _r(step_time), "stride_time_s": _r(stride),
                "cadence_spm": _r(cadence, 2), "stride_length_m": None, "speed_mps": None,
                "peak_height_m": None, "saturated": c.saturated,
                "confidence": _r(_confidence(c, contact, contact_times, k), 3)})
    steps.sort(key=lambda s: (s["ic_s"], s["foot"]))
    return steps


def _confidence(c: Contact, contact: float | None, contact_times: list, k: int) -> float:
    conf = min(1.0, c.swing_peak_dps / STRONG_SWING_DPS)
    if contact is None:
        conf *= 0.5
    else:
        conf *= min(1.0, (c.push_peak_dps or 0.0) / STRONG_PUSH_DPS)
        neigh = [x for x in contact_times[max(0, k - 3):k] + contact_times[k + 1:k + 4] if x is not None]
        if len(neigh) >= 2:
            med = median(neigh)
            dev = abs(contact - med) / med if med > 0 else 1.0
            conf *= min(1.0, max(0.3, 1.0 - (dev - 0.2)))
    if c.ic_method is ICMethod.IMPACT:
        conf *= 0.9
    if c.saturated:
        conf *= 0.8
    return min(1.0, max(0.0, conf))
