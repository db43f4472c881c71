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
  air at this IC and lands before this foot leaves, within MIN_SWING_S, sooner than
  any foot swings: bunny hops, a two-footed stop) from this IC to the other's, so
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
  stop, a pause: still on the ground at the end or for longer than MAX_CONTACT_S;
  a toe-off that is merely unknown does not count) hold no pace and are not used.
  When the other foot's spanning stride has no pace (one of them, or none known),
  the step is this foot's stride minus the other foot's step (the two steps of a
  stride add up to it), provided the other foot's contact lies within this foot's
  stride and neither step is a landing on both feet (step time under MIN_SWING_S);
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

from typing import NamedTuple

import numpy as np

from . import _steps_kernel as K
from ._events_kernel import CONFIRM_S
from .events import MIN_SWING_S, Event, EventKind, ICMethod
from .signals import MAX_STRIDE_S

STRONG_SWING_DPS = 150.0
STRONG_PUSH_DPS = 150.0
# a contact longer is standing, not a step's stance: no to_s, no pace; the trajectory anchors the
# strides into and out of it at its two ends (trajectory.zero_velocity)
MAX_CONTACT_S = 2.0
RECONSTRUCTED_FACTOR = 0.9   # confidence of a stride integrated across reconstructed (clipped) samples
_NO_SPATIAL = {"stride_length_m": None, "peak_height_m": None, "strike_angle_deg": None,
               "toe_off_angle_deg": None, "lateral_excursion_m": None, "turning_angle_deg": None,
               "position_m": None, "reconstructed": False, "shank_angle_peak_deg": None,
               "thigh_angle_peak_deg": None}


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
    spatial: dict | None = None   # stride geometry (trajectory.stride_geometry)
    # the stretch around the IC in which the detector missed no IC of this sensor (s;
    # -inf/inf: no break before/after it, see _runs_around); timing across its ends
    # spans lost samples
    run_start_s: float = -np.inf
    run_end_s: float = np.inf
    # the TO that ends the contact, also after MAX_CONTACT_S (to_s: None); inf: still on the
    # ground when the recording ends
    off_s: float | None = None


def _time_at(pos: float, t_s: np.ndarray) -> float:
    i = int(np.floor(pos))
    f = pos - i
    if i >= t_s.shape[0] - 1:
        return float(t_s[-1])
    return float(t_s[i] + f * (t_s[i + 1] - t_s[i]))


