"""Loading the real reference data in validation/data and matching our events to it.

Used by the validation script (benchmarks/validate.py) and by the accuracy
tests, so the figures in the README and the asserted figures are one computation.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitcore.analysis import analyze, detect_sensor
from gaitcore.events import EventKind
from gaitcore.readers import read_recording
from gaitcore.signals import true_runs

# other people's recordings with their references, carried with their licences (validation/data/README.md)
REAL_DATA = Path(__file__).resolve().parents[1] / "validation" / "data"
GAITMAP_FS_HZ = 204.8


@dataclass(frozen=True)
class EventAccuracy:
    kind: str
    n_ref: int
    n_found: int
    n_extra: int
    mean_ms: float
    sd_ms: float
    max_abs_ms: float


def _match(ref: np.ndarray, det: np.ndarray, tol: float) -> np.ndarray:
    """Signed error of the nearest detection for each reference (NaN if beyond tol)."""
    err = np.full(ref.shape, np.nan)
    if det.size == 0:
        return err
    for i, r in enumerate(ref):
        j = int(np.argmin(np.abs(det - r)))
        if abs(det[j] - r) <= tol:
            err[i] = det[j] - r
    return err


def gaitmap_event_accuracy(data_dir: Path = REAL_DATA) -> dict[str, EventAccuracy]:
    """IC and TO against gaitmap's motion-capture events (both feet pooled).

    Extras: detected ICs of a foot strictly inside a referenced stride of that
    foot (between its ``pre_ic`` and ``ic``), i.e. contacts that cannot exist.
    """
    rec = read_recording([data_dir / "gaitmap_example" / "imu_sample.csv"], fs_hz=GAITMAP_FS_HZ)
    rows = list(csv.DictReader(open(data_dir / "gaitmap_example" / "stride_events_sample.csv")))
    errs = {"ic": [], "to": []}
    n_ref = {"ic": 0, "to": 0}
    extra = 0
    for s in rec.sensors:
        foot = s.placement.side.value
        res = detect_sensor(s)
        ics = np.array([e.pos for e in res.events if e.kind is EventKind.IC])
        tos = np.array([e.pos for e in res.events if e.kind is EventKind.TO])
        mine = [r for r in rows if r["foot"] == foot]
        ref_ic = np.array(sorted({float(r["ic"]) for r in mine} | {float(r["pre_ic"]) for r in mine}))
        ref_to = np.array(sorted({float(r["tc"]) for r in mine}))
        tol = 0.15 * GAITMAP_FS_HZ
        errs["ic"].append(_match(ref_ic, ics, tol))
        errs["to"].append(_match(ref_to, tos, tol))
        n_ref["ic"] += ref_ic.size
        n_ref["to"] += ref_to.size
        for r in mine:
            a, b = float(r["pre_ic"]), float(r["ic"])
            extra += int(np.sum((ics > a + tol) & (ics < b - tol)))
    out = {}
    for k in ("ic", "to"):
        e = np.concatenate(errs[k])
        ok = e[np.isfinite(e)] / GAITMAP_FS_HZ * 1000.0
        out[k] = EventAccuracy(k, n_ref[k], int(ok.size), extra if k == "ic" else 0,
                               float(ok.mean()), float(ok.std(ddof=1)), float(np.abs(ok).max()))
    return out


@dataclass(frozen=True)
class ContactAccuracy:
    run: str
    subset: str
    n_ref: int
    n_matched: int
    bias_ms: float
    sd_ms: float
    mae_ms: float


def _contact_stats(run, subset, n_ref, d_ms) -> ContactAccuracy:
    d = np.asarray(d_ms, dtype=float)
    return ContactAccuracy(run, subset, n_ref, int(d.size), float(d.mean()), float(d.std(ddof=1)),
                           float(np.abs(d).mean()))


def tripod_contact_accuracy(run: str = "PWS", data_dir: Path = REAL_DATA) -> tuple[ContactAccuracy, ContactAccuracy]:
    """Per-step contact time against OptoGait on the TRIPOD treadmill excerpt.

    OptoGait's ``Split`` is each step's IC in the trigger clock; SyncInfo's
    ``ic_time`` is the first of them in the IMU clock.  Each OptoGait step is
    matched to our contact of the same foot with the nearest IC (within 0.25 s).
    Returns (all matched steps, steady-state steps), where steady state is judged
    on the reference alone: both OptoGait step intervals around the step within
    25% of the trial's median (this drops the treadmill's stop at the end, where
    OptoGait logs 0.1 s "contacts").
    """
    base = data_dir / "tripod_excerpt"
    sync = {r["run"]: float(r["ic_time"]) for r in csv.DictReader(open(base / "SyncInfo.csv"))}
    ic_time = sync[run]
    rows = list(csv.reader(open(base / "Sub_FZ" / run / "OptoGait" / "optogait.csv")))
    h = rows[0]
    col = {name: h.index(name) for name in ("L/R", "TContact", "Split")}
    ref = []
    for r in rows[1:]:
        if len(r) <= col["Split"] or r[col["L/R"]] not in ("L", "R") or not r[col["Split"]]:
            continue
        tc = float(r[col["TContact"]]) if r[col["TContact"]] else None
        ref.append(("left" if r[col["L/R"]] == "L" else "right", float(r[col["Split"]]), tc))
    splits = np.array([r[1] for r in ref])
    step_iv = np.diff(splits)
    med = float(np.median(step_iv))
    steady = np.zeros(len(ref), dtype=bool)
    for i in range(1, len(ref) - 1):
        steady[i] = abs(step_iv[i - 1] - med) < 0.25 * med and abs(step_iv[i] - med) < 0.25 * med
    rec = read_recording([base / "Sub_FZ" / run / "IMU"])
    result = analyze(rec)
    d_all, d_steady = [], []
    n_all = n_steady = 0
    for i, (foot, split, tc) in enumerate(ref):
        if tc is None:
            continue
        n_all += 1
        n_steady += int(steady[i])
        t_ic = split - splits[0] + ic_time - rec.t0_s
        cands = [s for s in result.steps if s.foot.value == foot and s.contact_s is not None]
        if not cands:
            continue
        best = min(cands, key=lambda s: abs(s.ic_s - t_ic))
        if abs(best.ic_s - t_ic) <= 0.25:
            d_all.append(1000 * (best.contact_s - tc))
            if steady[i]:
                d_steady.append(1000 * (best.contact_s - tc))
    return (_contact_stats(run, "all", n_all, d_all), _contact_stats(run, "steady", n_steady, d_steady))


@dataclass(frozen=True)
class LoopClosure:
    name: str
    net_displacement_m: float | None   # the walk ends where it started: 0 is right
    path_m: float                       # sum of stride lengths
    n_contacts: int
    publisher_m: float                  # the data publisher's own method (README of the data)


XIO_PUBLISHER_M = {"short_walk": 0.082, "long_walk": 0.421}


def xio_loop_closure(name: str, data_dir: Path = REAL_DATA) -> LoopClosure:
    """x-io NGIMU foot walks in closed loops: how far the trajectory ends from its start."""
    rec = read_recording([data_dir / "xio_gait_tracking" / f"{name}.csv"], placements=["right_foot"])
    result = analyze(rec)
    steps = result.steps
    return LoopClosure(name, result.per_sensor("net_displacement_m")[name],
                       float(sum(s.stride_length_m or 0.0 for s in steps)), len(steps), XIO_PUBLISHER_M[name])


@dataclass(frozen=True)
class StrideAccuracy:
    name: str
    n_strides: int
    mae_pct: float
    bias_pct: float
    max_pct: float
    mean_length_m: float


def _stride_stats(name, ours, ref) -> StrideAccuracy:
    ours, ref = np.asarray(ours), np.asarray(ref)
    if ref.size == 0:
        return StrideAccuracy(name, 0, float("nan"), float("nan"), float("nan"), float("nan"))
    e = (ours - ref) / ref * 100
    return StrideAccuracy(name, int(ref.size), float(np.abs(e).mean()), float(e.mean()),
                          float(np.abs(e).max()), float(ref.mean()))


def _pyshoe_trials(kind: str, data_dir: Path):
    """PyShoe VICON trials of a day (``kind`` "jog": 2017-11-27, jogging/running
    1.8-2.6 m/s; "walk": 2017-11-22): (name, VICON foot position ``gt`` (n x 3, m, z up),
    our analysis of the shoe IMU) per trial, in name order."""
    import scipy.io
    day = {"jog": "2017-11-27", "walk": "2017-11-22"}[kind]
    for path in sorted((data_dir / "pyshoe_vicon").glob(f"{day}-*.mat")):
        gt = np.asarray(scipy.io.loadmat(path)["gt"], dtype=float)
        yield path.stem, gt, detect_sensor(read_recording([path], placements=["right_foot"]).sensors[0])


def _repeated_rows(gt: np.ndarray) -> np.ndarray:
    """Rows equal to the one before: VICON stores a drop-out as the last position
    repeated (up to 180 rows), then jumps."""
    return np.r_[False, (np.diff(gt, axis=0) == 0).all(axis=1)]


def pyshoe_stride_accuracy(kind: str = "jog", data_dir: Path = REAL_DATA) -> list[StrideAccuracy]:
    """PyShoe VICON trials (:func:`_pyshoe_trials`): our stride length against the VICON
    foot displacement between the same two stance anchors, leaving out strides that start
    or end on a stale (repeated) VICON row.  Per trial, then all strides pooled (last entry)."""
    out, all_ours, all_ref = [], [], []
    for name, gt, r in _pyshoe_trials(kind, data_dir):
        stale = _repeated_rows(gt)
        ours, ref = [], []
        for g, nxt in zip(r.geometry[:-1], r.geometry[1:]):
            a, b = g.anchor, nxt.anchor
            if g.stride_length_m is None or a < 0 or b < 0 or not np.isfinite(gt[[a, b], :2]).all() \
                    or stale[a] or stale[b]:
                continue
            ours.append(g.stride_length_m)
            ref.append(float(np.hypot(*(gt[b, :2] - gt[a, :2]))))
        out.append(_stride_stats(name, ours, ref))
        all_ours += ours
        all_ref += ref
    out.append(_stride_stats("all", all_ours, all_ref))
    return out


@dataclass(frozen=True)
class SwingAccuracy:
    """One per-stride swing measure (cm) against VICON's, strides pooled over a day's trials."""
    kind: str
    n_strides: int
    bias_cm: float
    mae_cm: float
    median_ours_cm: float
    median_ref_cm: float


# The VICON point seen from the IMU, sensor frame (m): fitted to the VICON positions of every
# trial (docs/findings.md), the same on each
PYSHOE_VICON_POINT_SF_M = (0.021, 0.005, -0.043)


def pyshoe_lift_accuracy(kind: str = "jog", point_sf_m: tuple | None = None,
                         data_dir: Path = REAL_DATA) -> SwingAccuracy:
    """Foot lift against VICON's: the VICON point's highest rise above its height at the
    stride's first stance anchor, up to the next anchor (strides with a stale or missing
    VICON row in them left out).  Ours is the sensor's ``peak_height_m`` (``point_sf_m``
    None), or the rise of the point ``point_sf_m`` (m, sensor frame) of the foot, carried
    by our smoothed position and attitude over the same anchors
    (:data:`PYSHOE_VICON_POINT_SF_M`: the VICON point itself, so that a foot pitching in
    swing does not move the two points apart)."""
    from gaitcore.quaternion import rotmat_from_quat
    ours, ref = [], []
    for _, gt, r in _pyshoe_trials(kind, data_dir):
        stale = _repeated_rows(gt)
        height = None
        if point_sf_m is not None:
            lever = np.array([rotmat_from_quat(q) @ np.asarray(point_sf_m) if np.isfinite(q).all()
                              else np.full(3, np.nan) for q in r.attitude_quat])
            height = r.positions_m[:, 2] + lever[:, 2]
        for g, nxt in zip(r.geometry[:-1], r.geometry[1:]):
            a, b = g.anchor, nxt.anchor
            if g.peak_height_m is None or a < 0 or b < 0 or stale[a:b + 1].any() \
                    or not np.isfinite(gt[a:b + 1]).all():
                continue
            ours.append(g.peak_height_m if height is None else float(np.nanmax(height[a:b + 1]) - height[a]))
            ref.append(float(gt[a:b + 1, 2].max() - gt[a, 2]))
    return _swing_accuracy(kind, ours, ref)


def _swing_accuracy(kind: str, ours: list, ref: list) -> SwingAccuracy:
    d = (np.array(ours) - np.array(ref)) * 100
    return SwingAccuracy(kind, d.size, float(d.mean()), float(np.abs(d).mean()), float(np.median(ours) * 100),
                         float(np.median(ref) * 100))


def pyshoe_lateral_accuracy(kind: str = "jog", data_dir: Path = REAL_DATA) -> SwingAccuracy:
    """Lateral excursion (``lateral_excursion_m``) against the VICON path's by the same
    definition (the swing's largest sideways departure from the arc the stride follows,
    :func:`gaitcore.trajectory.stride_geometry`), over the contacts' own spans (IC, TO and
    stance anchor, as the analysis took them), on strides whose VICON rows from the
    previous stride's anchor to the next one's are fresh (the arc's turn comes from the
    neighbouring strides)."""
    from gaitcore.align import still_mask
    from gaitcore.trajectory import stride_geometry, zero_velocity
    ours, ref = [], []
    for _, gt, r in _pyshoe_trials(kind, data_dir):
        s = r.sensor
        spans = zero_velocity(r.events, s.gyr_dps_sf, s.fs_hz, still_mask(s.acc_mps2_sf, s.gyr_dps_sf, s.fs_hz),
                              r.breaks)[2]
        bad = _repeated_rows(gt) | ~np.isfinite(gt).all(axis=1)
        n = gt.shape[0]
        vicon = stride_geometry(spans, np.where(bad[:, None], np.nan, gt), np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
                                np.eye(3), s.fs_hz, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
        anchor = [sp.anchor for sp in spans]
        for j, (g, v) in enumerate(zip(r.geometry[:-1], vicon)):
            lo, hi = anchor[max(0, j - 1)], anchor[min(len(anchor) - 1, j + 2)]
            if g.lateral_excursion_m is None or v.lateral_excursion_m is None \
                    or min(lo, hi, anchor[j], anchor[j + 1]) < 0 or bad[lo:hi + 1].any():
                continue
            ours.append(g.lateral_excursion_m)
            ref.append(v.lateral_excursion_m)
    return _swing_accuracy(kind, ours, ref)


# VICON contact reference (thresholds from the VICON foot speed alone: stance moves at
# 0.01-0.05 m/s, a walking or jogging swing peaks at 1.5-5 m/s)
VICON_SMOOTH = 9          # samples (45 ms at 200 Hz): moving average of the positions before differencing
VICON_SWING_MPS = 1.0     # a swing: faster than this for at least VICON_SWING_MIN samples
VICON_SWING_MIN = 10
VICON_STILL_MPS = 0.3     # on the ground: slower than this for at least VICON_STILL_MIN samples
VICON_STILL_MIN = 4
VICON_DROPOUT_MIN = 3     # repeated rows in a row that make a drop-out (single repeats are the
                          # VICON's own rate showing through and are kept)
VICON_DROPOUT_PAD = 10    # samples either side of a drop-out that count as unknown


@dataclass(frozen=True)
class ContactCount:
    kind: str
    n_trials: int
    n_ref: int          # VICON contacts with a swing on both sides and no drop-out in them
    n_found: int        # of those, overlapped by at least one of our contacts
    n_in_swing: int     # our contacts that overlap no reference contact (VICON: foot in a swing)
    n_split: int        # our contacts beyond the first inside one reference contact
    missed: tuple       # (trial, first sample, end sample) of each reference contact not found
    extra: tuple        # (trial, IC sample, TO sample) of each contact counted in n_in_swing


def _runs(mask: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    return [(a, b) for a, b in true_runs(mask) if b - a >= min_len]


def _overlaps(c: tuple, d: tuple) -> bool:
    return c[0] < d[1] and d[0] < c[1]


def vicon_contacts(gt: np.ndarray, fs_hz: float) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Contacts of a foot from its VICON position (``gt``, n x 3, m): (reference contacts,
    stretches where the reference says nothing).  A contact is the span of the still runs
    between two swings; the first and last (the recording starts and ends in one) and any
    with a drop-out in them are unknown, as is each drop-out itself."""
    from scipy.ndimage import uniform_filter1d
    dropout = np.zeros(gt.shape[0], dtype=bool)
    for a, b in _runs(_repeated_rows(gt), VICON_DROPOUT_MIN):
        dropout[max(0, a - VICON_DROPOUT_PAD):b + VICON_DROPOUT_PAD] = True
    smooth = uniform_filter1d(gt, VICON_SMOOTH, axis=0)
    speed = np.r_[0.0, np.linalg.norm(np.diff(smooth, axis=0), axis=1) * fs_hz]
    swings = _runs(speed > VICON_SWING_MPS, VICON_SWING_MIN)
    groups: list[tuple[int, int]] = []
    for a, b in _runs(speed < VICON_STILL_MPS, VICON_STILL_MIN):
        if groups and not any(groups[-1][1] <= s0 and s1 <= a for s0, s1 in swings):
            groups[-1] = (groups[-1][0], b)
        else:
            groups.append((a, b))
    ref, unknown = [], _runs(dropout, 1)
    for a, b in groups:
        inner = any(s1 <= a for _, s1 in swings) and any(s0 >= b for s0, _ in swings)
        (ref if inner and not dropout[a:b].any() else unknown).append((a, b))
    return ref, unknown


