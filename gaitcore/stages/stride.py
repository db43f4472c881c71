"""The stride stage: one foot pod's trajectory and per-contact stride geometry, streamed.

Fed the cleaned rows (:class:`~gaitcore.stages.quality.CleanChunk`) and the final events
of the same sensor, it gives what :func:`gaitcore.analysis._trajectory` gives for the
whole recording: each IC event's :class:`~gaitcore.trajectory.StrideGeometry`, and the
smoothed positions, attitude and stride path of every row, over any chunking the same.

Every input of the filter is built here from the rows as the batch functions build it
from the whole recording, each over the stretch of rows its value depends on, and a row
goes to :func:`~gaitcore.trajectory.trajectory_step` once all of them are final:

- quiet standing (:func:`~gaitcore.align.still_mask`): a row is still when a window of
  ``STILL_WIN_S`` around it is quiet, so it is known ``win - 1`` rows later;
- the zero-velocity flags (:func:`~gaitcore.trajectory.zero_velocity`): a contact's flags,
  least rotating sample and anchors are known once its next event is (its TO, or the next
  IC when it has none) and, for a contact without a TO or standing, once its search for
  an anchor at quiet standing is bounded (``max_contact_s``, a break, the next IC, or the
  ``horizon`` past which no event is still to come); a row's flags are final below the
  first contact not yet known and below the horizon.  A standing contact's TO may come
  minutes later: its rows wait for it;
- the starting gyro bias (:func:`~gaitcore.trajectory.standing_gyro_bias`): known once the
  standing at the start ended (or cannot begin any more); the filter starts then;
- rebuilt clipped samples (:func:`~gaitcore.trajectory.reconstruct_clipped`): cut where
  six rows in a row are below full scale on every axis, so that every run of clipped rows
  lies with the rows it is rebuilt from on one side of each cut;
- the unresolved part (:func:`~gaitcore.trajectory.unresolved_sigma`): one row each side;
- the device's gyroscope filter (:func:`~gaitcore.trajectory.match_gyro_filter`): the
  IIR's state is carried from row to row.

Smoothed rows come out of the filter as its smoother closes an interval.  The stride
path (:func:`~gaitcore.trajectory.smoother_steps_removed`) carries its running sum.  A
contact's stride length (from its ``off_anchor`` to the next contact's ``anchor``) is
final once the next contact is known and the path is smoothed past both anchors (and past
the contact's own ``anchor``, whose filter run tells whether the stride is the unsettled
first of a run that started moving); it is released then (:class:`StrideLength`), a live
display's figure at the next contact.  The rest of a contact's geometry needs the smoothed
rows of the strides around it (its neighbours' chords bend the lateral excursion), so it
is final once the contact two on is known and smoothed that far; its position is in the
session frame, set by the first measured stride, so the contacts before that stride wait
for it.

The rows the stage holds are those its pending contacts and filter inputs still need
(a few strides; a standing contact's whole rest; the standing at the start until the
gyro bias is known).  The state holds a row buffer and the filter's smoother buffer that
are shared with the state after it (copying them per call would defeat streaming): a
state can be advanced only once, which is checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..align import STILL_WIN_S, Alignment, still_mask
from ..errors import UsageError
from ..events import Event, EventKind
from ..params import Params
from ..quality import CLIP_MARGIN
from ..signals import true_runs
from .. import _geometry_kernel as G
from ..trajectory import (EDGE_FRACTION, LEVER_M, STAND_MEAN_S, STAND_MIN_S, STAND_START_S, ZV_GYR_DPS,
                          ZV_MIN_FACTOR, ZV_SIGMA_MPS, StrideGeometry, TrajectoryState, _trailing_mean,
                          frame_position, geometry_of, measured_stride, new_trajectory_state, reconstruct_clipped,
                          rounded_metrics, session_frame, SessionFrame, stride_metrics, trajectory_step,
                          unresolved_sigma)
from .quality import CleanChunk

# rows below full scale on every axis on both sides of a cut of the clip reconstruction
_CLIP_CUT_ROWS = 3
# The filter is fed when a contact became known (its stance's end, where the smoother closes an
# interval, is then final) or this much is ready: the smoother gives rows only at the end of a
# zero-velocity run, so feeding every call's few rows would cost more and give nothing sooner
# (except when the smoother's buffer fills, trajectory.BUFFER_S).
FEED_BATCH_S = 0.25


@dataclass(frozen=True)
class StrideConfig:
    """What the stride stage is told of one foot pod."""

    fs_hz: float
    alignment: Alignment              # the pod's sensor-to-foot alignment (fixed by the detector's warm-up)
    acc_full_scale_mps2: np.ndarray   # 3 x 2 clip levels (gaitcore.quality.full_scale), inf: does not clip
    gyr_full_scale_dps: np.ndarray
    gyro_filter_s: float = 0.0        # the device's extra gyroscope low-pass (trajectory.GYRO_FILTER_META)
    params: Params = field(default_factory=Params)
    # the filter's starting gyro bias (rad/s, sensor frame), as analysis._trajectory's argument: None
    # measures it at the stream's standing start (trajectory.standing_gyro_bias)
    gyr_bias0_rad_s: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class StrideLength:
    """One contact's stride length, released as soon as it is final: before the rest of
    its geometry, and equal to that geometry's ``stride_length_m``."""

    index: int                      # the contact, among the stream's IC events
    stride_length_m: float | None   # to the next contact; None where its geometry says None


