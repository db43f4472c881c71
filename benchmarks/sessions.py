"""Whole simulated sessions against their truth: reps, recognition, boundaries, fatigue cues.

    python -m benchmarks.sessions [--sessions 40] [--rates 200,500,1000,1600] [--jobs 2]

Session k (seeded with k, so each is repeatable: the seeds are printed) is drawn by a
seeded generator: 9 reps from the simulator's session drills (sprints from a sprint start,
the speed's time constant 1.0-1.5 s, and tempo runs from standing at 30-40 m; flying
sprints built up from standing over 60 m, time constant 2.6-3.0 s; jogs, A-skips,
A-skips with the free foot held, power skips, high knees, butt kicks and walking lunges at
20 m, fast feet and ankling at 15 m, bounding at 40 m), most followed by a walk back of
8-15 m, with 2-6 s standing between; random pod mountings; the rate cycles through
``--rates``.  Each rep's drill is the catalog's: a sprint from a sprint start is an
acceleration.  Two in three sessions carry one injected fatigue:

- within a rep: a drill rep's contacts 25-35% longer from a contact drawn from its 8th to
  its 20th (to its fourth last, in the short reps of power skips and bounding; not in jogs
  and lunges, whose contacts the cue leaves alone): the "contacts longer" cue must come
  within 3 steps of it;
- across reps: a set of four 30 m accelerations whose top speed falls 7-9% from a rep
  drawn from the second to the fourth: the "speed down" cue must come at that rep, +-1.

The rest are steady and must raise no fatigue cue (fast feet's fatigue cue is "quicker off
the ground"); no asymmetry or foot-lift change is injected, so every such cue is counted.  The plan as a coach writes it (walks
back not listed) names the reps, as it would in use; recognition is also counted from
each rep's steps alone (``Rep.recognised``), against the simulated drill, over every rep
that is not a walk back.  Boundaries: a rep's start (its first movement) against the
simulated heel rise, its end (the last contact) against the feet flat together after the
stop.  Figures printed; the issue's bars: recognition >= 95% over >= 300 reps, boundaries
within 0.2 s, fatigue flagged at its rep +-1 (within a rep: 3 steps), steady sessions
without a fatigue cue.
"""
from __future__ import annotations

import argparse
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from gaitcore.recognize import START_MPS2

SIM_TO_CATALOG = {"skips": "skip", "skips_held": "skip"}
# the cues that tell fatigue (fast feet's is "quicker off the ground": its contacts over 100 ms)
FATIGUE_CUES = ("longer than the rep's start", "speed down", "longer than your best rep", "stop the set",
                "quicker off the ground")


def label(rep) -> str:
    """The catalog's id of a simulated rep's drill (what the plan calls it, else its drill)."""
    from gaitcore.drills import default_catalog
    return default_catalog().find(rep.called or SIM_TO_CATALOG.get(rep.drill.name, rep.drill.name)).id