def pyshoe_contact_accuracy(kind: str = "walk", data_dir: Path = REAL_DATA) -> ContactCount:
    """Our contacts (IC to TO) against the contacts the VICON foot speed shows
    (:func:`vicon_contacts`), all trials of a day pooled.  The stride check above cannot
    see a lost contact (it compares our stride with VICON between our own anchors), this
    one does."""
    n_trials = n_ref = n_found = n_split = 0
    missed, extra = [], []
    for name, gt, result in _pyshoe_trials(kind, data_dir):
        n_trials += 1
        ref, unknown = vicon_contacts(gt, result.sensor.fs_hz)
        ev = result.events
        ours = [(e.pos, ev[i + 1].pos) for i, e in enumerate(ev)
                if e.kind is EventKind.IC and i + 1 < len(ev) and ev[i + 1].kind is EventKind.TO]
        for r in ref:
            k = sum(_overlaps(o, r) for o in ours)
            n_ref += 1
            n_found += k > 0
            n_split += max(0, k - 1)
            if k == 0:
                missed.append((name, *r))
        extra += [(name, round(o[0]), round(o[1])) for o in ours
                  if not any(_overlaps(o, r) for r in ref) and not any(_overlaps(o, u) for u in unknown)]
    return ContactCount(kind, n_trials, n_ref, n_found, len(extra), n_split, tuple(missed), tuple(extra))