@dataclass(frozen=True)
class StrideOutput:
    """What one step made final: the geometry of IC events ``first_contact`` ..
    ``first_contact + len(geometry) - 1`` (counted over all IC events of the stream), the
    stride lengths of the contacts in ``stride_lengths`` (each contact's once, in order,
    never after its geometry), and the smoothed rows ``samples_start`` ..
    ``samples_start + len(pos_m) - 1``."""

    first_contact: int
    geometry: tuple[StrideGeometry, ...]
    stride_lengths: tuple[StrideLength, ...]
    samples_start: int
    pos_m: np.ndarray            # (n, 3) smoothed sensor position, filter frame
    quat: np.ndarray             # (n, 4) smoothed attitude, sensor to world
    stride_path_m: np.ndarray    # (n, 3) what strides are measured on (trajectory.smoother_steps_removed)
    gyro_bias_from_standing: bool | None   # whether the gyro bias came from standing; None: not known
    #                                        yet, or the starting bias was given (StrideConfig.gyr_bias0_rad_s)


@dataclass(frozen=True)
class _Span:
    """A contact whose zero-velocity part is final (trajectory.ContactSpan, numbered)."""

    index: int        # among the stream's IC events
    ic: float
    to: float         # NaN: none
    anchor: int
    off_anchor: int


@dataclass(frozen=True)
class _Held:
    """A contact's geometry waiting for the session frame."""

    index: int
    rounded: tuple
    reconstructed: bool
    unsettled: bool
    anchor: int
    off_anchor: int
    anchor_pos_m: np.ndarray | None
    anchor_run: int


_COLS = {  # name: (shape after the row axis, dtype)
    "acc": ((3,), np.float64), "gyr": ((3,), np.float64), "brk": ((), np.bool_), "clip": ((), np.bool_),
    "dt": ((), np.float64), "gn": ((), np.float64), "clip_any": ((), np.bool_), "nbrk": ((), np.int64),
    "nrec": ((), np.int64), "still": ((), np.bool_), "flag": ((), np.bool_), "level": ((), np.bool_),
    "zupt": ((), np.bool_), "sigma": ((), np.float64), "macc": ((3,), np.float64), "mgyr": ((3,), np.float64),
    "still2": ((), np.bool_), "acc_r": ((3,), np.float64), "gyr_r": ((3,), np.float64),
    "sig_acc": ((3,), np.float64), "sig_gyr": ((3,), np.float64), "extra": ((6,), np.float64),
    "acc_f": ((3,), np.float64), "pos": ((3,), np.float64), "quat": ((4,), np.float64),
    "vel": ((3,), np.float64), "path": ((3,), np.float64),
}


class _Rows:
    """The rows the stage holds, ``base`` .. ``end - 1`` of the stream, one array per
    column with room to grow (mutable: shared by a state and its successor)."""

    def __init__(self) -> None:
        self.base = 0
        self.end = 0
        self.off = 0      # array index of row ``base``
        self.cols = {k: np.zeros((256,) + shape, dtype=dt) for k, (shape, dt) in _COLS.items()}

    def grow(self, k: int) -> None:
        cap = next(iter(self.cols.values())).shape[0]
        held = self.end - self.base
        if self.off + held + k > cap:
            new_cap = max(256, 2 * (held + k))
            for name, (shape, dt) in _COLS.items():
                a = np.zeros((new_cap,) + shape, dtype=dt)
                a[:held] = self.cols[name][self.off:self.off + held]
                self.cols[name] = a
            self.off = 0
        self.end += k

    def trim(self, row: int) -> None:
        row = min(max(row, self.base), self.end)
        self.off += row - self.base
        self.base = row

    def __call__(self, name: str, a: int, b: int) -> np.ndarray:
        """Rows ``a`` .. ``b - 1`` of a column (a view)."""
        if a < self.base or b > self.end:
            raise AssertionError(f"rows {a}..{b} asked, {self.base}..{self.end} held")
        return self.cols[name][self.off + a - self.base:self.off + b - self.base]


