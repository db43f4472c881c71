"""Print the accuracy tables of the README: real data against its references, then
the simulator's drills against their ground truth.

    python -m benchmarks.validate [--rates 200,500,1000,1600] [--seeds 1] [--duration 12]

Real data comes from validation/data (other people's recordings and references);
the simulated figures are per drill and sampling rate, pooled over the seeds
given.  Progress goes to stderr, the tables (Markdown) to stdout.
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from benchmarks.realdata import (PYSHOE_VICON_POINT_SF_M, gaitmap_event_accuracy, gaitmap_heading_drift,
                                 gaitmap_step_length_accuracy, gaitmap_stride_accuracy, pyshoe_contact_accuracy,
                                 pyshoe_heading_drift, pyshoe_lateral_accuracy, pyshoe_lift_accuracy,
                                 pyshoe_stride_accuracy, tripod_contact_accuracy, xio_loop_closure)
from benchmarks.simdata import score, segment_score
from gaitcore.simulate import DRILLS


def _real_tables() -> list[str]:
    out = ["## Real data", "", "| data | reference | found | extra | mean error | SD |", "|---|---|---|---|---|---|"]
    acc = gaitmap_event_accuracy()
    for kind in ("ic", "to"):
        a = acc[kind]
        out.append(f"| gaitmap walk 204.8 Hz | motion-capture {kind.upper()} | {a.n_found}/{a.n_ref} | "
                   f"{a.n_extra} | {a.mean_ms:+.1f} ms | {a.sd_ms:.1f} ms |")
    for run in ("PWS", "PWS-20"):
        for c in tripod_contact_accuracy(run):
            out.append(f"| TRIPOD {run} ({c.subset} steps) | OptoGait contact time | {c.n_matched}/{c.n_ref} | "
                       f"- | {c.bias_ms:+.1f} ms | {c.sd_ms:.1f} ms |")
    for kind, label in (("walk", "walking"), ("jog", "jogging")):
        c = pyshoe_contact_accuracy(kind)
        out.append(f"| PyShoe {label}, {c.n_trials} trials | VICON foot speed: contacts between swings | "
                   f"{c.n_found}/{c.n_ref} | {c.n_in_swing} in a swing, {c.n_split} splitting one | - | - |")
    st, mae_m, bias_m = gaitmap_stride_accuracy()
    out += ["", "| stride length | reference | strides | MAE | bias | max | target |", "|---|---|---|---|---|---|---|",
            f"| gaitmap walk 204.8 Hz | motion-capture heel | {st.n_strides} | {100 * mae_m:.1f} cm ({st.mae_pct:.1f}%) | "
            f"{100 * bias_m:+.1f} cm | {st.max_pct:.0f}% | MAE <= 3 cm (gaitmap 2.6: 4 cm) |"]
    sl = gaitmap_step_length_accuracy()
    out.append(f"| gaitmap walk, step length between the feet | motion-capture heels of both feet | {sl.n_steps} | "
               f"{100 * sl.mae_m:.1f} cm ({100 * sl.mae_m / sl.mean_ref_m:.1f}%) | {100 * sl.bias_m:+.1f} cm | "
               f"{100 * sl.max_m / sl.mean_ref_m:.0f}% | - |")
    for a in pyshoe_stride_accuracy("jog"):
        label = "all jogging trials" if a.name == "all" else f"PyShoe {a.name}"
        out.append(f"| {label} | VICON foot | {a.n_strides} | {a.mae_pct:.1f}% | {a.bias_pct:+.1f}% | "
                   f"{a.max_pct:.0f}% | <= 2% |")
    out += ["", "| foot lift (peak height in swing) | reference | strides | bias | MAE | median ours / reference |",
            "|---|---|---|---|---|---|"]
    for kind, label in (("walk", "walking"), ("jog", "jogging")):
        for point, ours in ((None, "ours at the IMU"), (PYSHOE_VICON_POINT_SF_M, "ours at the VICON point")):
            lf = pyshoe_lift_accuracy(kind, point)
            out.append(f"| PyShoe {label}, {ours} | VICON point (4 cm below the IMU) | {lf.n_strides} | "
                       f"{lf.bias_cm:+.1f} cm | {lf.mae_cm:.1f} cm | "
                       f"{lf.median_ours_cm:.1f} / {lf.median_ref_cm:.1f} cm |")
    out += ["", "| lateral excursion (from the arc the stride follows) | reference | strides | bias | MAE | "
                "median ours / reference |", "|---|---|---|---|---|---|"]
    for kind, label in (("walk", "walking"), ("jog", "jogging")):
        la = pyshoe_lateral_accuracy(kind)
        out.append(f"| PyShoe {label} | VICON point's path, same definition | {la.n_strides} | {la.bias_cm:+.1f} cm | "
                   f"{la.mae_cm:.1f} cm | {la.median_ours_cm:.1f} / {la.median_ref_cm:.1f} cm |")
    out += ["", "| closed loop (x-io NGIMU, ~400 Hz) | contacts | path | end to start | publisher's method | target |",
            "|---|---|---|---|---|---|"]
    for name, target in (("short_walk", 0.040), ("long_walk", 0.150)):
        c = xio_loop_closure(name)
        end = "-" if c.net_displacement_m is None else f"{1000 * c.net_displacement_m:.0f} mm"
        out.append(f"| {name} | {c.n_contacts} | {c.path_m:.1f} m | {end} | {1000 * c.publisher_m:.0f} mm | "
                   f"< {1000 * target:.0f} mm |")
    out += ["", "| stride direction (heading) | reference | strides | drift | SD about the mean |", "|---|---|---|---|---|"]
    for d in gaitmap_heading_drift():
        out.append(f"| {d.name} walk | motion-capture heel | {d.n_strides} | {d.drift_dps:+.3f} deg/s | {d.sd_deg:.1f} deg |")
    for kind, label in (("walk", "walking"), ("jog", "jogging")):
        ds = pyshoe_heading_drift(kind)
        out.append(f"| PyShoe {label}, {len(ds)} trials (medians) | VICON foot | {sum(d.n_strides for d in ds)} | "
                   f"{np.median([abs(d.drift_dps) for d in ds]):.3f} deg/s (abs) | "
                   f"{np.median([d.sd_deg for d in ds]):.1f} deg |")
    return out


def _run(fn, jobs: list, workers: int, label: str) -> dict:
    """``{job: fn(job)}`` over worker processes, with a progress count on stderr."""
    out = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for k, (job, r) in enumerate(zip(jobs, pool.map(fn, jobs)), 1):
            out[job] = r
            print(f"\r {label} {k}/{len(jobs)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return out


def _score(args):
    drill, fs, seed, duration = args
    return score(drill, fs, seed, duration)


# foot pods' accelerometer ranges for the clipping table (the other tables use the default 16 g)
CLIP_RANGES_G = (4.0, 6.0, 8.0, 12.0, 16.0)
CLIP_DRILLS = ("tempo", "sprint", "acceleration")
CLIP_RATE_HZ = 1000.0


def _clip_score(args):
    drill, seed, duration, acc_g = args
    return score(drill, CLIP_RATE_HZ, seed, duration, acc_g)


SEGMENT_RANGES_G = (16.0, 32.0)


def _segment_score(args):
    drill, fs, seed, duration, acc_g = args
    return segment_score(drill, fs, seed, acc_g, duration)


def _tripod_shank_table() -> list[str]:
    from gaitcore.analysis import analyze
    from gaitcore.readers import read_recording
    from benchmarks.realdata import REAL_DATA
    out = ["", "| shank pods, no angle reference | swings | shank peak median (SD) |", "|---|---|---|"]
    for run in ("PWS", "PWS-20"):
        res = analyze(read_recording([REAL_DATA / "tripod_excerpt" / "Sub_FZ" / run / "IMU"]))
        for foot in ("left", "right"):
            v = np.array([s.shank_angle_peak_deg for s in res.steps
                          if s.foot.value == foot and s.shank_angle_peak_deg is not None])
            out.append(f"| TRIPOD {run} treadmill walk, {foot} | {v.size} | {np.median(v):.1f} deg ({v.std():.1f}) |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="200,500,1000,1600", help="sampling rates in Hz, comma-separated")
    ap.add_argument("--seeds", default="1", help="simulator seeds, comma-separated")
    ap.add_argument("--duration", type=float, default=12.0, help="simulated seconds per session")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--no-real", action="store_true", help="skip the real-data table")
    a = ap.parse_args(argv)
    rates = [float(r) for r in a.rates.split(",")]
    seeds = [int(s) for s in a.seeds.split(",")]
    t0 = time.perf_counter()
    lines: list[str] = []
    if not a.no_real:
        print("real data ...", file=sys.stderr, flush=True)
        lines += _real_tables() + _tripod_shank_table() + [""]
    jobs = [(d, fs, seed, a.duration) for d in DRILLS for fs in rates for seed in seeds]
    results = _run(_score, jobs, a.jobs, "simulated")
    def table(cell) -> list[str]:
        head = ["| drill | " + " | ".join(f"{r:g} Hz" for r in rates) + " |", "|---|" + "---|" * len(rates)]
        return head + [f"| {d} | " + " | ".join(cell([results[(d, fs, seed, a.duration)] for seed in seeds])
                                               for fs in rates) + " |" for d in DRILLS]

    def contact_cell(rs) -> str:
        n_t, n_f, n_x = (sum(getattr(r, k) for r in rs) for k in ("n_truth", "n_found", "n_extra"))
        mae = np.nansum([r.contact_mae_ms * r.n_found for r in rs]) / max(n_f, 1)
        return f"{mae:.1f} ms, {n_f}/{n_t}" + (f", +{n_x}" if n_x else "")

    def stride_cell(rs) -> str:
        rs = [r for r in rs if r.n_strides]
        n = sum(r.n_strides for r in rs)
        if n == 0:
            return "-"
        mae = sum(r.stride_mae_pct * r.n_strides for r in rs) / n
        pk = sum(r.peak_mae_cm * r.n_strides for r in rs) / n
        n_sl = sum(r.n_step_lengths for r in rs)
        sl = sum(r.step_length_mae_cm * r.n_step_lengths for r in rs if r.n_step_lengths) / max(n_sl, 1)
        return (f"{mae:.1f}% ({max(r.stride_max_pct for r in rs):.1f}), "
                f"{pk:.1f} cm ({max(r.peak_max_cm for r in rs):.1f})" + (f", step {sl:.1f} cm" if n_sl else ""))

    lines += [f"## Simulated drills (seeds {a.seeds}, {a.duration:g} s each, both feet)", "",
              "Contact-time MAE, contacts found / in truth, extra detections:", ""] + table(contact_cell)
    lines += ["", "Foot trajectory against the simulator's truth: stride length MAE (max), foot-lift",
              "(peak height) MAE (max), and step length MAE, pooled over seeds (the simulator places",
              "contacts at its pace times the step time, which is how step length is estimated, so that",
              "column checks the plumbing, not the method; the gaitmap walk above does):", ""] + table(stride_cell)
    clip_jobs = [(d, seed, a.duration, g) for d in CLIP_DRILLS for seed in seeds for g in CLIP_RANGES_G]
    clip = _run(_clip_score, clip_jobs, a.jobs, "accelerometer ranges")

    def clip_cell(rs) -> str:
        rs = [r for r in rs if r.n_strides]
        n = sum(r.n_strides for r in rs)
        if n == 0:
            return "-"
        mae, bias, cf = (sum(getattr(r, k) * r.n_strides for r in rs) / n
                         for k in ("stride_mae_pct", "stride_bias_pct", "stride_confidence_mean"))
        return f"{mae:.1f}% ({max(r.stride_max_pct for r in rs):.1f}), bias {bias:+.1f}%, conf {cf:.2f}"

    lines += ["", f"Foot pods' accelerometer range ({CLIP_RATE_HZ:g} Hz): stride length MAE (max), bias, and the",
              "strides' mean confidence, as clipping grows (clipped stretches are rebuilt from their",
              "unclipped ends, see the README):", "",
              "| drill | " + " | ".join(f"{g:g} g" for g in CLIP_RANGES_G) + " |", "|---|" + "---|" * len(CLIP_RANGES_G)]
    for d in CLIP_DRILLS:
        lines.append(f"| {d} | " + " | ".join(clip_cell([clip[(d, s_, a.duration, g)] for s_ in seeds])
                                             for g in CLIP_RANGES_G) + " |")
    seg_rates = [r for r in rates if r >= 500]
    seg_jobs = [(d, fs, seed, a.duration, g) for d in DRILLS for fs in seg_rates for seed in seeds
                for g in SEGMENT_RANGES_G]
    seg = _run(_segment_score, seg_jobs, a.jobs, "segment pods")

    def seg_cell(rs, name) -> str:
        err = np.concatenate([r.errors[name] for r in rs])
        n_t = sum(r.n_truth[name] for r in rs)
        return "-" if err.size == 0 else f"{np.abs(err).mean():.1f} ({np.abs(err).max():.1f}), {err.size}/{n_t}"

    lines += ["", "Shank and thigh pods: swing-peak MAE (max) in deg and peaks found / in truth, steady",
              f"state (the first and last {3} contacts of each foot left out), at the pods' accelerometer range:", "",
              "| drill | " + " | ".join(f"{n} {fs:g} Hz {g:g} g" for fs in seg_rates for g in SEGMENT_RANGES_G
                                        for n in ("shank", "thigh")) + " |",
              "|---|" + "---|" * (2 * len(seg_rates) * len(SEGMENT_RANGES_G))]
    for d in DRILLS:
        cells = [seg_cell([seg[(d, fs, s_, a.duration, g)] for s_ in seeds], n)
                 for fs in seg_rates for g in SEGMENT_RANGES_G for n in ("shank", "thigh")]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    lines += ["", f"(validation took {time.perf_counter() - t0:.0f} s)"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
