"""What the live display costs per session record, replaying a recorded session as `gait live` feeds it.

    python -m benchmarks.live_record_cost [SESSION.podses] [--tree DIR] [--repeat 3]

Each record of the session (bytes a pod sent, or a connection event) goes through
``firmware_bridge.live.feed`` in order, then ``finish``, timed per call on
time.perf_counter_ns: mean, p50, p99 and max over the records, the calls that showed a
step line (their mean and p99), and the whole replay (best of ``--repeat``).  ``--tree``
runs the code of another checkout of this project (for example a ``git worktree`` of an
older revision) on the same session in the same run, so two revisions compare on one
machine.  The numba kernels are compiled (and cached) by a first replay before timing.
Times depend on the machine: this prints, it does not judge.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MEASURE = r"""
import json, sys, time
import numpy as np
from firmware_bridge.live import LiveStep, feed, finish, new_live_state
from firmware_bridge.session_file import read_session
s = read_session(sys.argv[1])
best, per, step_calls = None, None, None
for rep in range(int(sys.argv[2]) + 1):
    state = new_live_state(s.meta)
    times, steps = [], []
    t0 = time.perf_counter_ns()
    for r in s.records:
        a = time.perf_counter_ns()
        items, state = feed(state, r)
        times.append(time.perf_counter_ns() - a)
        if any(isinstance(i, LiveStep) for i in items):
            steps.append(times[-1])
    finish(state)
    whole = time.perf_counter_ns() - t0
    if rep and (best is None or whole < best):
        best, per, step_calls = whole, times, steps
per, step_calls = np.array(per) / 1e6, np.array(step_calls) / 1e6
print(json.dumps({"records": int(per.size), "mean_ms": per.mean(), "p50_ms": float(np.median(per)),
                  "p99_ms": float(np.percentile(per, 99)), "max_ms": per.max(), "step_calls": int(step_calls.size),
                  "step_mean_ms": step_calls.mean(), "step_p99_ms": float(np.percentile(step_calls, 99)),
                  "whole_s": best / 1e9}))
"""


def measure(tree: Path, session: Path, repeat: int) -> dict:
    """The figures of ``tree``'s live display on ``session`` (in a fresh interpreter)."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(session), str(repeat)], cwd=tree,
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("session", type=Path, nargs="?", default=ROOT / "recordings" / "sprint_session.podses")
    ap.add_argument("--tree", type=Path, action="append", default=[],
                    help="also run another checkout's live display (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    print(f"live display per session record, {a.session.name} (best replay of {a.repeat}):")
    for tree in [ROOT, *a.tree]:
        m = measure(tree.resolve(), a.session.resolve(), a.repeat)
        print(f"  {str(tree):24s} {m['records']} records: mean {m['mean_ms']:.3f} ms, p50 {m['p50_ms']:.3f}, "
              f"p99 {m['p99_ms']:.2f}, max {m['max_ms']:.1f}; {m['step_calls']} calls showing a step line: mean "
              f"{m['step_mean_ms']:.2f} ms, p99 {m['step_p99_ms']:.2f}; whole replay {m['whole_s']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
