"""A rep's start from standing and its sprint splits, from the foot trajectory.

**The first movement.**  Timing systems for standing starts start the clock at the
athlete's first movement; a foot pod sees the first movement of a foot: the push-off's
heel rise.  Each foot that leaves standing at the rep's start is read back from its toe-off
(:func:`first_movement_s`): its angular rate, averaged over ``SplitParams.smooth_s``, falls
below ``SplitParams.moving_dps`` at the last still sample, and the rise began where the
rate's line through its first 1x and 2x that level meets zero (a rise's rate grows from
zero smoothly).  The rep's first movement is the earliest foot's.  A lean of the body with
the feet flat comes before it and cannot be seen: splits here run from the feet's first
movement.

**The body's distance.**  The athlete's body passes over the stance foot about mid-contact
(sprinting: touchdown 0.3-0.4 m ahead of the centre of mass at top speed, toe-off as far
behind it; Hunter, Marshall and McNair 2005, J Appl Biomech 21:31).  Each contact of the rep
gives one mark: at its mid-contact time, the horizontal distance of the foot's anchor (its
stance position on the trajectory) from where that foot stood at the first movement.  The
marks of both feet, each the mean of the two feet's distances at its time (each foot's
marks joined by lines: one foot's stride-length error is halved), and the start (0 m at
the first movement), make the rep's distance-time curve: time as a monotone cubic (PCHIP,
Fritsch and Carlson 1980) of distance.  The distance is a straight line from the start: a run that bends is short.

**Figures and their uncertainty.**  Time at each of ``SplitParams.distances_m`` the rep
reached; the fastest time over each of ``SplitParams.flying_m`` anywhere in the rep (the
flying times; the 20 m one is the rep's fastest 20 m); the top speed, the fastest stride of
either foot (its two marks' distance over their time), and where it was reached (the
stride's middle); the push from standing: the earliest stride's speed over the time from
the first movement to its middle (``start_acceleration_mps2``, the body's mean horizontal
acceleration until then, about v_max / tau of the mono-exponential speed curve of
Samozino et al. 2016: the simulated sessions' sprint starts 5.2-7.5 m/s², their flying
sprints' build-ups 3.0-3.7, benchmarks/results/sessions.txt).  The trajectory's
stride-length error, ``SplitParams.stride_error_pct`` (measured on real running against
VICON), is taken as a systematic error of every distance: a split at d m is uncertain by
that share of d over the speed at d; a window's time and the top speed by that share of
themselves.  Event timing (about 1 ms) is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import SplitParams
from .signals import Side

_GRID_M = 0.05    # the flying windows are searched on this grid of start distances


@dataclass(frozen=True, slots=True)
class Mark:
    """A point of the body's distance-time curve: ``distance_m`` from the start at ``t_s``."""

    t_s: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class SplitTime:
    """Time from the first movement to ``distance_m``."""

    distance_m: float
    time_s: float
    uncertainty_s: float

    def to_dict(self) -> dict:
        return {"distance_m": self.distance_m, "time_s": round(self.time_s, 3),
                "uncertainty_s": round(self.uncertainty_s, 3)}


@dataclass(frozen=True, slots=True)
class FlyingTime:
    """The fastest ``window_m`` of the rep: ``time_s`` from ``from_m`` to ``from_m + window_m``."""

    window_m: float
    time_s: float
    from_m: float
    uncertainty_s: float

    def to_dict(self) -> dict:
        return {"window_m": self.window_m, "time_s": round(self.time_s, 3), "from_m": round(self.from_m, 1),
                "uncertainty_s": round(self.uncertainty_s, 3)}


@dataclass(frozen=True, slots=True)
class FirstStride:
    """The first stride out of standing: the first foot to leave the ground, from its
    toe-off (s, the recording's clock) to its first landing."""

    foot: Side
    push_off_s: float
    time_s: float               # the toe-off to the first landing's IC
    length_m: float | None      # where the foot stood to its first stance (None: not on the trajectory)

    def to_dict(self) -> dict:
        return {"foot": self.foot.value, "push_off_s": round(self.push_off_s, 4), "time_s": round(self.time_s, 4),
                "length_m": None if self.length_m is None else round(self.length_m, 3)}


