"""Throughput of the event pipeline, and of the whole analysis against gaitmap.

    python -m benchmarks.speed [--gaitmap-python PATH] [--repeats 20]

Everything runs pinned to one core with single-threaded BLAS and numba, after a
warm-up call (compilation excluded; ``gait analyze`` start-up is timed
separately at the end, cold = empty numba cache, warm = cache filled).

1. Event detection alone: the numba state machine (`_events_kernel`) on 10 M
   foot-frame samples, and the public streaming step (`events_step`: gap check,
   rotation into the foot frame, the kernel) with a known alignment.
2. The foot-trajectory filter and smoother (`trajectory_step`) on a 10-minute 1 kHz
   simulated sprint.
3. Whole analysis (`gaitcore.analysis.analyze`: quality scans, alignment
   warm-up, events, steps, summary) on validation/data/gaitmap_example/imu_sample.csv
   (2 x 7928 samples at 204.8 Hz), and on that file's rows repeated 16 times (a
   10-minute session, where per-recording costs no longer dominate), against gaitmap's pipeline on the same file in
   the same run, timed by benchmarks/gaitmap_peer.py under an interpreter that has
   gaitmap (and gaitmap_mad) installed; the ratio of throughputs is printed.
   Both sides start from data in memory (CSV parsing excluded).  Our ``analyze``
   now includes the trajectory (stride length, foot lift), like gaitmap's full run.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from gaitcore import _events_kernel as K  # noqa: E402
from gaitcore.align import estimate_alignment  # noqa: E402
from gaitcore.analysis import analyze  # noqa: E402
from gaitcore.events import events_step, kernel_params, new_event_state  # noqa: E402
from gaitcore.params import EventParams  # noqa: E402
from gaitcore.readers import read_recording  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GAITMAP_CSV = ROOT / "validation" / "data" / "gaitmap_example" / "imu_sample.csv"
GAITMAP_FS_HZ = 204.8
BUNDLED = ROOT / "recordings" / "sprint_session.podses"


def best_of(fn, repeats: int) -> float:
    fn()
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _long_signal(rec, n_target: int):
    s = rec.sensors[0]
    reps = int(np.ceil(n_target / s.n_samples))
    acc = np.ascontiguousarray(np.tile(s.acc_mps2_sf, (reps, 1))[:n_target])
    gyr = np.ascontiguousarray(np.tile(s.gyr_dps_sf, (reps, 1))[:n_target])
    t = np.arange(n_target) / s.fs_hz
    return s, t, acc, gyr


def event_throughput(rec, repeats: int) -> list[str]:
    n = 10_000_000
    s, t, acc, gyr = _long_signal(rec, n)
    al = estimate_alignment(s.acc_mps2_sf, s.gyr_dps_sf, s.fs_hz)
    r = al.rot_ff_sf
    acc_ff = np.ascontiguousarray(acc @ r.T)
    p = np.ascontiguousarray(-(gyr @ r.T)[:, 1])
    reset = np.zeros(n, dtype=np.bool_)
    bufs = [np.zeros(2 * n + 2, dtype=np.int64)] + [np.zeros(2 * n + 2) for _ in range(3)]
    thresholds = kernel_params(EventParams())

    def kernel_only():
        K.events_step(K.new_state(), p, acc_ff, reset, s.fs_hz, thresholds, *bufs)

    def public_step():
        events_step(new_event_state(s.fs_hz, al), t, acc, gyr, final=True)

    tk = best_of(kernel_only, max(1, repeats // 4))
    tp = best_of(public_step, max(1, repeats // 4))
    return [f"event kernel (numba state machine): {n / tk / 1e6:8.1f} M samples/s  ({n:,} samples, {tk:.3f} s)",
            f"events_step (gap check + rotation + kernel): {n / tp / 1e6:8.1f} M samples/s  ({tp:.3f} s)"]


def ins_throughput(repeats: int) -> list[str]:
    """Filter + smoother on a simulated 1 kHz sprint repeated to 10 minutes (events,
    zero-velocity flags and clipping reconstruction prepared beforehand)."""
    from gaitcore.analysis import detect_sensor
    from gaitcore.align import still_mask
    from gaitcore.simulate import SPRINT, simulate_session
    from gaitcore.quality import full_scale
    from gaitcore.trajectory import ins_inputs, new_trajectory_state, trajectory_step, zero_velocity
    fs = 1000.0
    s = simulate_session(SPRINT, fs_hz=fs, duration_s=12.0, seed=1).recording.sensors[0]
    r = detect_sensor(s)
    zupt, sigma, spans = zero_velocity(r.events, s.gyr_dps_sf, fs, still_mask(s.acc_mps2_sf, s.gyr_dps_sf, fs),
                                       r.breaks)
    level = np.zeros(s.n_samples, dtype=bool)
    level[[sp.anchor for sp in spans if sp.anchor >= 0]] = True
    acc_fs, gyr_fs = full_scale(s)
    acc, gyr, extra = ins_inputs(s, acc_fs, gyr_fs, r.breaks)   # as gait analyze does
    reps = 50
    cols = [np.tile(a, (reps, 1)) if a.ndim == 2 else np.tile(a, reps)
            for a in (acc, gyr, np.full(s.n_samples, 1 / fs), zupt, sigma, level, extra, r.breaks)]
    n = cols[0].shape[0]
    t = best_of(lambda: trajectory_step(new_trajectory_state(fs), *cols, final=True), max(1, repeats // 10))
    return [f"INS filter + smoother (zero-velocity-aided EKF, RTS): {n / t / 1e6:6.2f} M samples/s  "
            f"({n:,} samples of a 1 kHz sprint, {t:.2f} s)"]


def gaitmap_times(python: str, path: Path, repeats: int) -> dict | None:
    peer = Path(__file__).with_name("gaitmap_peer.py")
    try:
        out = subprocess.run([python, str(peer), str(path), str(GAITMAP_FS_HZ), str(repeats)],
                             capture_output=True, text=True, check=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as err:
        print(f"gaitmap run failed: {err}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def _tiled_csv(reps: int, folder: Path) -> Path:
    """imu_sample.csv with its data rows repeated ``reps`` times (a ~10-minute walk)."""
    lines = GAITMAP_CSV.read_text().splitlines()
    head, rows = lines[:2], [ln.split(",", 1)[1] for ln in lines[2:] if ln]
    out = folder / f"imu_sample_x{reps}.csv"
    with open(out, "w") as f:
        f.write("\n".join(head) + "\n")
        k = 0
        for _ in range(reps):
            for r in rows:
                f.write(f"{k},{r}\n")
                k += 1
    return out


def whole_analysis(path: Path, label: str, repeats: int, gaitmap_python: str | None) -> list[str]:
    rec = read_recording([path], fs_hz=GAITMAP_FS_HZ)
    n_total = sum(s.n_samples for s in rec.sensors)
    ours = best_of(lambda: analyze(rec), repeats)
    timing = best_of(lambda: analyze(rec, trajectory=False), repeats)
    lines = [f"gait analyze pipeline on {label}: {ours * 1e3:8.2f} ms  "
             f"({n_total / ours / 1e6:.2f} M samples/s, {n_total:,} samples); "
             f"contact timing only (--no-trajectory): {timing * 1e3:.2f} ms"]
    if gaitmap_python is None:
        lines.append("gaitmap: not measured (pass --gaitmap-python, see the module docstring)")
        return lines
    g = gaitmap_times(gaitmap_python, path, max(1, repeats // 4))
    if g is None:
        lines.append("gaitmap: run failed (see stderr)")
        return lines
    for key, what, mine, how in (
            ("events_s", "events (gravity alignment, DTW strides, Rampp events)", timing, "--no-trajectory"),
            ("full_s", "full (+ stride trajectories, temporal and spatial parameters)", ours, "full")):
        lines.append(f"gaitmap {g['gaitmap_version']} {what}: {g[key] * 1e3:8.1f} ms  "
                     f"-> ours ({how}) is {g[key] / mine:6.1f}x faster")
    return lines


def cli_start_times() -> list[str]:
    gait = shutil.which("gait") or str(Path(sys.executable).with_name("gait"))
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = []
        for label in ("cold (empty numba cache)", "warm"):
            t0 = time.perf_counter()
            subprocess.run([gait, "analyze", str(BUNDLED)], env=env, check=True, capture_output=True)
            out.append(f"gait analyze recordings/{BUNDLED.name}, {label}: {time.perf_counter() - t0:.2f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gaitmap-python", metavar="PATH",
                    help="interpreter with gaitmap installed (default: $GAITMAP_PYTHON, or none)")
    ap.add_argument("--repeats", type=int, default=20)
    a = ap.parse_args(argv)
    gm = a.gaitmap_python or os.environ.get("GAITMAP_PYTHON")
    rec = read_recording([GAITMAP_CSV], fs_hz=GAITMAP_FS_HZ)
    lines = ["one core (affinity pinned), best of repeats, compilation excluded", ""]
    lines += event_throughput(rec, a.repeats) + [""]
    lines += ins_throughput(a.repeats) + [""]
    lines += whole_analysis(GAITMAP_CSV, "imu_sample.csv (39 s)", a.repeats, gm) + [""]
    with tempfile.TemporaryDirectory() as tmp:
        long_csv = _tiled_csv(16, Path(tmp))
        lines += whole_analysis(long_csv, "imu_sample.csv repeated 16x (10.3 min)",
                                max(2, a.repeats // 5), gm) + [""]
    lines += cli_start_times()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
