"""One session clock for several pods: device time to host time.

A frame reaches the host some time after its last sample was taken; the delay is
never negative and its minimum is nearly constant (the radio or USB latency), the
rest is jitter.  So the host receipt time y against the device time x of each
frame's last sample lies above a line y = offset + rate * x, and the line that
stays below every point while coming as close as it can (the lower envelope: the
least-sum linear program, whose optimum is the edge of the points' lower convex hull
that spans their mean x) maps device time to host time, drift included.  This is
the classic one-way delay approach of NTP-style clock filters (Moon, Skelly and
Towsley, "Estimation and removal of clock skew from network delay measurements",
IEEE INFOCOM 1999).  Units: seconds.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClockFit:
    offset_s: float
    rate: float                   # host seconds per device second (1 + drift)
    delay_median_s: float         # frames' delay above the line: the jitter
    delay_p99_s: float
    n_frames: int

    def to_host(self, device_s: np.ndarray) -> np.ndarray:
        return self.offset_s + self.rate * np.asarray(device_s, dtype=np.float64)

    @property
    def drift_ppm(self) -> float:
        return (self.rate - 1.0) * 1e6


def _lower_hull(x: np.ndarray, y: np.ndarray) -> list[int]:
    hull: list[int] = []
    for i in range(x.shape[0]):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a]) <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


def fit_clock(device_s: np.ndarray, host_s: np.ndarray) -> ClockFit:
    """The lower-envelope line of host receipt time against device time (see the
    module docstring).  With one frame, or all at one device time, rate is 1."""
    x = np.asarray(device_s, dtype=np.float64)
    y = np.asarray(host_s, dtype=np.float64)
    if x.shape[0] == 0:
        raise ValueError("no frames to fit a clock to")
    order = np.lexsort((y, x))
    x, y = x[order], y[order]
    # one point per device time: the earliest arrival
    keep = np.r_[True, np.diff(x) > 0]
    xu, yu = x[keep], y[keep]
    if xu.shape[0] < 2:
        offset, rate = float(np.min(y - x)), 1.0
    else:
        hull = _lower_hull(xu, yu)
        xm = x.mean()
        k = int(np.searchsorted(xu[hull], xm))
        k = min(max(k, 1), len(hull) - 1)
        a, b = hull[k - 1], hull[k]
        rate = float((yu[b] - yu[a]) / (xu[b] - xu[a]))
        offset = float(yu[a] - rate * xu[a])
    delay = y - (offset + rate * x)
    return ClockFit(offset, rate, float(np.median(delay)), float(np.percentile(delay, 99)), int(x.shape[0]))
