"""Live latency: how long after its samples arrive a step appears in the live output.

    python -m benchmarks.live_latency [--seconds 30] [--drill sprint] [--rate 1000]

Two `gait pod emulate` processes (left and right foot, 1 kHz, the simulator's drill)
on pseudo-terminals are recorded by the recorder with the live analysis tapped in,
as `gait live` runs it (the display itself is left out: printing a line is not the
pipeline).  For every step shown, on the recorder's monotonic clock: from the arrival
of the frame holding the toe-off sample that completes the contact, and from the
arrival of the frame holding its IC sample, to the moment the step was produced.
Steps reported at the end of the alignment warm-up (the first seconds, all at once)
are left out and counted separately.  The issue's target: p99 <= 50 ms after the
toe-off.
"""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--drill", default="sprint")
    ap.add_argument("--rate", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args(argv)
    from firmware_bridge.live import LiveStep, feed, new_live_state
    from firmware_bridge.recorder import record_session

    emus = [subprocess.Popen([sys.executable, "-m", "gaitcore.cli", "pod", "emulate", "--foot", foot, "--drill",
                              a.drill, "--seed", str(a.seed), "--rate", str(a.rate), "--duration", str(a.seconds)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
            for foot in ("left", "right")]
    after_to, after_ic, warmup = [], [], 0
    try:
        paths = [p.stdout.readline().strip() for p in emus]
        out = Path(tempfile.mkdtemp()) / "latency.podses"
        box = {"t0": None}

        def make_tap(meta: dict):
            box["state"] = new_live_state(meta)

            def tap(record):
                nonlocal warmup
                now_s = (time.monotonic_ns() - box["t0"]) * 1e-9
                items, box["state"] = feed(box["state"], record)
                done_s = (time.monotonic_ns() - box["t0"]) * 1e-9
                for it in items:
                    if not isinstance(it, LiveStep) or it.to_arrival_s is None:
                        continue
                    if now_s - it.to_arrival_s > 1.0:     # a step held back by the warm-up
                        warmup += 1
                        continue
                    after_to.append(done_s - it.to_arrival_s)
                    after_ic.append(done_s - it.ic_arrival_s)
                return []
            return tap

        def clock_ns() -> int:
            t = time.monotonic_ns()
            if box["t0"] is None:
                box["t0"] = t
            return t

        asyncio.run(record_session([("left", paths[0]), ("right", paths[1])], a.seconds + 2.0, out,
                                   clock_ns=clock_ns, make_tap=make_tap))
    finally:
        for p in emus:
            p.terminate()
            p.wait(timeout=10)
    to_ms, ic_ms = 1000 * np.array(after_to), 1000 * np.array(after_ic)
    print(f"live latency, 2 virtual pods at {a.rate:g} Hz, {a.drill}, {a.seconds:g} s (seed {a.seed}): "
          f"{to_ms.size} steps timed, {warmup} reported at the end of the warm-up (not timed)")
    for name, v in (("after the toe-off's frame arrived", to_ms), ("after the IC's frame arrived", ic_ms)):
        print(f"  {name:36s} p50 {np.percentile(v, 50):6.1f} ms   p99 {np.percentile(v, 99):6.1f} ms   "
              f"max {v.max():6.1f} ms")
    print(f"  target p99 <= 50 ms after the toe-off: {'met' if np.percentile(to_ms, 99) <= 50 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
