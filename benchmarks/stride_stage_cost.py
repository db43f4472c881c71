"""What one call of the stride stage (gaitcore.stages.stride) costs, fed as the live display feeds it.

    python -m benchmarks.stride_stage_cost [--rows 16] [--lag-s 0.3] [--repeat 3]

The bundled sprint session (recordings/sprint_session.podses, 1 kHz, both feet), each
foot's cleaned rows (the quality stage) ``--rows`` at a time, each event given once the
rows fed are ``--lag-s`` past it (the detector reports an IC tens of ms late, a toe-off
mid-swing), the horizon at the next event not given.  Per call, on time.perf_counter_ns:
mean, p50, p99 and max over all calls; and separately the calls in which contacts
became final (their geometry computed), per such contact.  The numba kernels are
compiled (and cached) before timing.  Times depend on the machine: this prints, it does
not judge.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from stride_oracle import clean_chunks, oracle, stride_config  # noqa: E402

from gaitcore import read  # noqa: E402
from gaitcore.stages.stride import new_stride_state, stride_step  # noqa: E402


def _run(sensor, o, chunks, lag_rows: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    st = new_stride_state(stride_config(sensor, o))
    n = sum(c.n for c in chunks)
    ev, k = [e for e in o.events if e.pos < n], 0
    times, n_geo, n_len = [], [], []
    held = 0
    for i, c in enumerate(chunks):
        last = c.start + c.n - 1
        final = i == len(chunks) - 1
        give = []
        while k < len(ev) and (final or ev[k].pos + lag_rows <= last):
            give.append(ev[k])
            k += 1
        horizon = min(ev[k].pos if k < len(ev) else np.inf, last - lag_rows)
        t0 = time.perf_counter_ns()
        out, st = stride_step(st, c, tuple(give), horizon, final=final)
        times.append(time.perf_counter_ns() - t0)
        n_geo.append(len(out.geometry))
        n_len.append(len(out.stride_lengths))
        held = max(held, st.stage.rows.end - st.stage.rows.base)
    return np.array(times) / 1000.0, np.array(n_geo), np.array(n_len), held


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=16)
    ap.add_argument("--lag-s", type=float, default=0.3)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    rec = read(ROOT / "recordings" / "sprint_session.podses")
    for s in rec.sensors:
        o = oracle(s)
        chunks = clean_chunks(s, o, [a.rows])
        lag = a.lag_s * s.fs_hz
        _run(s, o, chunks[:400], lag)      # compile
        best = None
        for _ in range(a.repeat):
            us, n_geo, n_len, held = _run(s, o, chunks, lag)
            if best is None or us.mean() < best[0].mean():
                best = (us, n_geo, n_len, held)
        us, n_geo, n_len, held = best
        with_geo = n_geo > 0
        with_len = (n_len > 0) & ~with_geo
        print(f"{s.name}: {len(us)} calls of {a.rows} rows at {s.fs_hz:g} Hz: mean {us.mean():.0f} us, "
              f"p50 {np.percentile(us, 50):.0f}, p99 {np.percentile(us, 99):.0f}, max {us.max():.0f}; "
              f"calls finishing contacts: {with_geo.sum()} ({n_geo.sum()} contacts), "
              f"{us[with_geo].sum() / max(1, n_geo.sum()):.0f} us per contact (call mean "
              f"{us[with_geo].mean():.0f} us, others {us[~with_geo].mean():.0f} us); "
              f"calls releasing stride lengths only: {with_len.sum()} (mean {us[with_len].mean():.0f} us); "
              f"most rows held {held} ({held / s.fs_hz:.1f} s)")


if __name__ == "__main__":
    main()
