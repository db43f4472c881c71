"""Scoring the pipeline against the simulator's ground truth (one drill, one seed)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitcore.analysis import analyze
from gaitcore.events import MIN_SWING_S
from gaitcore.simulate import drill_by_name, simulate_session

MATCH_TOL_S = 0.04


@dataclass(frozen=True)
class SimScore:
    drill: str
    fs_hz: float
    seed: int
    n_truth: int
    n_found: int
    n_extra: int
    contact_mae_ms: float
    contact_bias_ms: float
    ic_bias_ms: float
    ic_sd_ms: float
    to_bias_ms: float
    n_saturated: int
    n_strides: int = 0
    stride_mae_pct: float = float("nan")
    stride_bias_pct: float = float("nan")
    stride_max_pct: float = float("nan")
    peak_mae_cm: float = float("nan")
    peak_max_cm: float = float("nan")
    n_step_lengths: int = 0
    step_length_mae_cm: float = float("nan")
    stride_confidence_mean: float = float("nan")
    n_flights: int = 0                 # flights in truth and found (true_flights_s)
    flight_mae_ms: float = float("nan")
    n_flight_disagree: int = 0         # contacts with a flight in one of truth and analysis only
    n_step_times: int = 0              # step times in truth and found (true_step_times_s)
    step_time_mae_ms: float = float("nan")

    @property
    def found_fraction(self) -> float:
        return self.n_found / self.n_truth if self.n_truth else float("nan")


def true_flights_s(contacts: list[dict]) -> list[float | None]:
    """The time in the air after each truth contact's TO (``steps`` definition): to the
    first landing of either foot, when the other foot's last contact begun by then has
    ended; None otherwise."""
    out = []
    for c in contacts:
        fl = None
        if c["to_s"] is not None:
            other = [t for t in contacts if t["foot"] != c["foot"] and t["ic_s"] <= c["to_s"]]
            if not other or (other[-1]["to_s"] is not None and other[-1]["to_s"] < c["to_s"]):
                later = [t["ic_s"] for t in contacts if t["ic_s"] > c["to_s"]]
                fl = min(later) - c["to_s"] if later else None
        out.append(fl)
    return out


def true_step_times_s(contacts: list[dict]) -> list[float | None]:
    """Each truth contact's step time (``steps`` definition): from the other foot's
    latest landing before it, or, in a landing on both feet (the other foot in the air
    at this IC lands before this TO, within MIN_SWING_S), from this landing to the
    other's; None without another foot.  A contact without a TO is the
    standing at the end: still on the ground."""
    out = []
    for c in contacts:
        other = [t for t in contacts if t["foot"] != c["foot"]]
        before = [t for t in other if t["ic_s"] < c["ic_s"]]
        after = [t for t in other if t["ic_s"] >= c["ic_s"]]
        st = None
        off = np.inf if c["to_s"] is None else c["to_s"]
        if after and after[0]["ic_s"] < min(off, c["ic_s"] + MIN_SWING_S) and (
                not before or (before[-1]["to_s"] is not None and before[-1]["to_s"] < c["ic_s"])):
            st = after[0]["ic_s"] - c["ic_s"]
        elif before:
            st = c["ic_s"] - before[-1]["ic_s"]
        out.append(st)
    return out


def score(drill: str, fs_hz: float, seed: int, duration_s: float = 12.0, acc_range_g: float = 16.0) -> SimScore:
    sim = simulate_session(drill_by_name(drill), fs_hz=fs_hz, duration_s=duration_s, seed=seed,
                           acc_range_g=acc_range_g)
    result = analyze(sim.recording)
    truth = sim.truth["contacts"]
    steps = result.steps
    used = set()
    d_contact, d_ic, d_to = [], [], []
    d_stride, d_peak, d_step, conf, d_flight = [], [], [], [], []
    n_found = n_flight_disagree = 0
    flights = true_flights_s(truth)
    d_step_time = []
    for c, flight, step_time in zip(truth, flights, true_step_times_s(truth)):
        best, best_d = None, MATCH_TOL_S
        for j, s in enumerate(steps):
            if s.foot.value == c["foot"] and j not in used and abs(s.ic_s - c["ic_s"]) <= best_d:
                best, best_d = j, abs(s.ic_s - c["ic_s"])
        if best is None:
            continue
        used.add(best)
        s = steps[best]
        n_found += 1
        d_ic.append(s.ic_s - c["ic_s"])
        if c["stride_length_m"] and s.stride_length_m is not None:
            d_stride.append((s.stride_length_m - c["stride_length_m"]) / c["stride_length_m"])
            conf.append(s.confidence)
            if c["peak_height_m"] is not None and s.peak_height_m is not None:
                d_peak.append(s.peak_height_m - c["peak_height_m"])
        # Step length: not when both feet land together (bunny hops: which of two landings
        # 2 ms apart is "the step" is arbitrary).  The steps into the final standing count.
        together = any(t["foot"] != c["foot"] and abs(t["ic_s"] - c["ic_s"]) < 0.05 for t in truth)
        if not together and c.get("step_length_m") is not None \
                and s.step_length_m is not None:
            d_step.append(s.step_length_m - c["step_length_m"])
        if step_time is not None and s.step_time_s is not None:
            d_step_time.append(s.step_time_s - step_time)
        if flight is not None and s.flight_s is not None:
            d_flight.append(s.flight_s - flight)
        elif (flight is None) != (s.flight_s is None) and c is not truth[-1] and s is not steps[-1]:
            n_flight_disagree += 1
        if s.to_s is not None and c["to_s"] is not None:
            d_to.append(s.to_s - c["to_s"])
            d_contact.append(s.contact_s - c["contact_s"])
    ms = lambda v, f: float(f(np.array(v)) * 1000) if v else float("nan")  # noqa: E731
    pct = lambda v, f: float(f(np.array(v)) * 100) if v else float("nan")  # noqa: E731
    return SimScore(drill, fs_hz, seed, len(truth), n_found, len(steps) - len(used),
                    ms(d_contact, lambda a: np.abs(a).mean()), ms(d_contact, np.mean),
                    ms(d_ic, np.mean), ms(d_ic, np.std), ms(d_to, np.mean),
                    sum(s.saturated for s in steps), len(d_stride),
                    pct(d_stride, lambda a: np.abs(a).mean()), pct(d_stride, np.mean),
                    pct(d_stride, lambda a: np.abs(a).max()),
                    pct(d_peak, lambda a: np.abs(a).mean()), pct(d_peak, lambda a: np.abs(a).max()),
                    len(d_step), pct(d_step, lambda a: np.abs(a).mean()),
                    float(np.mean(conf)) if conf else float("nan"),
                    len(d_flight), ms(d_flight, lambda a: np.abs(a).mean()), n_flight_disagree,
                    len(d_step_time), ms(d_step_time, lambda a: np.abs(a).mean()))


SEGMENT_TRIM = 3   # contacts left out at each end per foot: the standing start and the stop


@dataclass(frozen=True)
class SegmentScore:
    """Shank and thigh swing peaks (deg) against the simulator's truth, steady-state
    contacts only (``SEGMENT_TRIM`` left out at each end of each foot's bout)."""

    drill: str
    fs_hz: float
    seed: int
    acc_range_g: float
    n_truth: dict      # segment -> truth peaks
    errors: dict       # segment -> np.ndarray of estimate - truth (deg), matched peaks only

    def mae(self, seg: str) -> float:
        return float(np.abs(self.errors[seg]).mean()) if self.errors[seg].size else float("nan")

    def max(self, seg: str) -> float:
        return float(np.abs(self.errors[seg]).max()) if self.errors[seg].size else float("nan")


def segment_score(drill: str, fs_hz: float, seed: int, acc_range_g: float = 16.0,
                  duration_s: float = 12.0) -> SegmentScore:
    from gaitcore.signals import Segment
    sim = simulate_session(drill_by_name(drill), fs_hz=fs_hz, duration_s=duration_s, seed=seed,
                           segments=(Segment.SHANK, Segment.THIGH), acc_range_g=acc_range_g)
    out = analyze(sim.recording)
    errors = {"shank": [], "thigh": []}
    n_truth = {"shank": 0, "thigh": 0}
    for foot in ("left", "right"):
        truth = [c for c in sim.truth["contacts"] if c["foot"] == foot]
        steps = [s for s in out.steps if s.foot.value == foot]
        for c in truth[SEGMENT_TRIM:len(truth) - SEGMENT_TRIM]:
            match = [s for s in steps if abs(s.ic_s - c["ic_s"]) < 0.03]
            for seg in errors:
                want = c[f"{seg}_angle_peak_deg"]
                if want is None:
                    continue
                n_truth[seg] += 1
                got = getattr(match[0], f"{seg}_angle_peak_deg") if match else None
                if got is not None:
                    errors[seg].append(got - want)
    return SegmentScore(drill, fs_hz, seed, acc_range_g, n_truth, {k: np.array(v) for k, v in errors.items()})