@dataclass(frozen=True, slots=True)
class Splits:
    """A rep's start and splits (see the module docstring); times in s from
    ``first_movement_s`` (the recording's clock) unless named otherwise."""

    first_movement_s: float
    first_contact_s: float          # the rep's first landing (IC), from the first movement
    first_stride: FirstStride
    marks: tuple[Mark, ...]         # the distance-time curve, the start first
    at: tuple[SplitTime, ...]
    flying: tuple[FlyingTime, ...]
    top_speed_mps: float | None
    top_speed_at_m: float | None
    top_speed_uncertainty_mps: float | None
    stride_error_pct: float
    first_speed_mps: float | None = None     # the earliest stride's speed (either foot, mid-contact to mid-contact)
    first_speed_at_s: float | None = None    # ... at its middle, s from the first movement

    @property
    def start_acceleration_mps2(self) -> float | None:
        """The push from standing: the earliest stride's speed over the time from the first
        movement to its middle (m/s², the body's mean horizontal acceleration until then)."""
        if self.first_speed_mps is None or self.first_speed_at_s is None or self.first_speed_at_s <= 0:
            return None
        return self.first_speed_mps / self.first_speed_at_s

    @property
    def distance_m(self) -> float:
        """The furthest the curve reaches."""
        return self.marks[-1].distance_m

    def time_at(self, distance_m: float) -> float | None:
        """Time (s) from the first movement to ``distance_m``; None beyond the curve."""
        if not 0.0 <= distance_m <= self.distance_m:
            return None
        return float(_curve(self.marks)(distance_m)) - self.first_movement_s

    def time_between(self, from_m: float, to_m: float) -> float | None:
        """Time (s) from ``from_m`` to ``to_m`` (a flying time over any window)."""
        a, b = self.time_at(from_m), self.time_at(to_m)
        return None if a is None or b is None else b - a

    def to_dict(self) -> dict:
        r = (lambda v, d: None if v is None else round(v, d))
        return {"first_movement_s": round(self.first_movement_s, 4),
                "first_contact_s": round(self.first_contact_s, 4), "first_stride": self.first_stride.to_dict(),
                "distance_m": round(self.distance_m, 2), "at": [s.to_dict() for s in self.at],
                "flying": [f.to_dict() for f in self.flying], "top_speed_mps": r(self.top_speed_mps, 2),
                "top_speed_at_m": r(self.top_speed_at_m, 1),
                "top_speed_uncertainty_mps": r(self.top_speed_uncertainty_mps, 2),
                "first_speed_mps": r(self.first_speed_mps, 2), "first_speed_at_s": r(self.first_speed_at_s, 3),
                "start_acceleration_mps2": r(self.start_acceleration_mps2, 2),
                "stride_error_pct": self.stride_error_pct}


@dataclass(frozen=True)
class FootPath:
    """What the splits read of one foot pod: its rows' times (s), angular rate (deg/s,
    sensor frame), trajectory positions (m, the trajectory's own frame; NaN unknown) and
    filter runs (a break starts a new one: positions compare within one run); its contacts'
    ICs, mid-contact times (NaN: no toe-off) and anchor rows (-1: none); its toe-offs from
    standing (:func:`gaitcore.steps.push_offs_from_standing`)."""

    foot: Side
    t_s: np.ndarray
    gyr_dps_sf: np.ndarray
    pos_m: np.ndarray
    run: np.ndarray
    ic_s: np.ndarray
    mid_s: np.ndarray
    anchor: np.ndarray
    push_offs_s: tuple[float, ...]


def first_movement_s(t_s: np.ndarray, gyr_dps_sf: np.ndarray, toe_off_s: float,
                     params: SplitParams = SplitParams()) -> float | None:
    """When a foot that leaves standing at ``toe_off_s`` began to move (s; see the module
    docstring); None when it was moving for longer than ``params.max_rise_s`` before."""
    t_s = np.asarray(t_s, dtype=np.float64)
    end = int(np.searchsorted(t_s, toe_off_s))
    begin = int(np.searchsorted(t_s, toe_off_s - params.max_rise_s - 2 * params.smooth_s))
    if end - begin < 3:
        return None
    dt = float(np.median(np.diff(t_s[begin:end])))
    w = max(1, int(round(params.smooth_s / dt)))
    rate = np.linalg.norm(np.asarray(gyr_dps_sf[begin:end], dtype=np.float64), axis=1)
    smooth = np.convolve(rate, np.ones(w) / w, mode="same")
    tt = t_s[begin:end]
    still = np.flatnonzero(smooth < params.moving_dps)
    if still.size == 0 or tt[still[-1]] < toe_off_s - params.max_rise_s:
        return None
    i1 = int(still[-1])
    above2 = np.flatnonzero(smooth[i1 + 1:] >= 2.0 * params.moving_dps)
    t1 = float(np.interp(params.moving_dps, smooth[i1:i1 + 2], tt[i1:i1 + 2])) if i1 + 1 < tt.size else tt[i1]
    if above2.size == 0:
        return t1
    i2 = i1 + 1 + int(above2[0])
    t2 = float(np.interp(2.0 * params.moving_dps, smooth[i2 - 1:i2 + 1], tt[i2 - 1:i2 + 1]))
    return max(t1 - (t2 - t1), tt[0]) if t2 > t1 else t1


def _curve(marks: tuple[Mark, ...]):
    from scipy.interpolate import PchipInterpolator
    d = np.array([m.distance_m for m in marks])
    t = np.array([m.t_s for m in marks])
    return PchipInterpolator(d, t) if d.size > 2 else (lambda x: np.interp(x, d, t))