class _Stage:
    """The stage's working state (see the module docstring: advanced once per state)."""

    def __init__(self, config: StrideConfig) -> None:
        self.cfg = config
        fs = config.fs_hz
        self.win = max(1, int(round(STILL_WIN_S * fs)))
        self.feed_batch = max(1, int(round(FEED_BATCH_S * fs)))
        # the levels at which a sample counts as clipped: positive and negative side, per axis
        self.clip_acc, self.clip_gyr = (
            np.where(np.isfinite(lim.T), CLIP_MARGIN * lim.T, np.nan)
            for lim in (np.asarray(config.acc_full_scale_mps2, dtype=np.float64),
                        np.asarray(config.gyr_full_scale_dps, dtype=np.float64)))
        self.w_mean = max(1, int(round(STAND_MEAN_S * fs)))
        self.rows = _Rows()
        self.n_brk = 0
        self.n_rec = 0
        self.still_to = 0      # rows below are: still known
        self.gn_to = 0         # rotation rate known
        self.mean_to = 0       # trailing means known (for the standing bias)
        self.still2_to = 0     # stillness of the means known
        self.run_open = -1     # a still run of the means that began and has not ended
        self.bias: tuple | None = None
        self.bias_known = False
        self.events: list[Event] = []    # given, not yet made spans (from the first pending IC)
        self.spans_unfed = False  # a contact became known since the filter was last fed
        self.last_event_pos = -np.inf
        self.n_ic = 0          # IC events made spans
        self.zupt_to = 0       # zero-velocity flags final
        self.clip_any_to = 0   # rows known at full scale or not
        self.clip_to = 0       # clipped samples rebuilt
        self.unres_to = 0      # extra uncertainty final
        self.filt_to = 0       # through the gyro filter
        self.filt_y: np.ndarray | None = None   # the filter's last output in the current stretch
        self.fed_to = 0
        self.smooth_to = 0
        self.traj: TrajectoryState | None = None
        self.path_sum = np.zeros(3)
        self.prev_row: tuple | None = None     # (pos, vel, zupt) of the last smoothed row
        self.run_first_zupt_still: dict[int, bool] = {}
        self.seen_runs: set[int] = set()
        self.spans: list[_Span] = []   # from the contact before the next geometry on
        self.length_next = 0           # contacts whose stride length was released
        self.unsettled: dict[int, bool] = {}    # per contact with its length released, not its geometry
        self.geo_next = 0
        self.frame: SessionFrame | None = None
        self.held: list[_Held] = []
        self.cur_run = 0
        self.done = False
        self.generation = 0
        if config.gyr_bias0_rad_s is not None:
            self.traj = new_trajectory_state(fs, config.params.ins, tuple(config.gyr_bias0_rad_s))
            self.bias_known = True

    # --- rows in ------------------------------------------------------------------------
    def add_rows(self, c: CleanChunk) -> None:
        if c.start != self.rows.end:
            raise UsageError(f"the stride stage expects row {self.rows.end} next, the chunk starts at {c.start}")
        k = c.n
        if k == 0:
            return
        r = self.rows
        a = r.end
        r.grow(k)
        acc = np.ascontiguousarray(c.acc_mps2_sf, dtype=np.float64)
        gyr = np.ascontiguousarray(c.gyr_dps_sf, dtype=np.float64)
        r("acc", a, a + k)[:] = acc
        r("gyr", a, a + k)[:] = gyr
        r("brk", a, a + k)[:] = c.breaks
        r("clip", a, a + k)[:] = c.clipped
        r("dt", a, a + k)[:] = c.dt_s
        # (the other columns of new rows are computed when needed; "flag" and "level" start
        # False: rows past the end are never written before they are added)

    def update_still(self, final: bool) -> None:
        """Stillness as far as known, and each row's rotation rate."""
        r, w = self.rows, self.win
        if r.end > self.gn_to:
            g = r("gyr", self.gn_to, r.end)
            r("gn", self.gn_to, r.end)[:] = np.sqrt(np.einsum("ij,ij->i", g, g))
            self.gn_to = r.end
        new_to = r.end if final else max(self.still_to, r.end - (w - 1))
        if new_to <= self.still_to:
            return
        w0 = max(0, self.still_to - (w - 1))
        s = still_mask(r("acc", w0, r.end), r("gyr", w0, r.end), self.cfg.fs_hz)
        r("still", self.still_to, new_to)[:] = s[self.still_to - w0:new_to - w0]
        self.still_to = new_to

    # --- the starting gyro bias (trajectory.standing_gyro_bias, row by row) --------------
    def update_bias(self, final: bool) -> None:
        if self.bias_known:
            return
        r, fs = self.rows, self.cfg.fs_hz
        if r.end > self.mean_to:
            w0 = max(0, self.mean_to - (self.w_mean - 1))
            for src, dst in (("acc", "macc"), ("gyr", "mgyr")):
                m = _trailing_mean(r(src, w0, r.end), self.w_mean)
                r(dst, self.mean_to, r.end)[:] = m[self.mean_to - w0:]
            self.mean_to = r.end
        w = self.win
        new_to = r.end if final else max(self.still2_to, r.end - (w - 1))
        if new_to > self.still2_to:
            w0 = max(0, self.still2_to - (w - 1))
            s = still_mask(r("macc", w0, r.end), r("mgyr", w0, r.end), fs)
            r("still2", self.still2_to, new_to)[:] = s[self.still2_to - w0:new_to - w0]
            lo = self.still2_to
            runs = [(a + lo, b + lo) for a, b in true_runs(r("still2", lo, new_to))]
            self.still2_to = new_to
            if self.run_open >= 0:      # the run open at the last rows goes on, or ended there
                if runs and runs[0][0] == lo:
                    runs[0] = (self.run_open, runs[0][1])
                else:
                    runs.insert(0, (self.run_open, lo))
                self.run_open = -1
            for a, b in runs:
                if a > STAND_START_S * fs:
                    return self._set_bias(None)
                if b == new_to and not final:
                    self.run_open = a       # it may go on
                    break
                if b - a >= STAND_MIN_S * fs:
                    return self._set_bias(tuple(float(v) for v in np.radians(r("gyr", a, b).mean(axis=0))))
        if final:
            return self._set_bias(None)
        if self.run_open < 0 and self.still2_to > STAND_START_S * fs:
            self._set_bias(None)      # no run can begin in time any more

    def _set_bias(self, bias: tuple | None) -> None:
        self.bias, self.bias_known = bias, True
        self.traj = new_trajectory_state(self.cfg.fs_hz, self.cfg.params.ins, bias or (0.0, 0.0, 0.0))

    # --- contacts -----------------------------------------------------------------------
    def update_contacts(self, horizon: float, final: bool) -> None:
        """Make spans of the contacts, in order, whose inputs to
        :func:`gaitcore._geometry_kernel.contact_zero_velocity` are final: the event after the
        IC, the rows and stillness as far as the contact's search reaches, and whatever bounds
        that search (a break, the next IC, or the horizon beyond it)."""
        r, fs = self.rows, self.cfg.fs_hz
        maxc = float(self.cfg.params.steps.max_contact_s)
        while True:
            while self.events and self.events[0].kind is not EventKind.IC:
                self.events.pop(0)
            if not self.events:
                return
            p = float(self.events[0].pos)
            nxt = self.events[1] if len(self.events) > 1 else None
            if nxt is None and not final:
                return
            icn = next((float(e.pos) for e in self.events[1:] if e.kind is EventKind.IC), None)
            n_rows = r.end
            t = float(nxt.pos) if nxt is not None and nxt.kind is EventKind.TO else float("nan")
            ic_i = int(np.ceil(p))
            need = ic_i + 1
            searches = t != t
            if t == t:
                need = max(need, int(np.ceil(t)) + 1)
                if need > n_rows:
                    if not final:
                        return
                    need = n_rows
                hi = min(int(np.floor(t)), n_rows - 1)
                if ic_i + 1 <= hi and r("brk", ic_i + 1, hi + 1).any():
                    searches = True           # the TO lies past a break
                elif t - p > maxc * fs:
                    searches = True           # standing
            if searches:
                lb = int(np.ceil(p + maxc * fs))
                if icn is not None:
                    lb = min(lb, int(np.ceil(icn)) - 1)
                if final:
                    lb = min(lb, n_rows - 1)
                hi = min(lb, n_rows - 1)
                if ic_i + 1 <= hi:
                    nb = np.flatnonzero(r("brk", ic_i + 1, hi + 1))
                    if nb.size:
                        lb = min(lb, ic_i + int(nb[0]))    # (the break's row - 1)
                if lb >= n_rows:
                    return
                if icn is None and not final and lb > int(np.ceil(horizon)) - 1:
                    return                    # a later IC could still bound it
                need = max(need, lb + 1)
            need = min(need, n_rows)
            if need > self.still_to:
                self.update_still(final)
                if need > self.still_to:
                    return
            self._make_span(p, t, icn, need, n_rows)
            self.spans_unfed = True
            self.events.pop(0)
            if nxt is not None and nxt.kind is EventKind.TO:
                self.events.pop(0)

    def _make_span(self, p: float, t: float, icn: float | None, need: int, n_rows: int) -> None:
        r, cfg = self.rows, self.cfg
        w0 = max(r.base, min(int(np.floor(p)) - 1, need - 1))
        # one row past those searched: a break there ends the search (the kernel's next_break)
        w1 = min(max(need + 1, w0 + 1), r.end)
        bi = w0 + np.flatnonzero(r("brk", w0, w1))
        next_break = np.append(bi, n_rows)[np.searchsorted(bi, np.arange(w0, w1), side="right")].astype(np.int64)
        ic = np.array([p] if icn is None else [p, icn], dtype=np.float64)
        flags = np.zeros(w1 - w0, dtype=np.bool_)
        to_out = np.empty(1)
        quietest, anchor, off_anchor = (np.empty(1, dtype=np.int64) for _ in range(3))
        G.contact_zero_velocity(ic, np.array([t]), np.ascontiguousarray(r("gn", w0, w1)), float(cfg.fs_hz),
                                next_break, float(cfg.params.steps.max_contact_s), EDGE_FRACTION, ZV_GYR_DPS,
                                ZV_MIN_FACTOR, np.ascontiguousarray(r("still", w0, w1)), flags, to_out, quietest,
                                anchor, off_anchor, w0, n_rows, 1)
        r("flag", w0, w1)[:] |= flags
        if quietest[0] >= 0:
            r("level", int(quietest[0]), int(quietest[0]) + 1)[:] = True
        self.spans.append(_Span(self.n_ic, p, float(to_out[0]), int(anchor[0]), int(off_anchor[0])))
        self.n_ic += 1

    def zupt_bound(self, horizon: float) -> int:
        """The rows no contact still to come can flag: below the first one pending and the horizon."""
        r = self.rows
        bound = int(np.floor(horizon)) if np.isfinite(horizon) else r.end
        ic = next((e.pos for e in self.events if e.kind is EventKind.IC), None)
        if ic is not None:
            bound = min(bound, int(np.floor(ic)))
        return min(bound, r.end)

    def ready_rows(self, horizon: float) -> int:
        """How many rows past those fed could be fed now (stillness permitting)."""
        return self.zupt_bound(horizon) - self.fed_to

    def update_zupt(self, horizon: float, final: bool) -> None:
        r = self.rows
        if final:
            new_to = r.end
        else:
            new_to = min(self.still_to, self.zupt_bound(horizon))
        if new_to <= self.zupt_to:
            return
        a = self.zupt_to
        still = r("still", a, new_to)
        z = still | r("flag", a, new_to)
        r("zupt", a, new_to)[:] = z
        gn = r("gn", a, new_to)
        r("sigma", a, new_to)[:] = ZV_SIGMA_MPS + np.radians(np.nan_to_num(gn, nan=0.0)) * LEVER_M
        brk, clip = r("brk", a, new_to), r("clip", a, new_to)
        nbrk = r("nbrk", a, new_to)
        nbrk[:] = self.n_brk + np.cumsum(brk)
        r("nrec", a, new_to)[:] = self.n_rec + np.cumsum(clip)
        self.n_brk += int(np.count_nonzero(brk))
        self.n_rec += int(np.count_nonzero(clip))
        # each filter run's first zero-velocity sample: still or not (analysis._first_strides_after_moving_start)
        runs, first = np.unique(nbrk[z], return_index=True)
        for run, i in zip(runs.tolist(), first.tolist()):
            if run not in self.run_first_zupt_still:
                self.run_first_zupt_still[run] = bool(still[np.flatnonzero(z)[i]])
        self.zupt_to = new_to

    # --- what the filter integrates (trajectory.ins_inputs, row by row) ---------------
    def update_inputs(self, final: bool) -> None:
        r, cfg = self.rows, self.cfg
        c = _CLIP_CUT_ROWS
        if r.end > self.clip_any_to:
            acc, gyr = r("acc", self.clip_any_to, r.end), r("gyr", self.clip_any_to, r.end)
            # at full scale on some axis (trajectory.reconstruct_clipped's test; NaN: never)
            r("clip_any", self.clip_any_to, r.end)[:] = (
                (acc >= self.clip_acc[0]) | (-acc >= self.clip_acc[1])
                | (gyr >= self.clip_gyr[0]) | (-gyr >= self.clip_gyr[1])).any(axis=1)
            self.clip_any_to = r.end
        if final:
            cut = r.end
        else:
            cut = self.clip_to
            lo = max(0, self.clip_to - c)
            ok = ~r("clip_any", lo, r.end)
            if ok.shape[0] >= 2 * c:
                # rows q .. q + 2c - 1 all below full scale: a cut at q + c
                win = np.convolve(ok.astype(np.int64), np.ones(2 * c, dtype=np.int64), mode="valid")
                q = np.flatnonzero(win == 2 * c)
                if q.size:
                    cut = max(cut, lo + int(q[-1]) + c)
        if cut > self.clip_to:
            a = self.clip_to
            if r("clip_any", a, cut).any():
                acc_r, sig_acc = reconstruct_clipped(r("acc", a, cut), cfg.acc_full_scale_mps2)
                gyr_r, sig_gyr = reconstruct_clipped(r("gyr", a, cut), cfg.gyr_full_scale_dps)
            else:     # nothing to rebuild: the samples as they are, no extra uncertainty
                acc_r, gyr_r, sig_acc, sig_gyr = r("acc", a, cut), r("gyr", a, cut), 0.0, 0.0
            r("acc_r", a, cut)[:] = acc_r
            r("gyr_r", a, cut)[:] = gyr_r
            r("sig_acc", a, cut)[:] = sig_acc
            r("sig_gyr", a, cut)[:] = sig_gyr
            self.clip_to = cut
        new_u = r.end if final else max(self.unres_to, self.clip_to - 1)
        if new_u > self.unres_to:
            a = self.unres_to
            w0 = max(0, a - 1)
            w1 = min(new_u + 1, self.clip_to)
            un = unresolved_sigma(r("acc_r", w0, w1), r("brk", w0, w1))[a - w0:new_u - w0]
            extra = r("extra", a, new_u)
            extra[:, :3] = np.sqrt(r("sig_acc", a, new_u) ** 2 + un ** 2)
            extra[:, 3:] = r("sig_gyr", a, new_u)
            self._gyro_filter(a, new_u)
            self.unres_to = new_u

    def _gyro_filter(self, a: int, b: int) -> None:
        """trajectory.match_gyro_filter over rows a .. b - 1, continuing from the row before."""
        r, cfg = self.rows, self.cfg
        x = r("acc_r", a, b)
        out = r("acc_f", a, b)
        out[:] = x
        tau = float(cfg.gyro_filter_s)
        if not (tau > 0.0):
            return
        from scipy.signal import lfilter
        coef = float(np.exp(-1.0 / (tau * cfg.fs_hz)))
        brk = r("brk", a, b)
        starts = np.r_[0, np.flatnonzero(brk)]
        ends = np.r_[starts[1:], b - a]
        for s0, e0 in zip(starts.tolist(), ends.tolist()):
            if brk[s0] if s0 < b - a else False:
                self.filt_y = None       # the filter restarts at a break
            if e0 <= s0:
                continue
            if self.filt_y is None:
                ok = np.flatnonzero(np.isfinite(x[s0:e0]).all(axis=1))
                if ok.size == 0:
                    continue
                s1 = s0 + int(ok[0])
                zi = (coef * x[s1])[None, :]
            else:
                s1 = s0
                zi = (coef * self.filt_y)[None, :]
            out[s1:e0] = lfilter([1.0 - coef], [1.0, -coef], x[s1:e0], axis=0, zi=zi)[0]
            self.filt_y = out[e0 - 1].copy()

    # --- the filter ---------------------------------------------------------------------
    def feed(self, final: bool) -> tuple[int, int]:
        """Feed the rows whose inputs are final; return the smoothed rows it gave."""
        r = self.rows
        if self.traj is None:
            return self.smooth_to, self.smooth_to
        b = r.end if final else min(self.zupt_to, self.unres_to)
        a = self.fed_to
        if b <= a and not final:
            return self.smooth_to, self.smooth_to
        out, self.traj = trajectory_step(self.traj, r("acc_f", a, b), r("gyr_r", a, b), r("dt", a, b),
                                         r("zupt", a, b), r("sigma", a, b), r("level", a, b), r("extra", a, b),
                                         r("brk", a, b), final=final)
        self.fed_to = b
        m = out.pos_m.shape[0]
        s0 = self.smooth_to
        if m == 0:
            return s0, s0
        if out.start != s0:
            raise AssertionError(f"the filter gave rows from {out.start}, {s0} expected")
        r("pos", s0, s0 + m)[:] = out.pos_m
        r("quat", s0, s0 + m)[:] = out.quat
        r("vel", s0, s0 + m)[:] = out.vel_mps
        self.smooth_to = s0 + m
        return s0, s0 + m

    def stride_path(self, a: int, b: int) -> np.ndarray:
        """trajectory.smoother_steps_removed over rows a .. b - 1, carrying its sum."""
        r = self.rows
        pos, vel, z = r("pos", a, b), r("vel", a, b), r("zupt", a, b)
        brk, dt = r("brk", a, b), r("dt", a, b)
        if self.prev_row is None:
            pp, pv, pz = pos[:1], vel[:1], np.zeros(1, dtype=np.bool_)     # row 0 has no row before
        else:
            pp, pv, pz = self.prev_row
        zz = np.concatenate([pz, z])
        pos2, vel2 = np.vstack([pp, pos]), np.vstack([pv, vel])
        k = np.flatnonzero(zz[:-1] & ~zz[1:]) + 1
        k = k[~brk[k - 1]]
        step = pos2[k, :2] - pos2[k - 1, :2] - 0.5 * (vel2[k, :2] + vel2[k - 1, :2]) * dt[k - 1][:, None]
        at = np.zeros((b - a + 1, 3))
        at[0] = self.path_sum
        at[k, :2] = np.nan_to_num(step, nan=0.0)
        cum = np.cumsum(at, axis=0)
        self.path_sum = cum[-1].copy()
        self.prev_row = (pos[-1:].copy(), vel[-1:].copy(), z[-1:].copy())
        return pos - cum[1:]

    # --- geometry -----------------------------------------------------------------------
    def update_lengths(self, final: bool) -> list[StrideLength]:
        """The stride lengths of the contacts, in order, whose next contact is known (or
        that are the last) and whose anchors and the next contact's are smoothed.  Each
        contact's unsettled-first-stride test is made here, in contact order as
        ``analysis._first_strides_after_moving_start`` makes it, and kept for its geometry."""
        out: list[StrideLength] = []
        while True:
            first = self.spans[0].index if self.spans else self.geo_next
            k = self.length_next - first
            if k >= len(self.spans) or (not final and k + 1 >= len(self.spans)):
                break
            sp = self.spans[k]
            window = self.spans[k:k + 2]
            used = [sp.anchor, sp.off_anchor] + [s.anchor for s in window[1:]]
            hi = max(used) + 1      # (0 when none is a row: its length is None)
            if hi > self.smooth_to:
                if not final:
                    break
                raise AssertionError(f"rows to {hi} needed at the end, {self.smooth_to} smoothed")
            unsettled = False
            if sp.anchor >= 0:
                run = int(self.rows("nbrk", sp.anchor, sp.anchor + 1)[0])
                if run not in self.seen_runs:
                    self.seen_runs.add(run)
                    # (the anchor is a zero-velocity sample, so its run has a first one)
                    unsettled = not self.run_first_zupt_still.get(run, True)
            self.unsettled[sp.index] = unsettled
            # the kernel's figures over this contact and the next: its stride length is the
            # one the geometry's wider window gives (the other figures may still change), and
            # geometry_of leaves it out as the geometry will (unsettled)
            low = [v for v in (int(np.floor(sp.ic)) - 1, sp.anchor, sp.off_anchor) if v >= 0]
            w0, w1 = self._window(low, hi)
            metrics, rec = self._metrics(window, w0, w1)
            g = geometry_of(rounded_metrics(metrics[0].tolist()), bool(rec[0]), unsettled, True, None, sp.anchor,
                            sp.off_anchor)
            out.append(StrideLength(sp.index, g.stride_length_m))
            self.length_next += 1
        return out

    def update_geometry(self, final: bool) -> list[StrideGeometry]:
        """The geometry of the contacts, in order, whose strides and their neighbours' are
        smoothed (trajectory.stride_geometry over the contact before, it and the two after);
        those before the session frame is set wait for it.  Their stride lengths were
        released first (:meth:`update_lengths`)."""
        out: list[StrideGeometry] = []
        while True:
            first = self.spans[0].index if self.spans else self.geo_next
            j = self.geo_next
            k = j - first           # its place in self.spans
            if k >= len(self.spans):
                break
            if not final and k + 2 >= len(self.spans):
                break
            window = self.spans[max(0, k - 1):k + 3]
            at = 1 if k >= 1 else 0
            sp, nx = self.spans[k], (self.spans[k + 1] if k + 1 < len(self.spans) else None)
            nn = self.spans[k + 2] if k + 2 < len(self.spans) else None
            used = [int(np.rint(sp.ic))]
            if sp.to == sp.to:
                used += [int(np.rint(sp.to)), int(np.ceil(sp.to))]
            used += [sp.anchor, sp.off_anchor]
            if nx is not None:
                used += [int(np.floor(nx.ic)), nx.anchor, nx.off_anchor]
            if nn is not None:
                used += [nn.anchor]
            hi = max(used) + 1
            if hi > self.smooth_to:
                if not final:
                    break
                hi = self.smooth_to
            if j >= self.length_next:
                raise AssertionError(f"contact {j}'s geometry is final before its stride length")
            low = [v for s in window[:at + 1] for v in (int(np.floor(s.ic)) - 1, s.anchor, s.off_anchor) if v >= 0]
            w0, hi = self._window(low, hi)
            geo = self._geometry(window, at, w0, hi)
            out.extend(geo)
            self.geo_next += 1
            keep = max(0, self.geo_next - 1 - first)
            if keep:
                self.spans = self.spans[keep:]
        if final:
            out.extend(self._release(None))
        return out

    def _window(self, low: list[int], hi: int) -> tuple[int, int]:
        """Rows ``w0`` .. ``w1 - 1`` for the kernel: from the lowest of ``low`` (as far as
        held) to ``hi``, ``w0`` even (the kernel rounds positions half to even)."""
        w0 = max(self.rows.base, min(low) if low else hi - 1)
        w0 += w0 % 2 if w0 - w0 % 2 < self.rows.base else -(w0 % 2)
        return w0, max(hi, w0 + 1)

    def _metrics(self, window: list[_Span], w0: int, w1: int) -> tuple[np.ndarray, np.ndarray]:
        """trajectory.stride_metrics of the contacts ``window`` over rows ``w0`` .. ``w1 - 1``."""
        r, cfg = self.rows, self.cfg
        ic = np.array([s.ic for s in window]) - w0
        to = np.array([s.to for s in window]) - w0
        shift = lambda v: v - w0 if v >= 0 else -1          # noqa: E731
        anchor = np.array([shift(s.anchor) for s in window], dtype=np.int64)
        off_anchor = np.array([shift(s.off_anchor) for s in window], dtype=np.int64)
        nbrk = np.concatenate([r("nbrk", w0, w0 + 1) - r("brk", w0, w0 + 1), r("nbrk", w0, w1)])
        nrec = np.concatenate([r("nrec", w0, w0 + 1) - r("clip", w0, w0 + 1), r("nrec", w0, w1)])
        return stride_metrics(ic, to, anchor, off_anchor, r("path", w0, w1), r("quat", w0, w1),
                              cfg.alignment.rot_ff_sf, float(cfg.params.steps.max_stride_s * cfg.fs_hz), nbrk, nrec)

    def _geometry(self, window: list[_Span], at: int, w0: int, w1: int) -> list[StrideGeometry]:
        r = self.rows
        sp = window[at]
        metrics, rec = self._metrics(window, w0, w1)
        row = rounded_metrics(metrics[at].tolist())
        unsettled = self.unsettled.pop(sp.index)
        out: list[StrideGeometry] = []
        if self.frame is None and measured_stride(row, metrics[at]):
            b = window[at + 1].anchor
            a = sp.off_anchor
            self.frame = session_frame(r("pos", a, a + 1)[0], r("pos", b, b + 1)[0],
                                       int(r("nbrk", a, a + 1)[0]))
            out.extend(self._release(self.frame))
        pos_a = r("pos", sp.anchor, sp.anchor + 1)[0].copy() if sp.anchor >= 0 else None
        run_a = int(r("nbrk", sp.anchor, sp.anchor + 1)[0]) if sp.anchor >= 0 else -1
        h = _Held(sp.index, tuple(row), bool(rec[at]), unsettled, sp.anchor, sp.off_anchor, pos_a, run_a)
        if self.frame is None:
            self.held.append(h)
        else:
            out.append(self._geometry_of(h, self.frame))
        return out

    def _geometry_of(self, h: _Held, frame: SessionFrame | None) -> StrideGeometry:
        position = None
        if frame is not None and h.anchor_pos_m is not None:
            position = frame_position(frame, h.anchor_pos_m, h.anchor_run)
        return geometry_of(list(h.rounded), h.reconstructed, h.unsettled, self.cfg.alignment.up_from_standing,
                           position, h.anchor, h.off_anchor)

    def _release(self, frame: SessionFrame | None) -> list[StrideGeometry]:
        out = [self._geometry_of(h, frame) for h in self.held]
        self.held = []
        return out

    # --- what may go ----------------------------------------------------------------------
    def trim(self) -> None:
        r = self.rows
        if not self.bias_known:
            return
        keep = [self.fed_to, self.smooth_to, self.unres_to - 1, self.clip_to - _CLIP_CUT_ROWS,
                self.still_to - (self.win - 1), self.zupt_to]
        ic = next((e.pos for e in self.events if e.kind is EventKind.IC), None)
        if ic is not None:
            keep.append(int(np.floor(ic)) - 2)
        keep.append(self.zupt_to - 2)
        for s in self.spans:
            keep += [v for v in (int(np.floor(s.ic)) - 2, s.anchor - 2, s.off_anchor - 2) if v >= 0]
        r.trim(max(0, min(keep)))


