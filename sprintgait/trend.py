"""An athlete's figures over sessions: what one session's reps of a drill give for a
metric, with its noise, and whether a change exceeds that noise.

Everything here reads the analysis output contract (``Analysis.to_dict()``, report.json):
the history database stores it and the HTML report renders it, so a trend is the same
whichever of them it comes from.

The noise of a session's value is one standard error (in the metric's unit):

- means over steps (contact, stride, RSI): the steps' SD over the square root of their
  number, from each rep's ``n``, ``mean`` and ``cv_pct``, pooled over the session's reps
  of the drill (weighted by steps);
- left/right contact asymmetry (per cent): each foot's mean has an SE of
  SD / sqrt(n/2), their difference twice SD / sqrt(n); in per cent of the mean that is
  2 * cv_pct / sqrt(n);
- split times (10 m split, flying 20 m): the uncertainty the splits report for the
  session's best rep (gaitcore.splits: the step timing and the stride-length error);
- quality (0-100): the SD of the session's rep scores over the square root of their
  number, unknown with a single rep.

A change between two values exceeds the noise when it is more than twice the noise of
the difference, sqrt(a**2 + b**2): about a 95% two-sided level for normal errors.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Iterable, Sequence


class Metric(Enum):
    """The figures a season's trend follows (``gait history --metric``)."""

    CONTACT = "contact"
    FLYING20 = "flying20"
    SPLIT10 = "split10"
    STRIDE = "stride"
    RSI = "rsi"
    ASYMMETRY = "asymmetry"
    QUALITY = "quality"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def unit(self) -> str:
        return _LABELS[self][1]

    @property
    def lower_is_better(self) -> bool:
        return self in (Metric.CONTACT, Metric.FLYING20, Metric.SPLIT10, Metric.ASYMMETRY)

    def format(self, value: float) -> str:
        """``value`` in the metric's unit, to the digits it is measured to."""
        digits = {"s": 3, "m": 2, "%": 1, "": 2, "/100": 0}[self.unit]
        return f"{value:.{digits}f}" + ("" if self.unit in ("", "/100") else f" {self.unit}")


_LABELS = {
    Metric.CONTACT: ("contact time", "s"),
    Metric.FLYING20: ("flying 20 m", "s"),
    Metric.SPLIT10: ("10 m split", "s"),
    Metric.STRIDE: ("stride length", "m"),
    Metric.RSI: ("reactive strength index", ""),
    Metric.ASYMMETRY: ("left/right contact asymmetry", "%"),
    Metric.QUALITY: ("drill quality", "/100"),
}


@dataclass(frozen=True, slots=True)
class SessionValue:
    """One session's value of a metric over its reps of one drill."""

    value: float
    noise: float | None     # one standard error, in the metric's unit; None: unknown
    n_reps: int


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """A session on the trend."""

    session_id: int
    session_date: date
    value: float
    noise: float | None
    n_reps: int


@dataclass(frozen=True, slots=True)
class Change:
    """A value against another (the latest session against the athlete's typical one)."""

    delta: float            # value minus reference, in the metric's unit
    noise: float | None     # one SE of the difference; None: unknown
    exceeds_noise: bool | None   # None: the noise is unknown

    def describe(self, metric: Metric) -> str:
        sign = "+" if self.delta > 0 else "-" if self.delta < 0 else "±"
        text = f"{sign}{metric.format(abs(self.delta))}"
        if self.exceeds_noise is None:
            return f"{text} (noise unknown)"
        better = (self.delta < 0) == metric.lower_is_better
        verdict = (("better" if better else "worse") + f", beyond the noise (±{metric.format(2 * self.noise)})"
                   if self.exceeds_noise else f"within the noise (±{metric.format(2 * self.noise)})")
        return f"{text}, {verdict}"


def compare(value: float, noise: float | None, ref: float, ref_noise: float | None) -> Change:
    """``value`` against ``ref``, each with its SE."""
    if noise is None or ref_noise is None:
        return Change(value - ref, None, None)
    sd = math.hypot(noise, ref_noise)
    return Change(value - ref, sd, abs(value - ref) > 2.0 * sd)