def gaitmap_stride_accuracy(data_dir: Path = REAL_DATA) -> StrideAccuracy:
    """gaitmap walk: our sensor displacement between each reference stride's borders
    (min-velocity samples, stride_events_sample.csv), on the path our strides are measured on
    (``SensorResult.stride_path_m``), against the motion-capture heel
    displacement over the same stride (position_sample.csv, last row per stride)."""
    base = data_dir / "gaitmap_example"
    end_xy = {}
    for row in csv.DictReader(open(base / "position_sample.csv")):
        end_xy[(row[""], int(row["s_id"]))] = (float(row["pos_x"]), float(row["pos_y"]))
    rec = read_recording([base / "imu_sample.csv"], fs_hz=GAITMAP_FS_HZ)
    pos = {s.name: detect_sensor(s).stride_path_m for s in rec.sensors}   # what our strides are measured on
    ours, ref = [], []
    for ev in csv.DictReader(open(base / "stride_events_sample.csv")):
        name = f"{ev['foot']}_sensor"
        a, b = int(float(ev["start"])), int(float(ev["end"]))
        p = pos[name]
        if not np.isfinite(p[[a, b], :2]).all():
            continue
        ours.append(float(np.hypot(*(p[b, :2] - p[a, :2]))))
        ref.append(float(np.hypot(*end_xy[(name, int(ev["s_id"]))])))
    s = _stride_stats("gaitmap walk", ours, ref)
    d = np.array(ours) - np.array(ref)
    return s, float(np.abs(d).mean()), float(d.mean())


