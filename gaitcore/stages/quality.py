"""The quality stage: one sensor's samples as the later stages read them.

Per sample, as :mod:`gaitcore.quality` defines it: a row holding a value no body-worn IMU
gives becomes unreadable (:func:`~gaitcore.quality.implausible_rows`), a row repeating the
one before it is dropped (:func:`~gaitcore.quality.duplicate_rows`), the gap detector's
clock (:func:`~gaitcore.quality.clock_check`) classes the interval before each sample, a
lone unreadable row between two readable ones is interpolated from them
(:func:`~gaitcore.quality.repair`; such a row waits for the row after it, the stage's
only look-ahead), longer runs and dropped or reversed stretches are reported as
:class:`~gaitcore.quality.Gap`, and rows at full scale are marked clipped.

Two figures come from outside, because a stream cannot know them before it ends: how
late a sample may come before it counts as after a gap (``gap_tol_periods``: a device's
own sample clock is clean, ``DROP_FACTOR``; the analysis measures it on the whole
recording, :func:`~gaitcore.quality.clock_tolerance_periods`) and where the sensor clips
(the declared range, or :func:`~gaitcore.quality.full_scale` over the whole recording).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._quality_kernel import GAP_DROPPED, clipped_rows, finite_rows, repeated_rows
from ..events import breaks_of
from ..quality import CLIP_MARGIN, Gap, clock_check, clock_gaps_of, implausible_rows, new_clock
from ..signals import true_runs

_RANK = {"nan": 0, "dropped": 1, "time_reversal": 2}


@dataclass(frozen=True)
class QualityConfig:
    """What the quality stage is told of one sensor (see the module docstring)."""

    sensor: str                 # its name, for the gaps it reports
    fs_hz: float
    gap_tol_periods: float
    acc_full_scale_mps2: np.ndarray   # 3 x 2 (axis; positive and negative magnitude), inf: does not clip
    gyr_full_scale_dps: np.ndarray


@dataclass(frozen=True)
class FoundGap:
    """A gap and where it was found: ``row`` in the cleaned stream (a NaN run: its first row)."""

    gap: Gap
    row: int

    @property
    def sort_key(self) -> tuple[float, int, int]:
        """The order the analysis lists gaps in: by start (unknown first), then NaN runs,
        drops and reversals, then by row."""
        start = self.gap.start_s
        return (start if np.isfinite(start) else -1.0, _RANK[self.gap.kind], self.row)


@dataclass(frozen=True)
class CleanChunk:
    """Rows ``start`` .. ``start + n - 1`` of the cleaned stream: repeated rows dropped,
    lone unreadable rows interpolated."""

    start: int
    t_s: np.ndarray             # (n,)
    acc_mps2_sf: np.ndarray     # (n, 3)
    gyr_dps_sf: np.ndarray      # (n, 3)
    gap_kind: np.ndarray        # (n,) int8: GAP_* of the interval before each row
    gap_lag_s: np.ndarray       # (n,) how late it came
    breaks: np.ndarray          # (n,) bool: processing starts afresh here (a gap not bridged, or unreadable)
    clipped: np.ndarray         # (n,) bool: a value at full scale
    dt_s: np.ndarray            # (n,) the interval before each row the filters integrate over
    gaps: tuple[FoundGap, ...]  # the gaps that ended in this chunk
    repaired: int               # rows interpolated
    repeated: int               # rows as given dropped as repeats
    unreadable: int = 0         # rows that came unreadable (not finite, or past any IMU's range), repaired or not

    @property
    def n(self) -> int:
        return int(self.t_s.shape[0])


@dataclass(frozen=True)
class _Row:
    """One row of the stream, as the stage keeps it between chunks."""

    t_s: float
    acc: np.ndarray
    gyr: np.ndarray


@dataclass(frozen=True)
class _OpenRun:
    """A run of unreadable rows still going on at the end of the rows seen."""

    row: int                    # its first row in the cleaned stream
    t0_s: float                 # the time of its first row (NaN: not finite)
    n_rows: int
    t1_s: float                 # the time of its last row so far

    def gap(self, sensor: str) -> FoundGap:
        """The run reported as the gap it is, once it has ended."""
        return FoundGap(Gap(sensor, "nan", self.t0_s, self.t1_s, self.n_rows), self.row)


@dataclass(frozen=True)
class QualityState:
    config: QualityConfig
    n_out: int = 0
    clock: np.ndarray | None = None
    last_given: _Row | None = None    # the last row as given (the next is compared with it: a repeat?)
    last_out: _Row | None = None      # the last row emitted (a lone bad row is interpolated from it)
    held: CleanChunk | None = None    # an unreadable row after a readable one, waiting for the next
    open_run: _OpenRun | None = None


def new_quality_state(config: QualityConfig) -> QualityState:
    if not (np.isfinite(config.fs_hz) and config.fs_hz > 0):
        raise ValueError(f"sampling rate must be a positive number of Hz, got {config.fs_hz}")
    return QualityState(config, clock=new_clock(config.gap_tol_periods))


def quality_step(state: QualityState, t_s: np.ndarray, acc_mps2_sf: np.ndarray, gyr_dps_sf: np.ndarray,
                 final: bool = False) -> tuple[CleanChunk, QualityState]:
    """Feed rows as given (any number, also none); return the cleaned rows they complete.
    ``final`` marks the end of the stream (a held row is let out, an open run reported)."""
    cfg = state.config
    t = np.ascontiguousarray(t_s, dtype=np.float64).reshape(-1)
    acc = np.array(acc_mps2_sf, dtype=np.float64).reshape(-1, 3)
    gyr = np.array(gyr_dps_sf, dtype=np.float64).reshape(-1, 3)
    if not (t.shape[0] == acc.shape[0] == gyr.shape[0]):
        raise ValueError(f"chunk arrays disagree in length: t {t.shape[0]}, acc {acc.shape[0]}, gyr {gyr.shape[0]}")
    bad_value = implausible_rows(acc, gyr)
    if bad_value.any():
        acc[bad_value] = np.nan
        gyr[bad_value] = np.nan
    n_in = t.shape[0]
    rep = np.empty(n_in, dtype=np.bool_)     # repeats of the row before (the previous chunk's last too)
    repeated_rows(t, acc, gyr, rep)
    lg = state.last_given
    if n_in and lg is not None:
        rep[0] = bool(t[0] == lg.t_s and (acc[0] == lg.acc).all() and (gyr[0] == lg.gyr).all())
    last_given = _Row(float(t[-1]), acc[-1].copy(), gyr[-1].copy()) if n_in else state.last_given
    n_rep = int(np.count_nonzero(rep))
    if n_rep:
        keep = ~rep
        t, acc, gyr = t[keep], acc[keep], gyr[keep]
    kind, lag, clock = clock_check(t, state.clock, cfg.fs_hz)
    clipped = np.empty(t.shape[0], dtype=np.bool_)
    clipped_rows(np.ascontiguousarray(acc), np.ascontiguousarray(gyr),
                 np.ascontiguousarray(cfg.acc_full_scale_mps2, dtype=np.float64),
                 np.ascontiguousarray(cfg.gyr_full_scale_dps, dtype=np.float64), CLIP_MARGIN, clipped)
    if state.held is not None:    # the held row goes first
        h = state.held
        t, acc, gyr = np.concatenate([h.t_s, t]), np.concatenate([h.acc_mps2_sf, acc]), \
            np.concatenate([h.gyr_dps_sf, gyr])
        kind, lag = np.concatenate([h.gap_kind, kind]), np.concatenate([h.gap_lag_s, lag])
        clipped = np.concatenate([h.clipped, clipped])
    n = t.shape[0]
    ok = np.empty(n, dtype=np.bool_)
    n_ok = finite_rows(t, np.ascontiguousarray(acc), np.ascontiguousarray(gyr), ok)
    start = state.n_out
    unreadable = ~ok
    found: list[FoundGap] = []
    repaired = 0
    hold = 0
    open_run = state.open_run
    for a, b in (true_runs(unreadable) if n - n_ok else ()):
        t_a = float(t[a]) if np.isfinite(t[a]) else float("nan")
        t_b = float(t[b - 1]) if np.isfinite(t[b - 1]) else float("nan")
        if a == 0 and open_run is not None:       # the run open at the last chunk's end goes on
            run = _OpenRun(open_run.row, open_run.t0_s, open_run.n_rows + b, t_b)
        else:
            lone = b - a == 1 and t_a == t_a and (a > 0 or state.last_out is not None)
            if lone and b < n:                    # a lone unreadable row between two readable ones
                before = (acc[a - 1], gyr[a - 1]) if a > 0 else (state.last_out.acc, state.last_out.gyr)
                acc[a] = 0.5 * (before[0] + acc[a + 1])
                gyr[a] = 0.5 * (before[1] + gyr[a + 1])
                unreadable[a] = False
                repaired += 1
                continue
            if lone and not final:                # ... perhaps: it waits for the next row
                hold = 1
                continue
            run = _OpenRun(start + a, t_a, b - a, t_b)
        if b < n or final:
            found.append(run.gap(cfg.sensor))
            run = None
        open_run = run
    # the run open from before ended just before this chunk (it had no row in it), or the stream ends
    if open_run is not None and (final or open_run is state.open_run and n and ok[0]):
        found.append(open_run.gap(cfg.sensor))
        open_run = None
    m = n - hold
    fixed = unreadable[:m]
    nominal = 1.0 / cfg.fs_hz
    km, lm = kind[:m], lag[:m]
    gapped = bool(km.any())     # (GAP_NONE is 0)
    t_before = state.last_out.t_s if state.last_out is not None else float("nan")
    found += [FoundGap(g, start + j) for j, g in clock_gaps_of(cfg.sensor, t, t_before, km, lm, cfg.fs_hz)]
    breaks = (fixed | breaks_of(km, lm)) if gapped else fixed.copy()
    dt_s = (np.where(km == GAP_DROPPED, lm, 0.0) + nominal) if gapped else np.full(m, nominal)
    out = CleanChunk(start, t[:m], acc[:m], gyr[:m], km, lm, breaks, clipped[:m], dt_s, tuple(found), repaired,
                     n_rep, int(m - np.count_nonzero(ok[:m])))
    held = None
    if hold:
        held = CleanChunk(start + m, t[m:], acc[m:], gyr[m:], kind[m:], lag[m:], np.ones(1, dtype=np.bool_),
                          clipped[m:], np.zeros(1), (), 0, 0)
    last_out = _Row(float(t[m - 1]), acc[m - 1].copy(), gyr[m - 1].copy()) if m else state.last_out
    return out, QualityState(cfg, start + m, clock, last_given, last_out, held, open_run)


def concat_chunks(chunks: list[CleanChunk] | tuple[CleanChunk, ...]) -> CleanChunk:
    """Consecutive chunks as one."""
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        raise ValueError("no chunks to join")
    for a, b in zip(chunks, chunks[1:]):
        if b.start != a.start + a.n:
            raise ValueError(f"chunks are not consecutive: rows {a.start}+{a.n} then {b.start}")

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(c, name) for c in chunks])
    return CleanChunk(chunks[0].start, cat("t_s"), cat("acc_mps2_sf"), cat("gyr_dps_sf"), cat("gap_kind"),
                      cat("gap_lag_s"), cat("breaks"), cat("clipped"), cat("dt_s"),
                      tuple(g for c in chunks for g in c.gaps), sum(c.repaired for c in chunks),
                      sum(c.repeated for c in chunks), sum(c.unreadable for c in chunks))
