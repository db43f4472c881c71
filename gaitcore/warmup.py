"""Compile every analysis kernel ahead of the first analysis (``gait warmup``).

numba compiles each kernel on its first call and caches the machine code, so the
first analysis on a machine waits while it compiles (about half a minute on two
cores); later ones start at once.  :func:`warm_up` pays that cost up front: it
analyses a short simulated recording built to pass through every path of the
pipeline (foot and segment pods, clipped samples, a full scale found from the
signal, jittery time stamps, a bridged drop, a gap that restarts the filter, an
unreadable sample, streaming in chunks, contact timing alone), which compiles and caches every kernel those analyses call.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._jit import uncompiled_kernels
from .signals import Recording, Segment

# The kernels every analysis calls: while any of these is uncompiled, the next analysis
# compiles (checked before an analysis to say so, and by tests after warm_up).
ENTRY_KERNELS = ("_events_kernel.events_step", "_align_kernel.direction_votes", "_steps_kernel.foot_metrics",
                 "_ins_kernel.ins_step", "_ins_kernel.ins_flush", "_geometry_kernel.stride_metrics",
                 "_quality_kernel.finite_rows", "_quality_kernel.clipped_rows")


def needs_compiling() -> bool:
    """Whether the next analysis will compile kernels first (False when unknown)."""
    import importlib
    for module in dict.fromkeys(name.split(".")[0] for name in ENTRY_KERNELS):
        importlib.import_module(f"gaitcore.{module}")
    return bool(uncompiled_kernels(ENTRY_KERNELS))


def _varied(rec: Recording) -> Recording:
    """The left foot pod loses 10 ms (a bridged drop) and 120 ms (a gap that restarts the
    filter) and reads one sample as NaN (repaired); the right foot pod declares no full
    scale (it is found from flat-topped stretches); the thighs' time stamps jitter by a
    tenth of a period, as host arrival times do."""
    out = []
    for s in rec.sensors:
        n = s.n_samples
        if s.name == "left_pod":
            keep = np.ones(n, dtype=bool)
            keep[int(0.45 * n):int(0.45 * n) + max(1, round(0.010 * s.fs_hz))] = False
            keep[int(0.7 * n):int(0.7 * n) + round(0.120 * s.fs_hz)] = False
            acc = s.acc_mps2_sf[keep].copy()
            acc[int(0.3 * n)] = np.nan
            s = replace(s, t_s=np.ascontiguousarray(s.t_s[keep]), acc_mps2_sf=acc,
                        gyr_dps_sf=np.ascontiguousarray(s.gyr_dps_sf[keep]))
        elif s.name == "right_pod":
            s = replace(s, acc_range_mps2=None, gyr_range_dps=None)
        elif s.placement.segment is Segment.THIGH:
            jitter = np.random.default_rng(0).uniform(-0.1, 0.1, n) / s.fs_hz
            s = replace(s, t_s=np.ascontiguousarray(s.t_s + jitter))
        out.append(s)
    return replace(rec, sensors=tuple(out))


def warm_up() -> None:
    """Compile and cache every kernel an analysis calls (see the module's docstring)."""
    from .analysis import analyze
    from .simulate import SPRINT, simulate_session
    sim = simulate_session(SPRINT, fs_hz=500.0, duration_s=9.0, seed=0, acc_range_g=16.0,
                           segments=(Segment.SHANK, Segment.THIGH))
    rec = _varied(sim.recording)
    analyze(rec)
    analyze(rec, trajectory=False)
    analyze(rec, chunk_size=997)
