"""Drill recognition (gaitcore.recognize) on the simulator's drills: a confusion matrix.

    python -m benchmarks.recognition [--seeds 8] [--rates 200,500,1000,1600] [--jobs 2]

Each of the simulator's drills (12 s from a standing start, both feet, noise on), seeds
1..N (each a random pod mounting and the drill's own variability), at each rate, analysed
whole; every rep found is compared with the drill simulated (the simulator's ``skips``
and ``skips_held`` are the catalog's ``skip``).  Prints the share recognised, the confusion matrix (rows: the
drill simulated, columns: the drill recognised), the reps per recording, and the figures
that decided.  This measures the rules against the simulator's drill models, which are
more regular than athletes; it is not a measure on real drills.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

SIM_TO_CATALOG = {"skips": "skip", "skips_held": "skip"}


def _one(job: tuple[str, int, float]) -> tuple[str, int, float, list[tuple[str | None, float, str]]]:
    from gaitcore import analyze
    from gaitcore.simulate import drill_by_name, simulate_session
    name, seed, rate = job
    sim = simulate_session(drill_by_name(name), fs_hz=rate, duration_s=12.0, seed=seed)
    a = analyze(sim.recording)
    return name, seed, rate, [(r.recognised.drill, r.recognised.confidence, r.recognised.reason) for r in a.reps]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--rates", default="200,500,1000,1600")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    from gaitcore.simulate import DRILLS
    rates = [float(r) for r in a.rates.split(",")]
    jobs = [(d, s, r) for d in DRILLS for s in range(1, a.seeds + 1) for r in rates]
    confusion: Counter = Counter()
    per_recording: Counter = Counter()
    wrong = []
    with ProcessPoolExecutor(a.jobs) as pool:
        for name, seed, rate, reps in pool.map(_one, jobs):
            want = SIM_TO_CATALOG.get(name, name)
            per_recording[len(reps)] += 1
            for got, conf, why in reps:
                confusion[(name, got)] += 1
                if got != want:
                    wrong.append(f"  {name} seed {seed} at {rate:g} Hz: {got} ({why}, confidence {conf})")
    n = sum(confusion.values())
    ok = sum(v for (w, g), v in confusion.items() if SIM_TO_CATALOG.get(w, w) == g)
    print(f"drill recognition on the simulator: {len(jobs)} recordings ({len(DRILLS)} drills x seeds 1-{a.seeds} x "
          f"{', '.join(f'{r:g}' for r in rates)} Hz), {n} reps: {ok} recognised ({100 * ok / max(n, 1):.1f}%)")
    print("reps per recording: " + ", ".join(f"{k}: {v}" for k, v in sorted(per_recording.items())))
    cols = list(dict.fromkeys(SIM_TO_CATALOG.get(d, d) for d in DRILLS)) + ["none"]
    print(f"{'simulated':<13}" + "".join(f"{c[:8]:>9}" for c in cols))
    for w in DRILLS:
        print(f"{w:<13}" + "".join(f"{confusion[(w, None if c == 'none' else c)]:>9}" for c in cols))
    if wrong:
        print("not recognised:")
        print("\n".join(wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
