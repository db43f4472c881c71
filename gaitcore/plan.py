"""A session's drill plan as a coach writes it, and which rep does which item.

    "2x20 m skips, 20 m high knees, 3 min rest, 6x30 m accel; 2 x 40 yd fly"

Items are parted by commas, semicolons or new lines.  An item is a drill of the catalog
(its id or an alias; spaces and hyphens count as underscores) with an optional count
(``6x``, ``6 x``, ``x6``) and an optional distance (``30 m``, ``30m``, ``40 yd``), in any
order.  An item that speaks of rest or recovery (with or without its time) is the rest
between reps and names no rep.  Anything else is refused in one line that names the item
(:class:`PlanError`): a plan is a contract about the session, and a misspelt drill would
otherwise name the wrong reps silently.

Which rep does which item (:func:`assign`): the items go to the session's reps in order;
a rep of walking steps (:func:`gaitcore.cues.walking_bout`) is a walk back (rest) and
takes none, unless the plan's next item is a drill done at a walk whose contacts it has
(the catalog's ``walking_pace`` and ``bout_contact_min_s``: a walk, or lunges).  The rule
reads only the reps before the one it names (their contact times, known when each ended), so the live display
follows it rep by rep, and a rep's cues are its item's drill's from its first step.  An
unplanned rep takes the next item all the same: the items after it move one rep on, and
the reps whose steps do not look like their item are flagged (``Rep.plan_mismatch``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from .cues import CueParams, walking_bout
from .drills import Catalog, default_catalog, walking_pace
from .errors import UsageError

YARD_M = 0.9144
_COUNT = re.compile(r"^(?:(\d+)\s*[x×]\s*|)(.*?)(?:\s*[x×]\s*(\d+))?$", re.IGNORECASE)
_DISTANCE = re.compile(r"(\d+(?:\.\d+)?)\s*(m|yd|yds|yards?|metres?|meters?)\b", re.IGNORECASE)
_REST = re.compile(r"\b(rest|recovery|recover|break|pause)\b", re.IGNORECASE)


class PlanError(UsageError):
    """A plan item that is no drill of the catalog.  Attributes: ``item``, ``plan``."""

    def __init__(self, item: str, plan: str, problem: str):
        self.item = item
        self.plan = plan
        super().__init__(f"plan item {item!r}: {problem}; write items like '6x30 m acceleration, 20 m skips' "
                         "with drills `gait drills` lists (rest items such as '3 min rest' are allowed)")


@dataclass(frozen=True, slots=True)
class PlannedRep:
    """One rep of the plan: its drill (catalog id) and distance (m; None: not given)."""

    drill: str
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A parsed plan: its text and its reps in order."""

    text: str
    reps: tuple[PlannedRep, ...]


def parse_plan(text: str, catalog: Catalog | None = None) -> Plan:
    """The plan ``text`` (see the module docstring); raises :class:`PlanError` on an item
    that is neither a drill of ``catalog`` (default: the shipped one with the user's file)
    nor rest, and on a plan with no drill at all."""
    catalog = catalog or default_catalog()
    reps: list[PlannedRep] = []
    for raw in re.split(r"[,;\n]", text):
        item = raw.strip()
        if not item or _REST.search(item):
            continue
        m = _COUNT.match(item)
        lead, body, trail = m.group(1), m.group(2), m.group(3)
        count = int(lead or trail or 1)
        distance = None
        d = _DISTANCE.search(body)
        if d is not None:
            value = float(d.group(1))
            distance = value * (YARD_M if d.group(2).lower().startswith("y") else 1.0)
            body = (body[:d.start()] + " " + body[d.end():]).strip()
        # "6x30 m": the count's x is read; "30 m x 6" too
        body = re.sub(r"^[x×]\s*|\s*[x×]$", "", body.strip(), flags=re.IGNORECASE).strip()
        if not body:
            raise PlanError(item, text, "it names no drill")
        drill = catalog.find(body)
        if drill is None:
            raise PlanError(item, text, f"{body!r} is no drill of the catalog")
        if not 1 <= count <= 100:
            raise PlanError(item, text, f"{count} reps: give 1 to 100")
        if distance is not None and not 0 < distance <= 1000:
            raise PlanError(item, text, f"{distance:g} m: give a distance from 0 to 1000 m")
        reps += [PlannedRep(drill.id, distance)] * count
    if not reps:
        raise PlanError(text.strip(), text, "the plan has no drill")
    return Plan(text, tuple(reps))


def try_plan(text: str | None, catalog: Catalog | None = None) -> Plan | None:
    """A session's stored plan parsed, or None when there is none or it is free text that
    names no drill the catalog knows (a recording's plan is kept as written)."""
    if not text:
        return None
    try:
        return parse_plan(text, catalog)
    except PlanError:
        return None


def next_planned(plan: Plan | None, taken: int) -> PlannedRep | None:
    """The plan's item for the next rep, after ``taken`` items went to earlier reps."""
    return None if plan is None or taken >= len(plan.reps) else plan.reps[taken]


def takes_item(item: PlannedRep | None, contacts_s: list[float | None] | tuple[float | None, ...],
               params: CueParams = CueParams()) -> bool:
    """Whether a rep with contact times ``contacts_s`` (s, None: unknown) takes the plan's
    next ``item``: any rep but one of walking steps (:func:`gaitcore.cues.walking_bout`);
    that one only when the item's drill is done at a walk (the catalog's ``walking_pace``)
    and the rep's median contact is at least the drill's ``bout_contact_min_s`` (lunges'
    knee bends, where a walk back before them has walking steps)."""
    return _takes(item, walking_bout(list(contacts_s), params), contacts_s)


def _takes(item: PlannedRep | None, walking: bool, contacts_s) -> bool:
    """:func:`takes_item` for a rep whose ``walking`` is known."""
    if item is None:
        return False
    if not walking:
        return True
    entry = default_catalog().find(item.drill)
    if entry is None or not entry.walking_pace:
        return False
    known = [c for c in contacts_s if c is not None]
    return entry.bout_contact_min_s is None or bool(known) and median(known) >= entry.bout_contact_min_s


@dataclass(frozen=True, slots=True)
class Assignment:
    """What names a rep once it has ended: the plan's item it took (None: none), the drill
    that names it (the item's, else the session's), and whether it is a bout of walking
    steps (:func:`gaitcore.cues.walking_bout`)."""

    item: PlannedRep | None
    drill: str | None
    walking: bool

    @property
    def rest(self) -> bool:
        """A walk back to the start (:func:`walk_back`)."""
        return walk_back(self.walking, self.drill)


def assign(plan: Plan | None, taken: int, contacts_s: list[float | None] | tuple[float | None, ...],
           session_drill: str | None, params: CueParams = CueParams()) -> Assignment:
    """The assignment of a rep with contact times ``contacts_s`` after ``taken`` items went
    to earlier reps (:func:`takes_item`); ``session_drill``: the session's drill id, which
    names a rep that takes no item.  The analysis and the live display both use it."""
    walking = walking_bout(list(contacts_s), params)
    item = next_planned(plan, taken)
    if not _takes(item, walking, contacts_s):
        item = None
    return Assignment(item, item.drill if item is not None else session_drill, walking)


def walk_back(walking: bool, drill: str | None) -> bool:
    """Whether a rep of walking steps (``walking``: :func:`gaitcore.cues.walking_bout`) named
    ``drill`` is a walk back to the start, rest: unless its drill is one done at a walk
    (:func:`gaitcore.drills.walking_pace`: walking, lunges)."""
    return walking and not walking_pace(drill)
