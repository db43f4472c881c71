"""The drill catalog: the drills of a sprint session as data.

The catalog ships with the package (``gaitcore/data/drills.toml``); a coach's own file in
the same format adds drills or replaces the shipped ones, entry by entry: the file named by
the ``SPRINTGAIT_DRILLS`` environment variable, else ``drills.toml`` in the user's config
directory (platformdirs: ``~/.config/sprintgait`` on Linux).  Each entry: its id, name,
description, what the pods judge in it, the ids it also answers to, its cue thresholds and
the wording of its cues (:mod:`gaitcore.cues` speaks them).
"""
from __future__ import annotations

import functools
import os
import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import UsageError

ENV_USER_FILE = "SPRINTGAIT_DRILLS"
FORMAT = 1
# each cue and the fields its wording may use
CUE_FIELDS = {"longer": ("pct",), "quick": (), "asymmetry": ("longer", "shorter", "pct"), "lift": ("foot", "pct"),
              "slower": ("pct",), "stop_slower": ("pct",), "rep_longer": ("pct",), "stop_longer": ("pct",)}
CUE_KEYS = tuple(CUE_FIELDS)
TARGET_KEYS = ("contact_max_s", "step_rate_min_hz", "speed_of_best_pct", "lift_of_best_pct")


@dataclass(frozen=True, slots=True)
class Drill:
    """One catalog entry (see the shipped file's header)."""

    id: str
    name: str
    description: str
    judges: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    quick_contact_s: float | None = None
    cues: tuple[tuple[str, str], ...] = ()   # (cue key, wording) of the cues it words its own way
    targets: tuple[tuple[str, float], ...] = ()   # (TARGET_KEYS key, value): what its quality score reads
    longer_cue: bool = True                   # whether its contacts lengthening is cued
    walking_pace: bool = False                # done at a walk: a rep of walking steps is this drill, no walk back
    may_look_like: tuple[str, ...] = ()       # other drills' ids a rep of it may look like: no plan mismatch
    bout_contact_min_s: float | None = None   # done at a walk: a planned rep of it has contacts this long (median)
    source: str = "built-in"                  # or the user file it came from

    def wording(self, key: str, default: str) -> str:
        return dict(self.cues).get(key, default)

    def target(self, key: str) -> float | None:
        return dict(self.targets).get(key)


@dataclass(frozen=True, slots=True)
class Catalog:
    drills: tuple[Drill, ...]
    cues: tuple[tuple[str, str], ...]    # the default wording of each cue
    user_file: Path                      # where a coach's own file is read from (it may not exist)

    def find(self, drill: str | None) -> Drill | None:
        """The entry whose id or alias is ``drill`` (None: not in the catalog, or no drill)."""
        if drill is None:
            return None
        key = drill.strip().lower().replace("-", "_").replace(" ", "_")
        return next((d for d in self.drills if key == d.id or key in d.aliases), None)

    def wording(self, drill: Drill | None, key: str) -> str:
        """The wording of cue ``key`` in ``drill`` (its own, else the catalog's)."""
        default = dict(self.cues)[key]
        return default if drill is None else drill.wording(key, default)


def user_file() -> Path:
    """Where a coach's own catalog is read from."""
    given = os.environ.get(ENV_USER_FILE)
    if given:
        return Path(given)
    import platformdirs
    return Path(platformdirs.user_config_dir("sprintgait")) / "drills.toml"