@dataclass(frozen=True)
class StrideState:
    """The stage's state; its working buffers are shared with the state after it, so a
    state can be advanced only once (checked)."""

    config: StrideConfig
    generation: int
    stage: _Stage = field(repr=False, compare=False)

    @property
    def gyr_bias0_rad_s(self) -> tuple[float, float, float] | None:
        """The filter's starting gyro bias (rad/s, sensor frame) once known: the one given, or
        the mean rate over the standing at the stream's start (zeros without one); None
        while that standing may still go on."""
        if self.config.gyr_bias0_rad_s is not None:
            return self.config.gyr_bias0_rad_s
        if not self.stage.bias_known:
            return None
        return self.stage.bias or (0.0, 0.0, 0.0)


def new_stride_state(config: StrideConfig) -> StrideState:
    if not (np.isfinite(config.fs_hz) and config.fs_hz > 0):
        raise UsageError(f"sampling rate must be a positive number of Hz, got {config.fs_hz}")
    if np.shape(config.acc_full_scale_mps2) != (3, 2) or np.shape(config.gyr_full_scale_dps) != (3, 2):
        raise UsageError("full scales are 3 x 2 (axis; positive and negative magnitude)")
    return StrideState(config, 0, _Stage(config))


def stride_step(state: StrideState, chunk: CleanChunk, events: tuple[Event, ...] | list[Event], horizon: float,
                final: bool = False) -> tuple[StrideOutput, StrideState]:
    """Feed the next cleaned rows and the next final events of this sensor (positions in
    rows of the cleaned stream, after :func:`gaitcore.events.drop_swing_artefacts`);
    ``horizon``: no event still to come lies before this row position; ``final``: the
    stream ended (every event given).  Returns what became final."""
    st = state.stage
    if st.generation != state.generation:
        raise UsageError("this stride state was already advanced; continue from the state it returned")
    if st.done:
        raise UsageError("the stride stage's stream has ended")
    st.generation += 1
    st.add_rows(chunk)
    for e in events:
        if not (e.pos < st.rows.end and e.pos >= st.last_event_pos):
            raise UsageError(f"an event at row {e.pos} given after one at {st.last_event_pos} with {st.rows.end} "
                             "rows fed: events come in order, after the rows they lie in")
        st.last_event_pos = e.pos
    st.events.extend(events)
    horizon = float("inf") if final else float(horizon)
    if not st.bias_known:
        st.update_still(final)
        st.update_bias(final)
    st.update_contacts(horizon, final)
    a = b = st.smooth_to
    if st.bias_known and (final or st.spans_unfed or st.ready_rows(horizon) >= st.feed_batch):
        st.update_still(final)
        st.update_zupt(horizon, final)
        st.update_inputs(final)
        a, b = st.feed(final)
        st.spans_unfed = False
    r = st.rows
    path = st.stride_path(a, b) if b > a else np.empty((0, 3))
    if b > a:
        r("path", a, b)[:] = path
    first = st.geo_next - len(st.held)
    lengths = st.update_lengths(final)
    geometry = st.update_geometry(final) if b > a or final else []
    calibrated = None if state.config.gyr_bias0_rad_s is not None or not st.bias_known else st.bias is not None
    out = StrideOutput(first, tuple(geometry), tuple(lengths), a, r("pos", a, b).copy(), r("quat", a, b).copy(),
                       path, calibrated)
    if b > a:
        st.trim()
    st.done = final
    return out, StrideState(state.config, st.generation, st)
