"""What the drill-session layer (reps, the start and splits, recognition, quality, cues) costs.

    python -m benchmarks.reps_cost [SESSION.podses] [--repeat 5]

Offline: ``gaitcore.analyze`` of the session, best of ``--repeat`` in one process (the
numba kernels compiled before timing), with the time spent in the session layer summed
over its entry points: the push-offs from standing
(``gaitcore.steps.push_offs_from_standing``), the feet's paths for the splits
(``analysis._foot_path``) and ``gaitcore.reps.reps_of`` (reps, splits, recognition,
quality, cues).  The share is that time over the rest of the analysis; the whole
``gait analyze`` command (a fresh process, warm cache, best of 3) is timed beside it.

Live: the session replayed as ``gait live`` feeds it (``firmware_bridge.live.feed`` per
record, then ``finish``), with the time spent in the live display's rep bookkeeping summed
per step shown: the rep a step joins and its baseline (``_rep_of``, ``_baseline``), the
step and foot-lift cues (``_cue``, ``_lift_line``), the rep's top speed
(``_with_stride``), and ending reps with their session cue (``_end_before``,
``_end_if_all_at_rest``, ``_end_rep``).  Nested calls are counted once.  Times depend on
the machine: this prints, it does not judge.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LIVE_REP_FUNCS = ("_rep_of", "_baseline", "_cue", "_lift_line", "_with_stride", "_end_before",
                  "_end_if_all_at_rest", "_end_rep")
OFFLINE_FUNCS = ("push_offs_from_standing", "_foot_path", "reps_of")


class Timer:
    """Sums the wall time of the wrapped functions, each outermost call once."""

    def __init__(self):
        self.total_ns = 0
        self.calls = 0
        self._depth = 0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            t0 = time.perf_counter_ns()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total_ns += time.perf_counter_ns() - t0
                self.calls += 1
                self._depth -= 1
        return timed


def patched(module, names: tuple[str, ...], timer: Timer) -> dict:
    """Wrap ``names`` of ``module`` with ``timer``; the originals, to put back."""
    originals = {n: getattr(module, n) for n in names}
    for n, fn in originals.items():
        setattr(module, n, timer.wrap(fn))
    return originals


def offline(session: Path, repeat: int) -> dict:
    import gaitcore
    from gaitcore import analysis
    rec = gaitcore.read(str(session))
    analysis.analyze(rec)                       # compile and cache the kernels
    best = None
    for _ in range(repeat):
        timer = Timer()
        originals = patched(analysis, OFFLINE_FUNCS, timer)
        try:
            t0 = time.perf_counter_ns()
            a = analysis.analyze(rec)
            whole = time.perf_counter_ns() - t0
        finally:
            for n, fn in originals.items():
                setattr(analysis, n, fn)
        if best is None or whole < best[0]:
            best = (whole, timer.total_ns, len(a.steps), len(a.reps))
    whole, layer, n_steps, n_reps = best
    return {"whole_ms": whole / 1e6, "layer_ms": layer / 1e6, "steps": n_steps, "reps": n_reps}


def command(session: Path, repeat: int = 3) -> float:
    """The whole ``gait analyze`` command, warm (best of ``repeat``), in s."""
    gait = Path(sys.executable).with_name("gait")
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([str(gait), "analyze", str(session)], check=True, capture_output=True)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def live(session: Path) -> dict:
    from firmware_bridge import live as live_mod
    from firmware_bridge.session_file import read_session
    s = read_session(session)
    live_mod.replay(s.records, s.meta)                # compile and cache the kernels
    timer = Timer()
    per_record, steps = [], 0
    originals = patched(live_mod, LIVE_REP_FUNCS, timer)
    try:
        state = live_mod.new_live_state(s.meta)
        t_all = time.perf_counter_ns()
        for r in s.records:
            before = timer.total_ns
            items, state = live_mod.feed(state, r)
            steps += sum(isinstance(i, live_mod.LiveStep) for i in items)
            per_record.append(timer.total_ns - before)
        before = timer.total_ns
        items, state = live_mod.finish(state)
        steps += sum(isinstance(i, live_mod.LiveStep) for i in items)
        per_record.append(timer.total_ns - before)
        whole = time.perf_counter_ns() - t_all
    finally:
        for n, fn in originals.items():
            setattr(live_mod, n, fn)
    busy = np.array([x for x in per_record if x]) / 1e6
    return {"steps": steps, "total_ms": timer.total_ns / 1e6, "per_step_ms": timer.total_ns / 1e6 / steps,
            "records": int(busy.size), "p99_ms": float(np.percentile(busy, 99)), "max_ms": float(busy.max()),
            "whole_s": whole / 1e9}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("session", type=Path, nargs="?", default=ROOT / "recordings" / "sprint_session.podses")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    o = offline(a.session, a.repeat)
    rest = o["whole_ms"] - o["layer_ms"]
    print(f"offline, gaitcore.analyze of {a.session.name} (best of {a.repeat}): {o['whole_ms']:.1f} ms, "
          f"{o['steps']} steps in {o['reps']} reps")
    print(f"  session layer (push-offs from standing, splits, reps, recognition, quality, cues): "
          f"{o['layer_ms']:.1f} ms = {100 * o['layer_ms'] / rest:.1f}% over the rest of the analysis "
          f"({rest:.1f} ms)")
    cmd = command(a.session)
    print(f"  the whole `gait analyze` command, warm (best of 3): {cmd:.2f} s; the layer is "
          f"{100 * o['layer_ms'] / 1e3 / (cmd - o['layer_ms'] / 1e3):.1f}% over the rest of it")
    lv = live(a.session)
    print(f"live, the session replayed as `gait live` feeds it: {lv['steps']} steps shown, the rep bookkeeping "
          f"{lv['total_ms']:.1f} ms in all of the {lv['whole_s']:.2f} s replay")
    print(f"  per step shown: {lv['per_step_ms']:.3f} ms; per record that did rep bookkeeping ({lv['records']}): "
          f"p99 {lv['p99_ms']:.3f} ms, max {lv['max_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