def _runs_around(ics: np.ndarray, pos: np.ndarray, times: np.ndarray, t_s: np.ndarray,
                 breaks: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per IC (``ics``: indices into the events at sample positions ``pos``, times ``times``):
    the start and end (s) of the stretch around it in which the detector can have missed
    no IC; -inf/inf without a break (``breaks``) before/after it.  Around a run of break
    samples a..b ICs may be missing from CONFIRM_S before its last sample ahead, a - 1
    (a landing still unconfirmed there is forgotten), though not before this sensor's
    last IC, up to the first event after it (the detector starts afresh in stance and
    finds an IC only after a TO), and at least across the run's time stamps."""
    lo, hi = np.full(ics.shape, -np.inf), np.full(ics.shape, np.inf)
    if breaks is None or not breaks.any():
        return lo, hi
    k = np.flatnonzero(breaks)
    new = np.r_[True, np.diff(k) > 1]
    ic_pos, ic_t = pos[ics], times[ics]
    starts, ends = [], []
    for a, b in zip(k[new].tolist(), k[np.r_[new[1:], True]].tolist()):
        t = t_s[max(0, a - 1):b + 1]
        t = t[np.isfinite(t)]
        start = -np.inf
        if a > 0 and t.size:
            start = float(t.min()) - CONFIRM_S
            j = np.searchsorted(ic_pos, a - 1, side="right") - 1      # the last IC ahead of the break
            if j >= 0:
                start = max(start, float(ic_t[j]))
        j = np.searchsorted(pos, a - 1, side="right")                 # the first event after it
        end = float(times[j]) if j < pos.size else np.inf
        if t.size:
            end = max(end, float(t.max()))
        starts.append(start)
        ends.append(end)
    starts, ends = np.array(starts), np.array(ends)
    by_start = np.argsort(starts, kind="stable")
    reach = np.maximum.accumulate(ends[by_start])        # latest end of the stretches starting before
    i = np.searchsorted(starts[by_start], ic_t, side="left") - 1
    lo = np.where(i >= 0, reach[np.maximum(i, 0)], -np.inf)
    by_end = np.argsort(ends, kind="stable")
    first = np.minimum.accumulate(starts[by_end][::-1])[::-1]   # earliest start of those ending after
    i = np.searchsorted(ends[by_end], ic_t, side="right")
    hi = np.where(i < ends.size, first[np.minimum(i, ends.size - 1)], np.inf)
    return lo, hi


def contacts_from_events(sensor: str, foot: str, events: list[Event], t_s: np.ndarray,
                         clipped: np.ndarray, breaks: np.ndarray | None = None,
                         spatial: list | None = None) -> list[Contact]:
    """Pair each IC with the first TO that follows it before the next IC and before any
    break in the signal (``breaks``: samples after a gap or not finite); a contact whose
    stance a break cuts keeps its IC and has no TO.  Each contact also gets the stretch
    around its IC in which no IC of this sensor can be missing (``run_start_s``/``run_end_s``,
    :func:`_runs_around`)."""
    if not events:
        return []
    n = t_s.shape[0]
    pos = np.array([ev.pos for ev in events])
    is_ic = np.array([ev.kind is EventKind.IC for ev in events])
    times = np.interp(pos, np.arange(n), t_s)
    ics = np.flatnonzero(is_ic)
    nxt = np.minimum(ics + 1, len(events) - 1)
    has_to = (ics + 1 < len(events)) & ~is_ic[nxt]
    if breaks is not None and breaks.any():
        n_breaks = np.concatenate([[0], np.cumsum(breaks)])
        first = np.floor(pos[ics]).astype(np.int64) + 1
        last = np.minimum(n, np.ceil(pos[nxt]).astype(np.int64) + 1)
        has_to &= n_breaks[np.maximum(last, first)] == n_breaks[first]
    end = np.where(has_to, pos[nxt], pos[ics])
    lo = np.maximum(0, pos[ics].astype(np.int64) - 2)
    hi = np.minimum(n, np.ceil(end).astype(np.int64) + 3)
    n_clipped = np.concatenate([[0], np.cumsum(clipped)])
    sat = (n_clipped[hi] > n_clipped[lo]).tolist()
    run_lo, run_hi = _runs_around(ics, pos, times, t_s, breaks)
    run_lo, run_hi = run_lo.tolist(), run_hi.tolist()
    ic_s = times[ics].tolist()
    off_s = np.where(has_to, times[nxt], np.nan)     # the TO ending each contact, however long it was
    if ics.size and ics[-1] + 1 == len(events) and run_hi[-1] == np.inf:
        off_s[-1] = np.inf                            # standing at the end, no break after the IC
    to_s = np.where(off_s - times[ics] <= MAX_CONTACT_S, off_s, np.nan).tolist()
    off_s = off_s.tolist()
    out = []
    for k, j in enumerate(ics.tolist()):
        ev = events[j]
        to = events[j + 1] if has_to[k] else None
        out.append(Contact(sensor, foot, ic_s[k], None if to_s[k] != to_s[k] else to_s[k],
                           ev.strength_dps, to.strength_dps if to else None,
                           ev.ic_method or ICMethod.ROTATION, sat[k], spatial[k] if spatial else None,
                           run_lo[k], run_hi[k], None if off_s[k] != off_s[k] else off_s[k]))
    return out


def build_steps(contacts_by_sensor: dict[str, list[Contact]], pair_feet: bool = True) -> list[dict]:
    """Per-contact step records of the output contract, sorted by ``ic_s``.  With
    ``pair_feet`` False (the feet's clocks disagree: :mod:`gaitcore.feet_clock`) each
    foot is measured alone: no flight time, step time or step length."""
    feet: dict[str, list[Contact]] = {}
    for name, cs in contacts_by_sensor.items():
        if cs:
            feet.setdefault(cs[0].foot, []).extend(cs)
    for f in feet:
        feet[f].sort(key=lambda c: c.ic_s)
    steps = []
    # standing: still on the ground when the recording ends, or longer than MAX_CONTACT_S
    standing: set[int] = set()     # id() of their step records
    nan = float("nan")
    for foot, cs in feet.items():
        other = sorted((c for f, lst in feet.items() if f != foot and f != "unknown" and foot != "unknown"
                        for c in lst), key=lambda c: c.ic_s) if pair_feet else []
        ic = np.array([c.ic_s for c in cs])
        to = np.array([nan if c.to_s is None else c.to_s for c in cs])
        m = np.empty((ic.size, K.N_COLS))
        K.foot_metrics(ic, to, np.array([nan if c.off_s is None else c.off_s for c in cs], dtype=float),
                       np.array([c.run_start_s for c in cs], dtype=float),
                       np.array([c.run_end_s for c in cs], dtype=float),
                       np.array([c.ic_s for c in other], dtype=float),
                       np.array([nan if c.off_s is None else c.off_s for c in other], dtype=float),
                       np.array([c.run_start_s for c in other], dtype=float),
                       np.array([c.run_end_s for c in other], dtype=float),
                       np.array([c.swing_peak_dps for c in cs]),
                       np.array([nan if c.push_peak_dps is None else c.push_peak_dps for c in cs]),
                       np.array([c.ic_method is ICMethod.IMPACT for c in cs]),
                       np.array([c.saturated for c in cs]), MAX_STRIDE_S, MIN_SWING_S, STRONG_SWING_DPS,
                       STRONG_PUSH_DPS, m)
        cols = np.column_stack([np.round(np.column_stack([ic, to, m[:, K.C_CONTACT], m[:, K.C_FLIGHT],
                                                          m[:, K.C_STEP], m[:, K.C_STRIDE]]), 4),
                                np.round(m[:, K.C_CADENCE], 2)])
        rows = np.where(np.isnan(cols), None, cols).tolist() if cols.size else []
        conf = np.round(m[:, K.C_CONF], 3).tolist()
        stride = m[:, K.C_STRIDE].tolist()
        for i, (c, row, cf, st) in enumerate(zip(cs, rows, conf, stride)):
            sp = c.spatial or _NO_SPATIAL
            # a displacement with no stride time (the next contact came after a pause, or a
            # contact may be missing in a gap) is no stride
            length = sp["stride_length_m"] if st == st else None
            if length is not None and i + 1 < len(conf):
                cf = min(cf, conf[i + 1])     # the stride ends at the next contact
            steps.append({"foot": foot, "ic_s": row[0], "to_s": row[1], "contact_s": row[2],
                          "flight_s": row[3], "step_time_s": row[4], "step_length_m": None,
                          "stride_time_s": row[5],
                          "cadence_spm": row[6], "stride_length_m": length,
                          "speed_mps": round(length / st, 3) if length is not None and st > 0 else None,
                          "peak_height_m": sp["peak_height_m"], "strike_angle_deg": sp["strike_angle_deg"],
                          # no angle for a toe-off the step does not report (after a contact
                          # longer than MAX_CONTACT_S: standing, not a step's stance)
                          "toe_off_angle_deg": sp["toe_off_angle_deg"] if row[1] is not None else None,
                          "lateral_excursion_m": sp["lateral_excursion_m"],
                          "turning_angle_deg": sp["turning_angle_deg"], "position_m": sp["position_m"],
                          "shank_angle_peak_deg": sp.get("shank_angle_peak_deg"),
                          "thigh_angle_peak_deg": sp.get("thigh_angle_peak_deg"),
                          "saturated": c.saturated,
                          "confidence": round(cf * RECONSTRUCTED_FACTOR, 3) if sp["reconstructed"] else cf})
            if c.off_s is not None and c.off_s - c.ic_s > MAX_CONTACT_S:
                standing.add(id(steps[-1]))
    steps.sort(key=lambda s: (s["ic_s"], s["foot"]))
    _step_lengths(steps, standing)
    return steps


def _step_lengths(steps: list[dict], standing: set[int]) -> None:
    """Fill ``step_length_m`` (see the module docstring; None until then) in place; ``steps``
    sorted by IC; ``standing``: id() of the records of contacts that are standing, not a
    step's stance (a contact whose toe-off is merely unknown is not one)."""
    following: dict[int, dict] = {}     # id(step) -> the same foot's next step
    last_of: dict[str, dict] = {}
    for s in steps:
        if s["foot"] in last_of:
            following[id(last_of[s["foot"]])] = s
        last_of[s["foot"]] = s

    def pace_mps(s: dict | None) -> float | None:
        """The speed of the stride from ``s``, unless it starts or ends standing."""
        if s is None or id(s) in standing:
            return None
        nxt = following.get(id(s))
        return None if nxt is None or id(nxt) in standing else s["speed_mps"]

    latest: dict[str, dict] = {}    # (in the order the feet first appear)
    for s in steps:
        foot = s["foot"]
        if s["step_time_s"] is None or foot == "unknown":
            latest[foot] = s
            continue
        other = None
        for f, o in latest.items():
            if f != foot:
                other = o
        if other is not None:
            mine = latest.get(foot)
            other_pace = pace_mps(other)
            if other_pace is None and other["step_time_s"] is not None and other["step_length_m"] is not None \
                    and mine is not None and mine["stride_length_m"] is not None and mine["ic_s"] < other["ic_s"] \
                    and min(other["step_time_s"], s["step_time_s"]) >= MIN_SWING_S:
                # the other foot's stride across this step starts or ends standing (a stop, a
                # pause): it holds no pace, but the two steps of this foot's stride add up to it
                # (not across a landing on both feet, whose step is the few ms between them)
                s["step_length_m"] = round(mine["stride_length_m"] - other["step_length_m"], 3)
            else:
                speeds = [v for v in (other_pace, pace_mps(mine)) if v is not None]
                if speeds:
                    s["step_length_m"] = round(sum(speeds) / len(speeds) * s["step_time_s"], 3)
        latest[s["foot"]] = s