def session_plan(k: int):
    """Session ``k``'s plan and what was injected: (plan, kind, rep index, detail)."""
    from dataclasses import replace
    from gaitcore.simulate import (ANKLING, BOUNDING, BUTT_KICKS, FAST_FEET, HIGH_KNEES, JOG, LUNGES, POWER_SKIP,
                                   SKIP, SKIP_HELD, SPRINT, TEMPO, WALK, Rep, SessionPlan)
    rng = np.random.default_rng(k)
    kind = ("steady", "within", "across")[k % 3]
    drills = [SKIP, SKIP_HELD, POWER_SKIP, FAST_FEET, HIGH_KNEES, ANKLING, BUTT_KICKS, JOG, LUNGES, BOUNDING]
    distance = {FAST_FEET: 15.0, ANKLING: 15.0, BOUNDING: 40.0}
    reps: list = []
    fatigued = None
    detail = None
    if kind == "across":          # a set of four accelerations first, the speed falling from one of them
        drop_at = int(rng.integers(1, 4))
        drop = float(rng.uniform(0.07, 0.09))
        for j in range(4):
            v = SPRINT.speed_mps * (1.0 - drop if j >= drop_at else 1.0)
            reps.append(Rep(replace(SPRINT, speed_mps=v), 30.0, accel_tau_s=1.2, brake_mps2=4.0, called="accel"))
        fatigued, detail = drop_at, drop
    while len([r for r in reps if r.drill is not WALK]) < 9:
        pick = int(rng.integers(0, len(drills) + 3))
        if pick == len(drills) + 2:    # a flying sprint, built up from standing
            reps.append(Rep(SPRINT, 60.0, accel_tau_s=float(rng.uniform(2.6, 3.0)), brake_mps2=3.5, called="fly"))
        elif pick >= len(drills):      # an acceleration or a tempo run from standing
            top = SPRINT if pick == len(drills) else TEMPO
            reps.append(Rep(top, float(rng.choice([30.0, 40.0])), accel_tau_s=float(rng.uniform(1.0, 1.5)),
                            brake_mps2=3.5, called="accel" if top is SPRINT else None))
        else:
            d = drills[pick]
            if kind == "within" and fatigued is None and d not in (JOG, LUNGES) and len(reps) >= 2:
                n = int(distance.get(d, 20.0) / (d.speed_mps * d.step_s))   # about its contacts
                step = int(rng.integers(7, min(20, n - 3)))
                reps.append(Rep(d, distance.get(d, 20.0), fatigue_from_step=step,
                                fatigue_contact_pct=float(rng.uniform(25, 35))))
                fatigued, detail = len(reps) - 1, step
            else:
                reps.append(Rep(d, distance.get(d, 20.0)))
        if rng.random() < 0.7:
            reps.append(Rep(WALK, float(rng.uniform(8.0, 15.0))))
    plan = SessionPlan(f"s{k}", f"benchmark session, seed {k}", "sim", tuple(reps), rest_s=float(rng.uniform(2.0, 6.0)))
    return plan, kind, fatigued, detail