def _marks(paths: list[FootPath], move_s: float, first_ic_s: float, last_ic_s: float) -> list[tuple[Side, Mark]]:
    out = []
    for p in paths:
        row = max(0, int(np.searchsorted(p.t_s, move_s)) - 1)
        start = p.pos_m[row, :2]
        if not np.isfinite(start).all():
            continue
        sel = np.flatnonzero((p.ic_s >= first_ic_s) & (p.ic_s <= last_ic_s) & np.isfinite(p.mid_s) & (p.anchor >= 0))
        for k in sel:
            a = int(p.anchor[k])
            if p.run[a] != p.run[row] or not np.isfinite(p.pos_m[a, :2]).all():
                continue
            out.append((p.foot, Mark(float(p.mid_s[k]), float(np.hypot(*(p.pos_m[a, :2] - start))))))
    return sorted(out, key=lambda fm: fm[1].t_s)


def _feet_mean(footed: list[tuple[Side, Mark]], move_s: float) -> list[Mark]:
    """The marks of both feet as one curve: at each mark's time, the mean of the feet's own
    distance-time lines (each foot's marks from 0 m at the first movement, linear between),
    where both feet have one; one foot's stride-length error is halved."""
    feet = {}
    for f, m in footed:
        feet.setdefault(f, ([move_s], [0.0]))
        feet[f][0].append(m.t_s)
        feet[f][1].append(m.distance_m)
    out = []
    for _, m in footed:
        known = [np.interp(m.t_s, t, d) for t, d in feet.values() if t[-1] >= m.t_s]
        out.append(Mark(m.t_s, float(np.mean(known))))
    return out


def rep_splits(paths: list[FootPath], after_s: float, first_ic_s: float, last_ic_s: float,
               params: SplitParams = SplitParams(), extra_m: tuple[float, ...] = ()) -> Splits | None:
    """The splits of the rep whose contacts run from ``first_ic_s`` to ``last_ic_s`` (ICs,
    s) after the previous rep's last IC ``after_s``, on ``paths`` (the feet on one clock);
    ``extra_m``: more split distances (the rep's planned distance).  None when the rep did
    not begin from standing (no foot's toe-off from standing between), when no first
    movement is found, or when the trajectory has no stance of the rep."""
    # each foot's toe-off from standing into the rep (a sprint start's rear foot pushes on
    # until the first foot has landed); the rep began standing when one came before its first IC
    leaving = [(p, min(t for t in p.push_offs_s if after_s < t < last_ic_s)) for p in paths
               if any(after_s < t < last_ic_s for t in p.push_offs_s)]
    if not any(t < first_ic_s for _, t in leaving):
        return None
    moves = [first_movement_s(p.t_s, p.gyr_dps_sf, t, params) for p, t in leaving]
    if any(m is None for m in moves):
        return None
    move = min(moves)
    e = params.stride_error_pct / 100.0
    footed = _marks([p for p, _ in leaving], move, first_ic_s, last_ic_s)
    first_path, first_off = min(leaving, key=lambda pt: pt[1])
    first_landing = next(((f, m) for f, m in footed if f is first_path.foot), None)
    ics = first_path.ic_s[first_path.ic_s > first_off]
    if not footed or ics.size == 0:
        return None
    first = FirstStride(first_path.foot, first_off, float(ics[0]) - first_off,
                        None if first_landing is None else first_landing[1].distance_m)
    marks = [Mark(move, 0.0)]
    for m in _feet_mean(footed, move):   # a distance below one already reached is the trajectory's noise
        if m.distance_m > marks[-1].distance_m:
            marks.append(m)
    marks_t = tuple(marks)
    curve = _curve(marks_t)
    reach = marks_t[-1].distance_m
    slope = curve.derivative() if hasattr(curve, "derivative") else None
    at = []
    for d in sorted(set(params.distances_m) | set(extra_m)):
        if d <= reach:
            t = float(curve(d))
            speed = 1.0 / float(slope(d)) if slope is not None and slope(d) > 0 else d / (t - move)
            at.append(SplitTime(d, t - move, e * d / speed))
    flying = []
    grid = np.arange(0.0, reach + 1e-9, _GRID_M)
    t_grid = np.asarray(curve(grid), dtype=np.float64)
    for w in params.flying_m:
        n = int(round(w / _GRID_M))
        if n < grid.size:
            times = t_grid[n:] - t_grid[:-n]
            i = int(np.argmin(times))
            flying.append(FlyingTime(w, float(times[i]), float(grid[i]), e * float(times[i])))
    top, top_at, earliest = None, None, None
    last: dict[Side, Mark] = {}
    for f, m in footed:
        prev = last.get(f)
        if prev is not None and m.t_s > prev.t_s and m.distance_m > prev.distance_m:
            v = (m.distance_m - prev.distance_m) / (m.t_s - prev.t_s)
            if top is None or v > top:
                top, top_at = v, 0.5 * (m.distance_m + prev.distance_m)
            mid = 0.5 * (m.t_s + prev.t_s) - move
            if earliest is None or mid < earliest[1]:
                earliest = (v, mid)
        last[f] = m
    return Splits(move, first_ic_s - move, first, marks_t, tuple(at), tuple(flying), top, top_at,
                  None if top is None else e * top, params.stride_error_pct,
                  *((None, None) if earliest is None else earliest))