@dataclass(frozen=True)
class StepAccuracy:
    n_steps: int
    n_ref: int
    mae_m: float
    bias_m: float
    max_m: float
    mean_ref_m: float


def _mocap_heels(base: Path) -> dict[str, np.ndarray]:
    """Heel markers (L_FCC, R_FCC) of mocap_sample.csv in metres, 100 Hz, same start as the IMU."""
    rows = list(csv.reader(open(base / "mocap_sample.csv")))
    names, axes = rows[0], rows[1]
    data = np.array([[float(x) for x in r] for r in rows[2:]])
    col = {(names[i], axes[i]): i for i in range(1, len(names))}
    return {foot: data[:, [col[(marker, a)] for a in "xyz"]] / 1000.0
            for foot, marker in (("left", "L_FCC"), ("right", "R_FCC"))}


def gaitmap_step_length_accuracy(data_dir: Path = REAL_DATA) -> StepAccuracy:
    """gaitmap walk: our step_length_m against the motion-capture heels of both feet.
    Reference per step: this foot's heel where it stands still after this IC (least
    horizontal speed in the next 0.5 s) minus the other foot's heel where it stood
    still after its latest IC, along this foot's stride (its previous still point to
    this one); steps whose stride is under 0.3 m (turning on the spot) are left out."""
    base = data_dir / "gaitmap_example"
    heels = _mocap_heels(base)

    def still(foot: str, t0: float) -> np.ndarray:
        seg = heels[foot][int(round(t0 * 100)):int(round(t0 * 100)) + 50]
        return seg[int(np.argmin(np.linalg.norm(np.diff(seg[:, :2], axis=0), axis=1)))]

    steps = analyze(read_recording([base / "imu_sample.csv"], fs_hz=GAITMAP_FS_HZ)).steps
    ours, ref = [], []
    for k, s in enumerate(steps):
        other = [o for o in steps[:k] if o.foot is not s.foot]
        mine = [o for o in steps[:k] if o.foot is s.foot]
        if not other or not mine:
            continue
        p, p0, q = still(s.foot.value, s.ic_s), still(s.foot.value, mine[-1].ic_s), still(other[-1].foot.value,
                                                                                          other[-1].ic_s)
        d = p[:2] - p0[:2]
        if np.linalg.norm(d) < 0.3:
            continue
        ref.append(float((p[:2] - q[:2]) @ (d / np.linalg.norm(d))))
        ours.append(np.nan if s.step_length_m is None else s.step_length_m)
    o, r = np.array(ours), np.array(ref)
    ok = np.isfinite(o)
    e = o[ok] - r[ok]
    return StepAccuracy(int(ok.sum()), len(r), float(np.abs(e).mean()), float(e.mean()), float(np.abs(e).max()),
                        float(r.mean()))


