"""When the stride stage releases a contact's stride length, and its whole geometry, in stream time.

    python -m benchmarks.stride_release [--rows 16]

The bundled sprint session (recordings/sprint_session.podses, 1 kHz, both feet), each
foot through the pod pipeline (:func:`gaitcore.pipeline.pod_step` with
:func:`gaitcore.analysis.pod_spec`) ``--rows`` rows at a time, events reaching the stride
stage as the pipeline delivers them.  The stride of contact j ends at contact j + 1: per
contact with a next one, the rows fed when the stride length of j
(:class:`gaitcore.stages.stride.StrideLength`) and when the geometry of j came out,
less the position of IC j + 1 and of its TO, in seconds of the cleaned stream (rows /
rate); and, to tell the stride stage's own delay from the events', less the rows fed when
the last of contact j + 1's events (its TO, or its IC without one) reached the stage.  The contacts found while the pod's mounting was being learned (the stride stage
starts once it is known, fed the rows held until then) are counted apart.  Stream time,
not machine time: this does not depend on the machine.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from gaitcore import read
from gaitcore.analysis import pod_spec
from gaitcore.events import EventKind
from gaitcore.pipeline import new_pod_state, pod_step

ROOT = Path(__file__).resolve().parents[1]


def release_rows(sensor, rows_per_call: int):
    """Per IC event of the stream: its position and its TO's (NaN: none), the rows fed when
    its last event (its TO, or itself) was delivered, when its stride length and its geometry
    came out, and the rows fed when the stride stage started."""
    state = new_pod_state(pod_spec(sensor))
    n = sensor.n_samples
    fed = 0
    ics, tos, delivered, length_at, geometry_at = [], [], [], {}, {}
    started = None
    last = None
    for a in range(0, n, rows_per_call):
        b = min(n, a + rows_per_call)
        out, state = pod_step(state, sensor.t_s[a:b], sensor.acc_mps2_sf[a:b], sensor.gyr_dps_sf[a:b], final=b == n)
        fed += out.rows.n
        for e in out.events.events:
            if e.kind is EventKind.IC:
                ics.append(float(e.pos))
                tos.append(np.nan)
                delivered.append(fed)
            elif last is EventKind.IC:
                tos[-1] = float(e.pos)
                delivered[-1] = fed
            last = e.kind
        s = out.stride
        if s is None:
            continue
        if started is None:
            started = fed
        for sl in s.stride_lengths:
            length_at[sl.index] = fed
        for k in range(len(s.geometry)):
            geometry_at[s.first_contact + k] = fed
    m = len(ics)
    assert sorted(length_at) == list(range(m)) == sorted(geometry_at)
    return (np.array(ics), np.array(tos), np.array(delivered, dtype=float), np.array([length_at[j] for j in range(m)], dtype=float),
            np.array([geometry_at[j] for j in range(m)], dtype=float), started)


def _stats(x: np.ndarray) -> str:
    x = x[np.isfinite(x)]
    return f"median {np.median(x):6.3f} s  p95 {np.percentile(x, 95):6.3f} s  max {x.max():6.3f} s  (n {x.size})"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=16)
    a = ap.parse_args(argv)
    rec = read(ROOT / "recordings" / "sprint_session.podses")
    for s in rec.sensors:
        ic, to, dlv, at_len, at_geo, started = release_rows(s, a.rows)
        fs = s.fs_hz
        # the stride of j ends at contact j + 1; the last contact has none
        ic1, to1, dlv1 = ic[1:], to[1:], dlv[1:]
        live = ic1 >= started          # contact j + 1 found after the stride stage started
        warm = int((~live).sum())
        print(f"{s.name}: {len(ic)} contacts, {a.rows} rows a call at {fs:g} Hz; the stride stage started at "
              f"{started / fs:.2f} s ({warm} strides ending before it are left out)")
        for what, at in (("stride length", at_len[:-1]), ("geometry", at_geo[:-1])):
            print(f"  {what:13s} after IC j+1: {_stats(((at - ic1) / fs)[live])}")
            print(f"  {what:13s} after TO j+1: {_stats(((at - to1) / fs)[live])}")
            print(f"  {what:13s} after j+1's events reached the stage: {_stats(((at - dlv1) / fs)[live])}")
        print(f"  stride length before geometry: {_stats(((at_geo - at_len) / fs)[:-1][live])}")


if __name__ == "__main__":
    main()
