"""How late the contacts and steps stages give a step, and what a call costs.

Rows are fed as the live display feeds them, ``--chunk-ms`` at a time (both pods on one
cursor).  The events are the analysis' final events, each given with the chunk in which
the streaming detector (:func:`gaitcore.events.events_step`, fed the same chunks) found
it; the horizon is the position of the first event not given.  Latency: from a
contact's toe-off (its IC when it has none; standing: its ``off_s``) to the end of the
chunk whose call gave its step, in stream time.  Steps whose events came in the
detector's warm-up burst are reported apart.  Cost: wall time per call of
``contacts_step`` (each pod) plus ``steps_step``, over every call.

    .venv/bin/python benchmarks/steps_stage_latency.py [--chunk-ms 10]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import gaitcore
from gaitcore import analysis
from gaitcore.events import events_step, new_event_state
from gaitcore.params import Params
from gaitcore.quality import clock_tolerance_periods
from gaitcore.simulate import SPRINT, simulate_session
from gaitcore.stages.contacts import contacts_step, new_contacts_state
from gaitcore.stages.quality import CleanChunk
from gaitcore.steps import contacts_from_events
from gaitcore.stages.steps import (PAIR_FIELDS, STRIDE_FIELDS, FootFeed, StepsConfig, _final_fields,
                                   new_steps_state, steps_step)

# what becomes final when, per step (gaitcore.stages.steps' module docstring)
GROUPS = {"contact (its Contact out)": None, "stride_time_s, cadence_spm": STRIDE_FIELDS,
          "flight_s, step_time_s": PAIR_FIELDS, "confidence (the draft)": frozenset({"confidence"}),
          "step_length_m (the step out)": "out"}


def _found_at(r: analysis.SensorResult, step: int) -> list[int]:
    """Per final event of ``r``: the row count after the chunk in which the streaming
    detector found it."""
    s = r.sensor
    st = new_event_state(s.fs_hz, None, clock_tolerance_periods(s.t_s, s.fs_hz))
    found: dict[float, int] = {}
    n = s.t_s.shape[0]
    for a in range(0, n, step):
        b = min(n, a + step)
        evs, st = events_step(st, s.t_s[a:b], s.acc_mps2_sf[a:b], s.gyr_dps_sf[a:b], final=b == n)
        for e in evs:
            found.setdefault(e.pos, b)
    return [found.get(e.pos, n) for e in r.events]


def measure(name: str, rec, chunk_ms: float) -> None:
    params = Params()
    results = [analysis.detect_sensor(s, trajectory=False) for s in rec.sensors]
    fs = results[0].sensor.fs_hz
    step = max(1, int(round(chunk_ms * 1e-3 * fs)))
    found = [_found_at(r, step) for r in results]
    cst = [new_contacts_state(r.sensor.name, r.sensor.placement.side, params) for r in results]
    sst = new_steps_state(StepsConfig(tuple(r.sensor.placement.side for r in results), True, params.steps))
    n = max(r.sensor.t_s.shape[0] for r in results)
    ev = [0] * len(results)
    latency, warm, cost_us = [], [], []
    first: dict = {}     # (foot, contact index, group) -> stream time first final
    given = [0] * len(results)
    warm_end = [min(found_r) if found_r else 0 for found_r in found]
    for a in range(0, n, step):
        b = min(n, a + step)
        final = b == n
        t0 = time.perf_counter()
        feeds = []
        for i, r in enumerate(results):
            m = r.sensor.t_s.shape[0]
            lo, hi = min(a, m), min(b, m)
            e = ev[i]
            while e < len(r.events) and found[i][e] <= b:
                e += 1
            horizon = r.events[e].pos if e < len(r.events) else float(m)
            ch = CleanChunk(lo, r.sensor.t_s[lo:hi], None, None, None, None, r.breaks[lo:hi], r.clipped[lo:hi], None,
                            (), 0, 0)
            co, cst[i] = contacts_step(cst[i], ch, r.events[ev[i]:e], horizon, final)
            ev[i] = e
            feeds.append(FootFeed(co.contacts, co.cuts, co.no_cut_before_s, (), co.horizon_s))
        steps, sst = steps_step(sst, feeds, final)
        cost_us.append((time.perf_counter() - t0) * 1e6)
        now = float(results[0].sensor.t_s[min(b, results[0].sensor.t_s.shape[0]) - 1])
        if not final:       # (outside the timed part) when each group of a step's fields became final
            for i, feed in enumerate(feeds):
                for k in range(given[i], given[i] + len(feed.contacts)):
                    first.setdefault((i, k, "contact (its Contact out)"), now)
                given[i] += len(feed.contacts)
            for i, f in enumerate(sst.feet):
                for q in f.queue:
                    for g in ("stride_time_s, cadence_spm", "flight_s, step_time_s", "confidence (the draft)"):
                        first.setdefault((i, q.index, g), now)
                for k in range(f.n_drafted, f.n_given):
                    ff = _final_fields(sst.config, sst.feet, i, k)
                    for g, fields in GROUPS.items():
                        if isinstance(fields, frozenset) and fields <= ff:
                            first.setdefault((i, k, g), now)
                for k in range(f.base, f.n_drafted):
                    if not any(q.index == k for q in f.queue):
                        for g in ("stride_time_s, cadence_spm", "flight_s, step_time_s", "confidence (the draft)",
                                  "step_length_m (the step out)"):
                            first.setdefault((i, k, g), now)
        for s in steps:
            i = [r.sensor.placement.side for r in results].index(s.foot)
            end = s.to_s if s.to_s is not None else s.ic_s
            if final:
                continue        # given at the end of the stream: no latency to speak of
            in_warmup = b <= warm_end[i] + step
            (warm if in_warmup else latency).append(now - end)
    lat = np.array(latency)
    c = np.array(cost_us)
    print(f"{name}: {len(latency)} steps given while streaming ({len(warm)} in the warm-up burst); "
          f"latency after the toe-off: median {np.median(lat):.3f} s, p95 {np.percentile(lat, 95):.3f} s, "
          f"max {lat.max():.3f} s")
    print(f"  cost per call ({len(c)} calls of {chunk_ms:g} ms, contacts stage x{len(results)} + steps stage): "
          f"mean {c.mean():.1f} us, p99 {np.percentile(c, 99):.1f} us, max {c.max():.1f} us")
    ends = {}
    for i, r in enumerate(results):
        for k, ct in enumerate(contacts_from_events(r.sensor.name, r.sensor.placement.side, r.events, r.sensor.t_s,
                                                     r.clipped, r.breaks, params)):
            ends[(i, k)] = ct.to_s if ct.to_s is not None else ct.ic_s
    warm_t = max(float(r.sensor.t_s[min(w, r.sensor.t_s.shape[0] - 1)]) for r, w in zip(results, warm_end))
    for g in GROUPS:
        d = np.array([t - ends[(i, k)] for (i, k, gg), t in first.items() if gg == g and t > warm_t + 0.05])
        if d.size:
            print(f"  {g}: final {np.median(d):.3f} s (median), {np.percentile(d, 95):.3f} s (p95) after the "
                  f"toe-off, n={d.size} (after the warm-up burst)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunk-ms", type=float, default=10.0)
    args = ap.parse_args()
    measure("bundled sprint session", gaitcore.read("recordings/sprint_session.podses"), args.chunk_ms)
    measure("simulated sprint (seed 1, 1000 Hz, 12 s)",
            simulate_session(SPRINT, fs_hz=1000.0, duration_s=12.0, seed=1).recording, args.chunk_ms)


if __name__ == "__main__":
    main()
