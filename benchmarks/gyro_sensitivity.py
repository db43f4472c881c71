"""How much the x-io loop closures depend on the gyroscope's scale and cross-axis
factors, and whether the walks themselves can tell what those factors are.

    python -m benchmarks.gyro_sensitivity [--draws 16] [--seed 7] [--quick]

Three measurements on ``validation/data/xio_gait_tracking`` (the loops close: the true
end-to-start distance is zero), each through the whole analysis (``analyze``):

1. *One entry at a time*: the gyro's readings multiplied by ``I + e E_ij`` (e = +-0.5%)
   for each of the nine entries of the 3 x 3 sensitivity matrix.
2. *Random matrices*: every entry perturbed by a normal draw of SD 0.1% and 0.2%
   (seeded; the seed is printed), the 10-90% range of each closure.
3. *The walks' own evidence* (no reference): the only IMU-only check on the gyro's
   matrix is that, from one stance to the next, the gyro must carry the accelerometer's
   direction of gravity at the first stance onto the direction measured at the second
   (tilt consistency).  The matrix and bias fitted by least squares to that, with the
   standard deviation of each entry from the fit's Jacobian and residual scatter.

Prints Markdown.  Progress goes to stderr.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from benchmarks.realdata import REAL_DATA
from gaitcore.analysis import analyze
from gaitcore.quality import drop_duplicate_rows
from gaitcore.quaternion import quat_mul, rotmat_from_quat
from gaitcore.readers import read_recording
from gaitcore.signals import GRAVITY_MPS2, Recording

WALKS = ("short_walk", "long_walk")
BARS_MM = {"short_walk": 40.0, "long_walk": 150.0}
ANCHOR_S = 0.05          # the quietest 50 ms of each contact carries its gravity direction
QUIET_RAD_S = np.radians(30.0)   # an anchor this still or stiller (mean gyro norm, |mean acc| - g)
QUIET_MPS2 = 0.5
MAX_PAIR_S = 2.5         # consecutive anchors further apart are not paired (standing, gaps)


def _recordings(data_dir: Path) -> dict[str, Recording]:
    return {w: read_recording([data_dir / "xio_gait_tracking" / f"{w}.csv"], placements=["right_foot"])
            for w in WALKS}


def closures_mm(recs: dict[str, Recording], gyr_matrix: np.ndarray) -> dict[str, float]:
    """End-to-start distance of each walk (mm) with the gyro's readings multiplied by
    ``gyr_matrix``."""
    out = {}
    for w, rec in recs.items():
        s = rec.sensors[0]
        gyr = np.ascontiguousarray(s.gyr_dps_sf @ gyr_matrix.T)
        r = Recording((replace(s, gyr_dps_sf=gyr),), rec.source, rec.t0_s, rec.time_origin)
        out[w] = 1000.0 * analyze(r).per_sensor("net_displacement_m")[w]
    return out


def _body_rotation(rotvec: np.ndarray) -> np.ndarray:
    """Ordered product of per-sample rotations (rotation vectors, rad), by pairwise
    reduction: the attitude at the end relative to the start."""
    ang = np.linalg.norm(rotvec, axis=1)
    half = 0.5 * ang
    scale = np.where(ang > 1e-12, np.sin(half) / np.where(ang > 1e-12, ang, 1.0), 0.5)
    q = np.column_stack([np.cos(half), rotvec * scale[:, None]])
    while len(q) > 1:
        if len(q) % 2:
            q = np.vstack([q, [1.0, 0.0, 0.0, 0.0]])
        q = quat_mul(q[0::2].T, q[1::2].T).T      # (quat_mul takes components first)
    return q[0]


def _rotate_back(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """conj(q) * v * q: a vector of the start frame expressed in the end frame."""
    return rotmat_from_quat(q).T @ v


def tilt_fit(rec: Recording) -> dict:
    """Gyro bias and matrix fitted to stance-to-stance tilt consistency (module doc, 3)."""
    sensor, _ = drop_duplicate_rows(rec.sensors[0])
    steps = analyze(rec).steps
    t, acc, gyr = sensor.t_s, sensor.acc_mps2_sf, np.radians(sensor.gyr_dps_sf)
    gn = np.linalg.norm(gyr, axis=1)
    n_win = max(int(round(ANCHOR_S * sensor.fs_hz)), 2)
    anchors = []
    for s in steps:
        if s.to_s is None:
            continue
        i0, i1 = np.searchsorted(t, [s.ic_s, s.to_s])
        if i1 - i0 <= n_win:
            continue
        k = i0 + int(np.argmin(np.convolve(gn[i0:i1], np.ones(n_win), "valid")))
        up = acc[k:k + n_win].mean(axis=0)
        if gn[k:k + n_win].mean() > QUIET_RAD_S or abs(np.linalg.norm(up) - GRAVITY_MPS2) > QUIET_MPS2:
            continue
        anchors.append((k + n_win // 2, up / np.linalg.norm(up)))
    pairs = [(a, b) for a, b in zip(anchors[:-1], anchors[1:]) if t[b[0]] - t[a[0]] < MAX_PAIR_S]
    dt = np.diff(t)

    def residuals(p):
        m = np.eye(3) + p[3:].reshape(3, 3)
        g = (gyr - p[:3]) @ m.T
        mid = 0.5 * (g[1:] + g[:-1]) * dt[:, None]       # trapezoid across lost rows
        out = []
        for (k0, u0), (k1, u1) in pairs:
            q = _body_rotation(mid[k0:k1])
            out.append(np.cross(_rotate_back(q, u0), u1))
        return np.degrees(np.concatenate(out))

    still = gn[: int(sensor.fs_hz)]
    bias0 = gyr[: int(sensor.fs_hz)].mean(axis=0) if still.max() < np.radians(5) else np.zeros(3)
    p0 = np.concatenate([bias0, np.zeros(9)])
    fit = least_squares(residuals, p0, x_scale=np.r_[np.full(3, 1e-3), np.full(9, 1e-2)])
    j = fit.jac
    cov = np.linalg.pinv(j.T @ j) * float(np.mean(fit.fun ** 2))
    return {"pairs": len(pairs), "rms_start_deg": float(np.sqrt(np.mean(residuals(p0) ** 2))),
            "rms_fit_deg": float(np.sqrt(np.mean(fit.fun ** 2))),
            "matrix_pct": fit.x[3:].reshape(3, 3) * 100, "sd_pct": np.sqrt(np.diag(cov))[3:].reshape(3, 3) * 100}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=16, help="random matrices per SD (default 16)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the random matrices (default 7)")
    ap.add_argument("--quick", action="store_true", help="4 draws and +0.5%% only")
    args = ap.parse_args(argv)
    draws = 4 if args.quick else args.draws
    recs = _recordings(REAL_DATA)
    base = closures_mm(recs, np.eye(3))
    print(f"## Gyro sensitivity of the x-io loop closures (seed {args.seed})\n")
    print(f"As recorded: short {base['short_walk']:.0f} mm, long {base['long_walk']:.0f} mm "
          f"(bars {BARS_MM['short_walk']:.0f} / {BARS_MM['long_walk']:.0f} mm).\n")
    print("| gyro matrix entry changed | short walk (mm) | long walk (mm) |\n|---|---|---|")
    axes = "xyz"
    for e in ((0.005,) if args.quick else (0.005, -0.005)):
        for i in range(3):
            for j in range(3):
                m = np.eye(3)
                m[i, j] += e
                c = closures_mm(recs, m)
                print(f"| {axes[i]}{axes[j]} {e * 100:+.1f}% | {c['short_walk']:.0f} | {c['long_walk']:.0f} |",
                      flush=True)
                print(f"  entry {axes[i]}{axes[j]} {e:+.3f} done", file=sys.stderr)
    print("\n| random entries, SD | draws | short walk median (10-90%) | long walk median (10-90%) "
          "| both bars met |\n|---|---|---|---|---|")
    rng = np.random.default_rng(args.seed)
    for sd in (0.001, 0.002):
        rows = []
        for k in range(draws):
            c = closures_mm(recs, np.eye(3) + rng.normal(0.0, sd, (3, 3)))
            rows.append((c["short_walk"], c["long_walk"]))
            print(f"  SD {sd:.3f}: draw {k + 1}/{draws}", file=sys.stderr)
        a = np.array(rows)
        s, lo = np.percentile(a[:, 0], [50, 10, 90]), np.percentile(a[:, 1], [50, 10, 90])
        met = int(np.sum((a[:, 0] < BARS_MM["short_walk"]) & (a[:, 1] < BARS_MM["long_walk"])))
        print(f"| {sd * 100:.1f}% | {draws} | {s[0]:.0f} ({s[1]:.0f}-{s[2]:.0f}) | "
              f"{lo[0]:.0f} ({lo[1]:.0f}-{lo[2]:.0f}) | {met}/{draws} |", flush=True)
    print("\nFitted to stance-to-stance tilt consistency (no reference), entries of the gyro "
          "matrix minus identity, % (1 SD):\n")
    for w, rec in recs.items():
        f = tilt_fit(rec)
        print(f"- {w}: {f['pairs']} stance pairs, tilt residual RMS {f['rms_start_deg']:.2f} deg with the "
              f"standing's bias, {f['rms_fit_deg']:.2f} deg fitted; entries "
              + ", ".join(f"{axes[i]}{axes[j]} {f['matrix_pct'][i, j]:+.1f} ({f['sd_pct'][i, j]:.1f})"
                          for i in range(3) for j in range(3)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