def _one(job: tuple[int, float]) -> dict:
    from gaitcore import analyze
    from gaitcore.simulate import simulate_plan
    k, rate = job
    plan, kind, fatigued, detail = session_plan(k)
    sim = simulate_plan(plan, fs_hz=rate, seed=k)
    a = analyze(sim.recording)
    truth = sim.truth["reps"]
    rows = []
    for j, t in enumerate(truth):
        # the analysed rep that overlaps the truth's most
        best = max(a.reps, key=lambda r: min(r.end_s, t["end_s"]) - max(r.start_s, t["start_s"]), default=None)
        overlap = None if best is None else min(best.end_s, t["end_s"]) - max(best.start_s, t["start_s"])
        r = best if overlap is not None and overlap > 0 else None
        rows.append({"truth": label(plan.reps[j]), "drill": t["drill"], "got": None if r is None else r.recognised.drill,
                     "index": None if r is None else r.index, "rest": None if r is None else r.is_rest,
                     "push": None if r is None or r.splits is None else r.splits.start_acceleration_mps2,
                     "start_err": None if r is None else r.start_s - t["first_movement_s"],
                     "end_err": None if r is None else r.end_s - t["end_s"]})
    fatigue_cues = [(r.index, c) for r in a.reps for c in r.cues if any(w in c.text for w in FATIGUE_CUES)]
    other_cues = [(r.index, c) for r in a.reps for c in r.cues if not any(w in c.text for w in FATIGUE_CUES)]
    found = None
    if kind == "within":
        rep = rows[fatigued]["index"]
        t_onset = truth[fatigued]["fatigue_from_s"]
        steps = [s for s in a.steps if s.rep == rep]
        at = next((i for i, s in enumerate(steps) if s.ic_s > t_onset - 0.01), None)
        cued = [i for i, s in enumerate(steps) for x, c in fatigue_cues if x == rep and c.t_s == s.ic_s]
        found = None if at is None or not cued else cued[0] - at
    elif kind == "across":
        reps_cued = [x for x, c in fatigue_cues if "speed down" in c.text]
        found = None if not reps_cued else reps_cued[0] - rows[fatigued]["index"]
    return {"k": k, "rate": rate, "kind": kind, "rows": rows, "n_reps": len(a.reps), "n_truth": len(truth),
            "fatigued_drill": None if fatigued is None else truth[fatigued]["drill"],
            "found": found, "fatigue_cues": [(x, c.text) for x, c in fatigue_cues],
            "other_cues": [(x, c.text) for x, c in other_cues], "detail": detail}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--rates", default="200,500,1000,1600")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    rates = [float(r) for r in a.rates.split(",")]
    jobs = [(k, rates[k % len(rates)]) for k in range(1, a.sessions + 1)]
    with ProcessPoolExecutor(a.jobs) as pool:
        results = list(pool.map(_one, jobs))
    rows = [row for res in results for row in res["rows"]]
    drills = [r for r in rows if r["truth"] != "walk"]
    walks = [r for r in rows if r["truth"] == "walk"]
    ok = sum(r["got"] == r["truth"] for r in drills)
    print(f"{len(results)} simulated sessions (seeds 1-{a.sessions}; {', '.join(f'{r:g}' for r in rates)} Hz in "
          f"turn), {len(rows)} reps simulated ({len(drills)} drill reps, {len(walks)} walks back); "
          f"{sum(res['n_reps'] for res in results)} reps found")
    print(f"recognition from the steps alone: {ok} of {len(drills)} drill reps ({100 * ok / len(drills):.1f}%)")
    print(f"walks back taken as rest: {sum(bool(r['rest']) for r in walks)} of {len(walks)}; drill reps taken as "
          f"rest: {sum(bool(r['rest']) for r in drills)}")
    conf = Counter((r["truth"], r["got"]) for r in drills)
    cols = sorted({g for _, g in conf} - {None}) + ["none"]
    names = sorted({t for t, _ in conf})
    print(f"{'simulated':<13}" + "".join(f"{c[:8]:>9}" for c in cols))
    for t in names:
        print(f"{t:<13}" + "".join(f"{conf[(t, None if c == 'none' else c)]:>9}" for c in cols))
    for r, res in ((r, res) for res in results for r in res["rows"]):
        if r["truth"] != "walk" and r["got"] != r["truth"]:
            print(f"  seed {res['k']} at {res['rate']:g} Hz: {r['truth']} recognised as {r['got']}")
    print("the push from standing (splits.start_acceleration_mps2, m/s²) of the reps at speed, by simulated drill:")
    for want in ("acceleration", "sprint", "tempo"):
        pushes = [r["push"] for r in drills if r["truth"] == want and r["push"] is not None]
        if pushes:
            print(f"  {want}: {min(pushes):.2f}-{max(pushes):.2f} ({len(pushes)} reps; the acceleration rule's line: "
                  f"{START_MPS2} m/s²)")
    for what in ("start_err", "end_err"):
        e = np.array([r[what] for r in rows if r[what] is not None])
        off = Counter(r["drill"] for r in rows if r[what] is not None and abs(r[what]) > 0.2)
        print(f"rep {what[:-4]}: mean {e.mean():+.3f} s, max |error| {np.abs(e).max():.3f} s, "
              f"{int((np.abs(e) <= 0.2).sum())} of {e.size} within 0.2 s"
              + (f" (beyond: {', '.join(f'{k} x{v}' for k, v in off.most_common())})" if off else ""))
    for kind, bar in (("within", 3), ("across", 1)):
        mine = [res for res in results if res["kind"] == kind]
        hit = [res for res in mine if res["found"] is not None and 0 <= res["found"] <= bar] if kind == "within" \
            else [res for res in mine if res["found"] is not None and abs(res["found"]) <= bar]
        print(f"fatigue {kind} a rep: {len(hit)} of {len(mine)} flagged in time "
              f"(offsets {sorted(res['found'] for res in mine if res['found'] is not None)}; "
              f"{'steps' if kind == 'within' else 'reps'})")
        for res in mine:
            if res not in hit:
                print(f"  seed {res['k']} at {res['rate']:g} Hz, {res['fatigued_drill']}: {res['found']} "
                      f"({res['fatigue_cues']})")
    steady = [res for res in results if res["kind"] == "steady"]
    loud = [res for res in steady if res["fatigue_cues"]]
    print(f"steady sessions: {len(steady) - len(loud)} of {len(steady)} without a fatigue cue")
    for res in loud:
        print(f"  seed {res['k']} at {res['rate']:g} Hz: {res['fatigue_cues']}")
    print("other cues (none was injected: feet uneven, foot lift), per session (by its seed) and simulated drill:")
    for res in results:
        drill_of = {r["index"]: r["drill"] for r in res["rows"] if r["index"] is not None}
        per = Counter((drill_of.get(x), text.split(":")[0]) for x, text in res["other_cues"])
        if per:
            print(f"  seed {res['k']} at {res['rate']:g} Hz: "
                  + "; ".join(f"{d}: {what} x{v}" for (d, what), v in per.most_common()))
    print(f"other cues in all sessions: {sum(len(res['other_cues']) for res in results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