@dataclass(frozen=True)
class HeadingDrift:
    name: str
    n_strides: int
    drift_dps: float   # slope of the stride-direction error over time (least squares within each filter run), deg/s
    sd_deg: float      # SD of the stride-direction error about each filter run's mean (not detrended), deg


MIN_HEADING_STRIDE_M = 0.5   # shorter reference strides (turning on the spot) have no direction to speak of
MIN_HEADING_STRIDES = 8
MIN_RUN_STRIDES = 3          # a filter run with fewer says nothing about drift, and its SD would read 0


def _heading_drift(name: str, rows: list[tuple[int, float, np.ndarray, np.ndarray]]) -> HeadingDrift | None:
    """From (filter run, time s, our stride xy, reference stride xy) per stride: the
    direction error (ours minus the reference's), its drift and SD within each run of the
    filter (a break in the signal restarts the filter with a new heading, so each run's
    headings differ from the reference's by their own constant)."""
    rows = [x for x in rows if np.hypot(*x[3]) >= MIN_HEADING_STRIDE_M]
    per_run = {}
    for x in rows:
        per_run[x[0]] = per_run.get(x[0], 0) + 1
    rows = [x for x in rows if per_run[x[0]] >= MIN_RUN_STRIDES]
    if len(rows) < MIN_HEADING_STRIDES:
        return None
    run = np.array([x[0] for x in rows])
    t = np.array([x[1] for x in rows])
    e = np.array([np.arctan2(o[1], o[0]) - np.arctan2(r[1], r[0]) for _, _, o, r in rows])
    for k in np.unique(run):
        m = run == k
        # errors are small angles about the run's constant: wrapped about its circular mean,
        # never unwrapped (one stride pointing backwards would shift all after it by 360 deg)
        e[m] = np.angle(np.exp(1j * (e[m] - np.angle(np.exp(1j * e[m]).mean()))))
        t[m] -= t[m].mean()
        e[m] -= e[m].mean()
    e = np.degrees(e)
    if not t @ t > 0.0:
        return None
    return HeadingDrift(name, len(rows), float((t @ e) / (t @ t)), float(e.std()))


