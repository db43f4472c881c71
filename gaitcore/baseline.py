"""The athlete's bests from earlier sessions, against which a rep's quality is judged.

A drill's relative targets (the catalog's ``speed_of_best_pct`` and ``lift_of_best_pct``,
:mod:`gaitcore.scores`) compare a rep with the athlete's best rep of the drill: the
session's own, and with a :class:`Baseline` also the best of earlier sessions.  A baseline
is read from earlier analyses (:func:`read_baseline`: the JSON of ``gait analyze --json``
or its ``report.json``), per drill: the fastest top speed (m/s) and the highest mean foot
lift (m) among the reps that are no rest.  Analyses of another athlete are refused, so a
coach's folder of several athletes cannot mix them up.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError


@dataclass(frozen=True, slots=True)
class DrillBest:
    """An athlete's best in one drill (catalog id) over earlier sessions (None: never measured)."""

    drill: str
    top_speed_mps: float | None
    foot_lift_m: float | None


@dataclass(frozen=True, slots=True)
class Baseline:
    """Per drill, the athlete's bests over ``sessions`` (the analyses they came from)."""

    bests: tuple[DrillBest, ...] = ()
    sessions: tuple[str, ...] = ()
    athlete: str | None = None

    def top_speed_mps(self, drill: str | None) -> float | None:
        return next((b.top_speed_mps for b in self.bests if b.drill == drill), None)

    def foot_lift_m(self, drill: str | None) -> float | None:
        return next((b.foot_lift_m for b in self.bests if b.drill == drill), None)


def _best(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _number(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def read_baseline(paths: list[Path] | tuple[Path, ...], athlete: str | None = None) -> Baseline:
    """The bests of the analyses at ``paths`` (earlier sessions of ``athlete``, when known).
    A file that is no analysis, or one of another athlete, stops with one line
    (:class:`UsageError`) that says which and what to give."""
    per: dict[str, DrillBest] = {}
    seen_athlete = athlete
    for path in paths:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
            session, reps = data["session"], data["reps"]
            if not isinstance(session, dict) or not isinstance(reps, list):
                raise TypeError
        except OSError as e:
            raise UsageError(f"--baseline {path}: cannot read it ({e.strerror}); give the report.json of an "
                             "earlier gait analyze") from None
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"--baseline {path}: not the JSON of a gait analysis; give the report.json (or the "
                             "--json output) of an earlier gait analyze") from None
        who = session.get("athlete")
        if seen_athlete is not None and who is not None and who != seen_athlete:
            raise UsageError(f"--baseline {path}: a session of {who!r}, not of {seen_athlete!r}; give earlier "
                             "sessions of the same athlete")
        seen_athlete = seen_athlete or who
        for rep in reps:
            if not isinstance(rep, dict) or rep.get("rest") or not isinstance(rep.get("drill"), str):
                continue
            metrics = rep.get("metrics") or {}
            lift = metrics.get("foot_lift_m") or {}
            was = per.get(rep["drill"], DrillBest(rep["drill"], None, None))
            per[rep["drill"]] = DrillBest(was.drill, _best(was.top_speed_mps, _number(metrics.get("top_speed_mps"))),
                                          _best(was.foot_lift_m, _number(lift.get("mean"))
                                                if isinstance(lift, dict) else None))
    return Baseline(tuple(per.values()), tuple(str(p) for p in paths), seen_athlete)