@dataclass(frozen=True, slots=True)
class Trend:
    """A metric of one athlete's sessions of one drill, oldest first."""

    athlete: str
    metric: Metric
    drill: str
    points: tuple[TrendPoint, ...]

    @property
    def best(self) -> TrendPoint | None:
        if not self.points:
            return None
        pick = min if self.metric.lower_is_better else max
        return pick(self.points, key=lambda p: p.value)

    def typical(self, points: Sequence[TrendPoint] | None = None) -> tuple[float, float | None] | None:
        """The median of ``points`` (default: all) and its SE (1.25 times the points'
        median SE over the square root of their number); None without points."""
        pts = self.points if points is None else points
        if not pts:
            return None
        noises = [p.noise for p in pts]
        noise = None if any(n is None for n in noises) else (
            1.25 * statistics.median(noises) / math.sqrt(len(pts)))
        return statistics.median(p.value for p in pts), noise

    def latest_change(self) -> Change | None:
        """The latest session against the typical one before it; None with one session."""
        if len(self.points) < 2:
            return None
        *earlier, last = self.points
        ref, ref_noise = self.typical(earlier)
        return compare(last.value, last.noise, ref, ref_noise)

    def slope_per_week(self) -> float | None:
        """The least-squares slope of the values against time, per week; None with fewer
        than two sessions or all on one day."""
        if len(self.points) < 2:
            return None
        x = [p.session_date.toordinal() / 7.0 for p in self.points]
        y = [p.value for p in self.points]
        mx, my = statistics.fmean(x), statistics.fmean(y)
        sxx = sum((a - mx) ** 2 for a in x)
        if sxx == 0.0:
            return None
        return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx


def rep_value(rep: dict, metric: Metric) -> tuple[float, float | None, int] | None:
    """A rep's (contract dict) value of ``metric``, its SE and the steps behind it; None
    where the rep does not give it (a split on a drill without splits, a metric
    without steps)."""
    m = rep.get("metrics") or {}
    if metric is Metric.QUALITY:
        q = rep.get("quality")
        return None if q is None else (float(q), None, 1)
    if metric in (Metric.FLYING20, Metric.SPLIT10):
        sp = rep.get("splits") or {}
        if metric is Metric.SPLIT10:
            hit = [a for a in sp.get("at") or () if a.get("distance_m") == 10.0]
        else:
            hit = [a for a in sp.get("flying") or () if a.get("window_m") == 20.0]
        if not hit or hit[0].get("time_s") is None:
            return None
        return float(hit[0]["time_s"]), hit[0].get("uncertainty_s"), 1
    key = {Metric.CONTACT: "contact_s", Metric.STRIDE: "stride_length_m", Metric.RSI: "rsi",
           Metric.ASYMMETRY: "contact_s"}[metric]
    st = m.get(key) or {}
    n, mean, cv = st.get("n") or 0, st.get("mean"), st.get("cv_pct")
    if n < 1 or mean is None:
        return None
    if metric is Metric.ASYMMETRY:
        asym = (m.get("asymmetry_pct") or {}).get("contact_s")
        if asym is None:
            return None
        return abs(float(asym)), (None if cv is None else 2.0 * cv / math.sqrt(n)), n
    se = None if cv is None or n < 2 else abs(mean) * cv / 100.0 / math.sqrt(n)
    return float(mean), se, n


def session_value(reps: Iterable[dict], metric: Metric) -> SessionValue | None:
    """A session's value of ``metric`` over ``reps`` (its reps of one drill): the best
    rep's for split times, the step-weighted mean for means over steps, the mean score
    for quality (see the module's docstring for the noise); None where no rep gives it."""
    got = [v for v in (rep_value(r, metric) for r in reps) if v is not None]
    if not got:
        return None
    if metric in (Metric.FLYING20, Metric.SPLIT10):
        value, noise, _ = min(got, key=lambda v: v[0])
        return SessionValue(value, noise, len(got))
    if metric is Metric.QUALITY:
        scores = [v[0] for v in got]
        noise = statistics.stdev(scores) / math.sqrt(len(scores)) if len(scores) > 1 else None
        return SessionValue(statistics.fmean(scores), noise, len(got))
    total = sum(n for _, _, n in got)
    value = sum(v * n for v, _, n in got) / total
    noise = None if any(se is None for _, se, _ in got) else (
        math.sqrt(sum((se * n) ** 2 for _, se, n in got)) / total)
    return SessionValue(value, noise, len(got))


def drill_reps(analysis: dict, drill: str) -> list[dict]:
    """The reps of ``drill`` in an analysis (contract dict), walks back left out."""
    return [r for r in analysis.get("reps") or () if r.get("drill") == drill and not r.get("rest")]


def session_drills(analysis: dict) -> list[str]:
    """The drills of an analysis's reps (walks back left out), in the order they first come."""
    return list(dict.fromkeys(r["drill"] for r in analysis.get("reps") or ()
                              if not r.get("rest") and r.get("drill")))