def gaitmap_heading_drift(data_dir: Path = REAL_DATA) -> list[HeadingDrift]:
    """gaitmap walk, per foot: the direction of each stride on our path (``stride_path_m``,
    between the reference's stride borders) against the heel marker's over the same
    stride (mocap_sample.csv): how our heading drifts over the 37 s walk."""
    base = data_dir / "gaitmap_example"
    heels = _mocap_heels(base)
    rec = read_recording([base / "imu_sample.csv"], fs_hz=GAITMAP_FS_HZ)
    results = {s.name: detect_sensor(s) for s in rec.sensors}
    rows: dict[str, list] = {"left": [], "right": []}
    for ev in csv.DictReader(open(base / "stride_events_sample.csv")):
        foot = ev["foot"]
        r = results[f"{foot}_sensor"]
        p, runs = r.stride_path_m, np.cumsum(r.breaks)
        a, b = int(float(ev["start"])), int(float(ev["end"]))
        if not np.isfinite(p[[a, b], :2]).all() or runs[a] != runs[b]:
            continue
        ia, ib = (int(round(i / GAITMAP_FS_HZ * 100)) for i in (a, b))
        rows[foot].append((int(runs[a]), 0.5 * (a + b) / GAITMAP_FS_HZ, p[b, :2] - p[a, :2],
                           heels[foot][ib, :2] - heels[foot][ia, :2]))
    return [d for foot in ("left", "right") if (d := _heading_drift(f"gaitmap {foot}", rows[foot])) is not None]


