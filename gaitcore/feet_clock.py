"""Do the two feet's sensors keep the same time?  A check on the bouts of contacts.

Step time, flight time and step length pair one foot's contacts with the other's,
so they mean something only when the two sensors' time stamps share one clock.
Sensors in one file or one pod session do (a session maps every pod onto the
host's clock); separate files may not: two loggers switched on a few seconds
apart and each counting from zero put every contact of one foot seconds away
from the other's.

Nothing in one foot's signals says where the other foot is within a stride, so a
small offset (a fraction of a step) cannot be seen; a large one can: both feet
start and stop moving together.  A *bout* is a run of one foot's contacts at
most ``MAX_STRIDE_S`` apart (at least ``MIN_BOUT_CONTACTS`` of them); its edges
are its first and last contact.  With one clock, the other foot's nearest bout
edge of the same kind is at most about one step away (the trailing foot's first
landing after the leading foot's; a contact missed at the edge adds a stride):
0.13-0.55 s in every simulated drill at 200 and 1000 Hz (seeds 1-3), 0.52-0.65 s on
the gaitmap walk and the TRIPOD treadmill walks, whose feet share a clock.  So an
offset above ``MAX_EDGE_LAG_S`` (one longest stride) is found, unless it is close to a
multiple of the period of bouts repeated at a fixed interval; a smaller one is not.
The clocks are taken to disagree when no bout edge of either foot has the other
foot's within ``MAX_EDGE_LAG_S``; the lag reported is that of the closest pair.
Recordings whose bouts never start or stop (the whole file one bout for both feet,
edges at the files' ends) are checked only as far as their edges go.

The analysis runs the check only where the feet's sensors come from different sources
(files; :func:`gaitcore.analysis.analyze`): sensors of one file or one pod session share
its clock (``CLOCK_SOURCE_META``), and there a recording whose feet do not move together
(one-legged drills one leg after the other, a pod that joins late and leaves early)
would wrongly read as two clocks.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from .signals import MAX_STRIDE_S

MIN_BOUT_CONTACTS = 3
MAX_EDGE_LAG_S = MAX_STRIDE_S


class ClockAgreement(enum.Enum):
    ONE_SOURCE = "one_source"    # both feet's sensors come from one file or pod session: one clock
    AGREE = "agree"              # some bout edges of the two feet coincide within MAX_EDGE_LAG_S
    DISAGREE = "disagree"        # none do: the clocks are apart by about lag_s
    NOT_CHECKED = "not_checked"  # fewer than two feet with a bout


@dataclass(frozen=True)
class FeetClockCheck:
    state: ClockAgreement
    lag_s: float | None = None   # the closest pair of bout edges: second foot's minus first foot's, s
    #                              (in analyze: right minus left)

    def as_dict(self) -> dict:
        return {"state": self.state.value, "lag_s": None if self.lag_s is None else round(self.lag_s, 3)}


def bouts(ic_s: np.ndarray) -> list[tuple[float, float]]:
    """(first, last) IC time of each run of ICs (sorted, s) at most ``MAX_STRIDE_S`` apart,
    runs of fewer than ``MIN_BOUT_CONTACTS`` left out."""
    ic = np.sort(np.asarray(ic_s, dtype=np.float64))
    ic = ic[np.isfinite(ic)]
    if ic.size == 0:
        return []
    cut = np.flatnonzero(np.diff(ic) > MAX_STRIDE_S) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, ic.size]
    return [(float(ic[a]), float(ic[b - 1])) for a, b in zip(starts, ends) if b - a >= MIN_BOUT_CONTACTS]


def _nearest_differences(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """For each value of ``mine``, the nearest value of ``theirs`` minus it."""
    j = np.clip(np.searchsorted(theirs, mine), 1, theirs.size - 1) if theirs.size > 1 else np.zeros(mine.size, int)
    d_hi = theirs[j] - mine
    d_lo = theirs[np.maximum(j - 1, 0)] - mine
    return np.where(np.abs(d_lo) <= np.abs(d_hi), d_lo, d_hi)


def check_feet_clock(ic_first_s: np.ndarray, ic_second_s: np.ndarray) -> FeetClockCheck:
    """Compare two feet's contact times (s); see the module docstring."""
    a, b = bouts(ic_first_s), bouts(ic_second_s)
    if not a or not b:
        return FeetClockCheck(ClockAgreement.NOT_CHECKED)
    a_arr, b_arr = np.array(a), np.array(b)
    # every edge of either foot against the same kind of edge of the other (second minus first)
    d = np.concatenate([_nearest_differences(a_arr[:, k], np.sort(b_arr[:, k])) for k in (0, 1)] +
                       [-_nearest_differences(b_arr[:, k], np.sort(a_arr[:, k])) for k in (0, 1)])
    lag = float(d[np.argmin(np.abs(d))])
    if abs(lag) > MAX_EDGE_LAG_S:
        return FeetClockCheck(ClockAgreement.DISAGREE, lag)
    return FeetClockCheck(ClockAgreement.AGREE, lag)