def _parse(text: str, where: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{where}: not a drill catalog ({e}); fix it or remove it") from None
    if data.get("format", FORMAT) != FORMAT:
        raise UsageError(f"{where}: drill catalog format {data.get('format')!r}; this version of gait reads "
                         f"format {FORMAT}")
    return data


def _drill(key: str, d: dict, where: str, source: str) -> Drill:
    def need(field: str, kind: type):
        v = d.get(field)
        if not isinstance(v, kind):
            raise UsageError(f"{where}: drill {key!r} needs {field} as a {kind.__name__}; see the shipped "
                             "catalog (gait drills --path) for the format")
        return v
    quick = d.get("quick_contact_s")
    if quick is not None and not (isinstance(quick, (int, float)) and 0 < quick < 2):
        raise UsageError(f"{where}: drill {key!r}: quick_contact_s must be a contact time in s (0-2), "
                         f"got {quick!r}")
    cues = d.get("cues", {})
    unknown = set(cues) - set(CUE_KEYS)
    if unknown:
        raise UsageError(f"{where}: drill {key!r} words cues gait does not have ({', '.join(sorted(unknown))}); "
                         f"the cues are {', '.join(CUE_KEYS)}")
    _check_wording(cues, f"{where}: drill {key!r}")
    targets = d.get("targets", {})
    bad = [k for k, v in targets.items() if k not in TARGET_KEYS or not isinstance(v, (int, float)) or v <= 0]
    if bad:
        raise UsageError(f"{where}: drill {key!r}: targets {', '.join(sorted(bad))} are not positive numbers of "
                         f"{', '.join(TARGET_KEYS)}")
    longer, paced = d.get("longer_cue", True), d.get("walking_pace", False)
    for name, flag in (("longer_cue", longer), ("walking_pace", paced)):
        if not isinstance(flag, bool):
            raise UsageError(f"{where}: drill {key!r}: {name} must be true or false, got {flag!r}")
    bout = d.get("bout_contact_min_s")
    if bout is not None and not (isinstance(bout, (int, float)) and 0 < bout < 10 and paced is True):
        raise UsageError(f"{where}: drill {key!r}: bout_contact_min_s must be a contact time in s (0-10) of a "
                         f"drill done at a walk (walking_pace = true), got {bout!r}")
    like = d.get("may_look_like", [])
    if not (isinstance(like, list) and all(isinstance(x, str) for x in like)):
        raise UsageError(f"{where}: drill {key!r}: may_look_like must be a list of drill ids, got {like!r}")
    return Drill(key, need("name", str), need("description", str), tuple(need("judges", list)),
                 tuple(d.get("aliases", ())), None if quick is None else float(quick),
                 tuple(sorted((k, str(v)) for k, v in cues.items())),
                 tuple(sorted((k, float(v)) for k, v in targets.items())), longer, paced, tuple(like),
                 None if bout is None else float(bout), source)


def _check_wording(cues: dict, where: str) -> None:
    """Refuse a cue wording that is not text or uses a field its cue does not fill."""
    for k, v in cues.items():
        if k not in CUE_FIELDS:
            continue
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(v) if f is not None} if isinstance(v, str) else None
        except ValueError:
            fields = None
        if fields is None or not fields <= set(CUE_FIELDS[k]):
            allowed = ", ".join("{" + f + "}" for f in CUE_FIELDS[k]) or "no {fields}"
            raise UsageError(f"{where}: cue {k!r} wording {v!r} is not text using only {allowed}")


def load_catalog(user: Path | None = None) -> Catalog:
    """The shipped catalog with the coach's own file (``user``, default :func:`user_file`)
    laid over it, when that file exists.  A file that is not a catalog stops with a
    one-line :class:`UsageError` saying what to fix."""
    shipped = _parse(resources.files("gaitcore").joinpath("data/drills.toml").read_text(), "the shipped catalog")
    user = user_file() if user is None else user
    layers = [(shipped, "built-in")]
    if user.is_file():
        layers.append((_parse(user.read_text(), str(user)), str(user)))
    drills: dict[str, Drill] = {}
    cues = dict(shipped["cues"])
    for data, source in layers:
        _check_wording(data.get("cues", {}), source if source != "built-in" else "the shipped catalog")
        cues.update({k: str(v) for k, v in data.get("cues", {}).items() if k in CUE_KEYS})
        for key, d in data.get("drill", {}).items():
            drills[key] = _drill(key, d, source if source != "built-in" else "the shipped catalog", source)
    for d in drills.values():
        unknown = [x for x in d.may_look_like if x not in drills]
        if unknown:
            raise UsageError(f"{d.source if d.source != 'built-in' else 'the shipped catalog'}: drill {d.id!r}: "
                             f"may_look_like names {', '.join(unknown)}, which the catalog does not have")
    return Catalog(tuple(drills.values()), tuple(cues.items()), user)


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The shipped catalog with the user's own file (:func:`load_catalog`), read once per process."""
    return load_catalog()


def looks_unlike(planned: str | None, recognised: str | None) -> bool:
    """Whether a rep planned as ``planned`` and recognised as ``recognised`` (catalog ids)
    does not look like the plan: both known, different, and not among the planned drill's
    ``may_look_like`` (a sprint from standing looks like an acceleration)."""
    if planned is None or recognised is None or planned == recognised:
        return False
    entry = default_catalog().find(planned)
    return entry is None or recognised not in entry.may_look_like


def walking_pace(drill: str | None) -> bool:
    """Whether ``drill`` (a catalog id or alias) is done at a walk (``walking_pace``: walking,
    lunges), so that a rep of walking steps is that drill and not a walk back."""
    entry = default_catalog().find(drill)
    return entry is not None and entry.walking_pace