def pyshoe_heading_drift(kind: str = "jog", data_dir: Path = REAL_DATA) -> list[HeadingDrift]:
    """PyShoe VICON trials: the direction of each stride (stance anchor to the next) on our
    path against VICON's (its y axis points the other way: mirrored), per trial with at
    least ``MIN_HEADING_STRIDES`` strides, stale VICON rows left out as for the lengths."""
    out = []
    for name, gt, r in _pyshoe_trials(kind, data_dir):
        stale = _repeated_rows(gt)
        p, t = r.stride_path_m, r.sensor.t_s
        runs = np.cumsum(r.breaks)
        rows = []
        for g, nxt in zip(r.geometry[:-1], r.geometry[1:]):
            a, b = g.anchor, nxt.anchor
            if a < 0 or b < 0 or stale[a] or stale[b] or not np.isfinite(gt[[a, b], :2]).all() \
                    or not np.isfinite(p[[a, b], :2]).all() or runs[a] != runs[b]:
                continue
            ref = (gt[b, :2] - gt[a, :2]) * np.array([1.0, -1.0])
            rows.append((int(runs[a]), 0.5 * (t[a] + t[b]), p[b, :2] - p[a, :2], ref))
        d = _heading_drift(name, rows)
        if d is not None:
            out.append(d)
    return out
