"""Load: N virtual pods at 1 kHz streamed in real time into one recorder.

    python -m benchmarks.pod_load [--pods 8] [--seconds 60] [--rate 1000]

Each pod is a `gait pod emulate` process on its own pseudo-terminal (no loss, no
corruption injected), so every sample it sends must reach the session: the host
drops nothing if, for every pod, the session holds every sample index from 0 to the
last with no frame refused.  Printed: samples and frames per pod, lost and refused
counts, the recorder's CPU time per pod per second of streaming (receiving and
writing), and the decoder's CPU time per pod per second of data (COBS, CRC, frames
to samples, clock fit).
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=1000.0)
    a = ap.parse_args(argv)
    from firmware_bridge.assemble import decode_pods, pod_samples
    from firmware_bridge.recorder import record_session
    from firmware_bridge.session_file import read_session
    from gaitcore.signals import Placement, Segment, Side

    drills = ["sprint", "tempo", "fast_feet", "high_knees"]
    emus = []
    try:
        for k in range(a.pods):
            foot = "left" if k % 2 == 0 else "right"
            emus.append(subprocess.Popen(
                [sys.executable, "-m", "sprintgait", "pod", "emulate", "--foot", foot, "--drill",
                 drills[(k // 2) % len(drills)], "--seed", str(k // 2), "--rate", str(a.rate), "--duration",
                 str(a.seconds)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT))
        paths = [p.stdout.readline().strip() for p in emus]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "load.podses"
            pods = [(f"pod{k}", path) for k, path in enumerate(paths)]
            c0, w0 = _cpu_s(), time.perf_counter()
            asyncio.run(record_session(pods, a.seconds + 1.0, out))
            rec_cpu, wall = _cpu_s() - c0, time.perf_counter() - w0
            session = read_session(out)
            c1 = _cpu_s()
            streams = decode_pods(session)
            results = [pod_samples(s, Placement(Side.UNKNOWN, Segment.FOOT), "load") for s in streams]
            dec_cpu = _cpu_s() - c1
            size = out.stat().st_size
    finally:
        for p in emus:
            p.terminate()
            p.wait(timeout=10)
    expected = int(a.seconds * a.rate)
    lines = [f"{a.pods} virtual pods x {a.rate:g} Hz x {a.seconds:g} s on pseudo-terminals, one recorder "
             f"({wall:.1f} s wall, session file {size / 1e6:.1f} MB)", ""]
    ok = True
    for s, r in zip(streams, results):
        rejected = sum(s.stats.rejected.values())
        complete = r.n_missing == 0 and rejected == 0 and r.sensor.n_samples == expected
        ok &= complete
        lines.append(f"{s.name}: {r.sensor.n_samples} of {expected} samples, {len(s.frames)} frames, "
                     f"{r.n_missing} lost, {rejected} refused, clock delay p99 {1000 * r.clock.delay_p99_s:.1f} ms"
                     + ("" if complete else "  <- INCOMPLETE"))
    lines += ["", f"host dropped frames: {'none' if ok else 'SOME (see above)'}",
              f"recorder CPU: {rec_cpu:.2f} s for {a.pods} pods x {a.seconds:g} s = "
              f"{100 * rec_cpu / (a.pods * a.seconds):.2f}% of a core per pod",
              f"decode CPU (session -> samples on the session clock): {dec_cpu:.2f} s = "
              f"{1000 * dec_cpu / (a.pods * a.seconds):.2f} ms per pod per second of data"]
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
