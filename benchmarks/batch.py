"""What ``gait batch`` gets through: sessions a minute and samples a second, on 1 and 2
local worker processes and on a Dask cluster (a scheduler and 2 workers, separate
processes on the loopback), on the same recordings in the same run.

    python -m benchmarks.batch [--sessions 24] [--seconds 60] [--quick]

The recordings are simulated sessions of two 1000 Hz foot pods (seeds 1..N): sprints,
skips and high knees with standing rest between them, each about ``--seconds`` long.
Every mode runs the whole command as a user does (``gait batch DIR --force --jobs N`` or
``--scheduler``, a fresh process: imports, the workers' start and their numba cache
loads included), analyses every session with the trajectory, and writes its results.
The Dask cluster of two single-threaded workers is started before timing (an existing
cluster) and runs the batch twice: new (its workers import the toolkit and load the
kernels during the first sessions, as the local processes do in every run) and warm (a
cluster that has run work before).  Times depend on the machine: this prints, it does
not judge.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def make_sessions(folder: Path, n: int, seconds: float) -> int:
    """``n`` simulated sessions of about ``seconds`` each; their total samples."""
    from gaitcore.simulate import HIGH_KNEES, SKIP, SPRINT, Rep, SessionPlan, simulate_plan, write_simulation
    reps = [Rep(SPRINT, 30.0, accel_tau_s=1.2, brake_mps2=4.0), Rep(SKIP, 20.0), Rep(HIGH_KNEES, 20.0)]
    per_rep_s = 16.0           # a rep and its rest, about
    plan = SessionPlan("bench", "sprints and drills", "Bench Athlete",
                       tuple(reps[k % 3] for k in range(max(1, round(seconds / per_rep_s)))), rest_s=8.0)
    total = 0
    for seed in range(1, n + 1):
        sim = simulate_plan(plan, fs_hz=1000.0, seed=seed)
        where = folder / f"athlete{seed % 4}"
        where.mkdir(parents=True, exist_ok=True)
        write_simulation(sim, where / f"session{seed:03d}.gaitrec")
        total += sum(s.n_samples for s in sim.recording.sensors)
    return total


def run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each session (default 60)")
    ap.add_argument("--quick", action="store_true", help="8 sessions of 30 s")
    args = ap.parse_args(argv)
    if args.quick:
        args.sessions, args.seconds = 8, 30.0
    from dask_cluster import Cluster
    tmp = Path(tempfile.mkdtemp(prefix="gait-batch-bench-"))
    try:
        t0 = time.perf_counter()
        samples = make_sessions(tmp / "archive", args.sessions, args.seconds)
        size_mb = sum(f.stat().st_size for f in (tmp / "archive").rglob("*.gaitrec")) / 1e6
        print(f"{args.sessions} simulated sessions, {samples / 1e6:.1f} M samples ({samples / args.sessions / 2000:.0f} s "
              f"of two 1000 Hz pods each), {size_mb:.0f} MB; made in {time.perf_counter() - t0:.0f} s")
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
        gait = [sys.executable, "-m", "sprintgait", "batch", str(tmp / "archive"), "--out", str(tmp / "out"),
                "--force", "-q"]
        rows = []
        for jobs in (1, 2):
            rows.append((f"local, --jobs {jobs}", run(gait + ["--jobs", str(jobs)])))
        with Cluster(tmp / "logs", n_workers=2) as cluster:
            rows.append(("Dask, 2, new", run(gait + ["--scheduler", cluster.address])))   # (workers load kernels)
            rows.append(("Dask, 2, warm", run(gait + ["--scheduler", cluster.address])))
        base = rows[0][1]
        print(f"{'mode':<18} {'wall s':>8} {'sessions/min':>13} {'M samples/s':>12} {'vs --jobs 1':>12}")
        for name, wall in rows:
            print(f"{name:<18} {wall:>8.1f} {args.sessions / wall * 60:>13.0f} {samples / wall / 1e6:>12.2f} "
                  f"{base / wall:>11.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
