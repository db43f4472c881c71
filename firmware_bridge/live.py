"""Live analysis of a session as its records arrive: steps as they happen.

``feed(state, record) -> (items, state)`` takes one session record (bytes received
from a pod, or a connection event) and returns what the live display shows because
of it: a :class:`LiveStep` when a contact's toe-off is found, a :class:`Withdrawn`
when a later contact shows that a step already shown was a swing artefact, and
:class:`Notice` lines (a pod dropped, came back, lost frames, clipped), and
:class:`Status` lines while a pod's mounting is being learned (the detector's warm-up,
up to 60 s: it needs ``WARMUP_MIN_STRIDES`` strides, and the steps found meanwhile are
shown when it ends; ``--mounting-from`` skips it).  It uses
only the records fed so far and nothing from the wall clock, so replaying a
session's records gives exactly the items shown live (``gait replay``).

Steps are shown in time order across the pods.  A pod's step waits while another pod
may still show an older one: up to ``WARMUP_HOLD_S`` while that pod is still learning
how it sits (so the pod ready first shows its backlog merged with the other's, when that
one is ready within that time: in 44 of 50 simulated pairs, 10 drills with seeds 1-5,
the two feet's warm-ups end within 3 s of each other; the others are bunny hops and pods
that learn it much later or not in 30 s), and up to ``HOLD_S`` while its data is behind,
or its contact, begun earlier, is still on the ground and not yet ``OPEN_WAIT_FACTOR``
times as long as its recent ones (landing on both feet).  After that the step is shown,
that pod's steps no longer hold the others back until it has caught up, and its older
steps, when they come, follow under a :class:`CatchUp` line that says from when, up to
which step of which pod, and why (its mounting was learned later, its data arrived late,
its contact ended later, the session ended before its toe-off).  A contact whose toe-off
never came says why (``open_at_end``: the session ended first; otherwise the foot's next
contact began first).

A step's timing comes from the analysis's steps rule (:func:`gaitcore.steps.foot_timing`,
the kernel the analysis's steps are made with), applied when the step is shown to the
contacts shown by then and those still on the ground: its step time (with the landing on
both feet), the flight that ended at it (the analysis's ``flight_s`` of the step before
it, either foot's) and the cadence of the stride that ended at it (the analysis's
``cadence_spm`` of this foot's contact before).  Each interval across a loss the detector
restarts after is unknown, as in the analysis: first bounded by the losses seen, then by
the stretch the pipeline's contacts stage gives once the contact is complete (about 0.4 s
after its toe-off); a step whose timing that, or steps shown after it, change (the other
foot's older steps catching up, a contact withdrawn) gets a :class:`TimingLine`.  So each
step's last shown timing is the analysis's.  The rep figures are worked out when it is
shown.

A loss in a contact's stance leaves it without a toe-off (no contact time), as in the
analysis (:func:`gaitcore.steps.stance_rows`); positions between two samples are timed by
interpolating their times, also across a loss short enough to be bridged.

Per pod the bytes go through the same decoder as ``gait analyze`` (podwire pods, or
Movesense sensors), and its device kind places the packets on the pod's timeline
(:meth:`firmware_bridge.devices.Device.place`); samples are fed, in chunks as they
arrive, to the pod's pipeline (:func:`gaitcore.pipeline.pod_step`: the quality stage's
repair of unreadable samples and clipping test, the event detector and its swing-artefact
rule, the trajectory's filter, as the analysis runs them), timed by the pod's own clock
(its sample index at its rate, so a lost frame is an exact gap).  A Movesense packet has no sample index, only a millisecond time stamp: it is
placed as the analysis places it (:mod:`firmware_bridge.devices.movesense`), from the
stamp's jump since the last packet at the subscribed rate (the analysis fits the rate
the stamps show, a few tenths of a percent off, so live contact times differ from the
analysis's by that fraction), and its full scale is not in the stream, so clipping is
not told live.  Pod time maps to the session
clock by a causal lower envelope: the least (receipt time - device time) over the
last ``CLOCK_WINDOW_S`` of frames (receipt delay only ever adds; a crystal's drift
of 50 ppm moves it by 0.5 ms over that window).  The batch analysis fits the whole
session instead, so live and final times can differ by that much.

A contact is shown at its toe-off.  The detector reports a toe-off only once the
swing is proven (the foot turning toe-up), which at sprint speed is mid-swing, so
the display shows a step early, from the push-off the detector holds as the toe-off
(:func:`gaitcore.events.toe_off_candidate`), when that push-off is unlikely to be
replaced: its toe-down lobe lasted ``EARLY_LOBE_S`` after ``EARLY_QUIET_S`` of the
contact without toe-down rotation (a heel strike's foot slap follows the IC at once,
a push-off comes after foot flat or the heel drop of a forefoot landing), or the
contact is already ``EARLY_FRACTION`` as long as this foot's recent contacts.  When
the reported toe-off differs, a revised line (``revised=True``) corrects the step;
the last line of a contact always equals the analysis.  The thresholds were chosen
on the real walks and jogs in validation/data (gaitmap, PyShoe), where a foot slap
is a push-off-like lobe; benchmarks/live_latency.py reports how often a step is
revised.

The swing-artefact rule (:func:`gaitcore.events.drop_swing_artefacts`, run by the
pipeline's events stage) decides at the toe-off of a contact after a too-short swing:
either that contact is not shown, or the one before it is withdrawn.  A contact after a
swing that short is not shown early.

The stride that ended at a contact (this foot's previous contact to it) follows its step
line as a :class:`StrideLine` once the pod's running trajectory (the pipeline's stride
stage, the analysis's filter and smoother) has measured it: the stride's end must be
smoothed, which is a median 0.4 s after the toe-off of the contact it ends at on the
bundled session.  It is the analysis's ``stride_length_m`` of the contact before
(docs/pipeline.md).

A contact the athlete stands in for longer than ``MAX_CONTACT_S`` is standing, not a
step's stance, as in the analysis (:mod:`gaitcore.steps`: no toe-off, so no contact time
and no flight after it): it is shown as the foot at rest (``at_rest``) once the foot has
stood that long, without waiting for the toe-off, which comes when the athlete moves again.
The toe-off the detector reports then is the one the analysis takes: if it is a push-off
held from within ``MAX_CONTACT_S`` (the foot left without a new one), a revised line gives
that contact time (the rep stays ended: the lines after it are shown).

Reps are the analysis's (:mod:`gaitcore.reps`, whose rule decides a step's rep when it
is shown): a rep is a bout of contacts.  It ends when the athlete stands (a contact longer
than ``MAX_CONTACT_S``: the stop belongs to the rep it ended, and so does the other foot's,
begun before the athlete had stood that long) or after ``StepParams.rep_pause_s`` without a
contact; the next contact starts the next rep.  A step belongs to the rep in which it
began, also when it is shown late (a catch-up block).  The baseline and the cues are the
analysis's too (:mod:`gaitcore.cues`): the median contact time of the rep's first
``CueParams.baseline_steps`` contacts in time is its baseline, each later step shows its
contact time's change from it (contacts getting longer is the first sign of fatigue; a
standing contact has no contact time and enters no baseline, nor does a walking one), and
the drill's cues turn a step into a short spoken-style cue, which the analysis lists at the
same step.

A session's plan (:mod:`gaitcore.plan`) names the reps in order, as the analysis does: a
rep's cues are its plan item's drill's from its first step, and when a rep ends (every pod
shown at rest, or the next rep begun) a :class:`RepEnd` line tells whether it was a walk
back (rest: it takes no item) and its figures, with the cue on the session it gets
(:func:`gaitcore.cues.session_cue`: slower or longer contacts than the best rep of its
drill).  The foot lift of each swing comes when the trajectory has it (a :class:`LiftLine`)
with its cue.
"""
from __future__ import annotations

import json
from collections import deque
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from calibration.mounting import mountings_of
from gaitcore.align import REMOUNT_DEG
from gaitcore.cues import (RepOutcome, Said, asymmetry_cue, baseline_contact_s, change_pct,
                           foot_lift_cue, quiet, recent_contact_s, rep_contact_s, session_cue, step_cue, walking)
from gaitcore.plan import Plan, assign, next_planned, try_plan
from gaitcore.drills import Drill, default_catalog
from gaitcore.events import (MIN_SWING_S, WARMUP_MIN_STRIDES, WARMUP_STEP_S, Event, EventKind, ICMethod,
                             mounting_offset_deg, toe_off_candidate, unconfirmed_landing)
from gaitcore.params import StepParams
from gaitcore.pipeline import PodOutput, PodSpec, PodState, full_scale_3x2, new_pod_state, pod_step
from gaitcore.quality import BRIDGE_S, DROP_FACTOR
from gaitcore.reps import begins_rep, rest_from
from gaitcore.results import Contact
from gaitcore.signals import MAX_STRIDE_S, Placement, Segment, Side
from gaitcore.stages.contacts import ContactsOut, ContactsState, apply_cuts, contacts_step, new_contacts_state
from gaitcore.stages.quality import CleanChunk, concat_chunks
from gaitcore.stages.stride import StrideLength
from gaitcore.steps import MAX_CONTACT_S, foot_timing, saturation_rows, stance_rows

from .devices import Decoder, Device, Placed, Timeline, device_of
from .session_file import KIND_EVENT, KIND_RX, Record

if TYPE_CHECKING:
    from gaitcore.align import Alignment
    from gaitcore.events import EventState, ToeOffCandidate

CLOCK_WINDOW_S = 10.0
CLIP_QUIET_S = 30.0     # a clipping notice when a pod clips after this long without (steps say CLIPPED)
WARMUP_TELL_S = 10.0    # while warming up, a status line every this many seconds of a pod's data
HISTORY_S = 70.0        # frames kept per pod: the event detector's warm-up reports up to 60 s back
EARLY_LOBE_S = 0.03     # show a step before its toe-off is confirmed when the push-off lobe lasted this
EARLY_QUIET_S = 0.015   # ... after this long of the contact without toe-down rotation,
EARLY_FRACTION = 0.6    # or when the contact is this fraction of the foot's recent contacts
EARLY_HISTORY = 4       # ... recent: this many
RECENT_CONTACTS = EARLY_HISTORY   # shown contacts kept per pod
SHOWN_HISTORY = 512     # shown contacts' and losses' times kept per pod: the other pod's backlog reaches 60 s back
WARMUP_HOLD_S = 3.0     # a pod's steps wait this long for another pod's warm-up, to show both feet in time order
HOLD_S = 0.3            # ... and this long for another pod that may still show an older step (its data late,
#                         or its contact begun earlier still on the ground: landing on both feet; that step shows
#                         at its toe-off, or when the detector confirms it mid-swing, 150-200 ms later)
TIMING_WINDOW_S = 2 * MAX_STRIDE_S + MAX_CONTACT_S   # contacts older than this before a step change none
#                         of the timing shown with it (each figure reads the contacts within a stride of its own)
OPEN_WAIT_FACTOR = 1.5  # ... while that contact is shorter than this many times the pod's recent contacts
#                         (a foot standing longer does not hold the other's steps back)


@dataclass(frozen=True)
class LiveStep:
    pod: str
    foot: str
    rep: int
    ic_s: float                 # session clock (s since the session started)
    ic_arrival_s: float         # when the frame holding the IC sample arrived (session clock)
    to_arrival_s: float | None  # ... and the one holding the toe-off sample
    contact_s: float | None
    flight_before_s: float | None   # from the other foot's last toe-off to this contact
    step_time_s: float | None       # from the other foot's last contact to this one
    cadence_spm: float | None       # 2 steps per the stride that ended at this contact (as the analysis)
    saturated: bool
    baseline_contact_s: float | None
    contact_change_pct: float | None
    cue: str | None = None
    revised: bool = False       # corrects the line shown earlier for this contact (same pod and ic_s)
    last_stride_m: float | None = None    # the stride that ended at this contact (this foot's previous one to it)
    last_speed_mps: float | None = None   # ... its length over its time
    open_at_end: bool = False   # no toe-off: the session ended before one was found (contact_s is None)
    at_rest: bool = False       # the foot came to rest: the athlete stood in this contact longer than
    #                             MAX_CONTACT_S (standing, not a step: contact_s and to_arrival_s are None)


@dataclass(frozen=True)
class Withdrawn:
    pod: str
    foot: str
    ic_s: float
    reason: str


@dataclass(frozen=True)
class Notice:
    pod: str
    t_s: float
    text: str


@dataclass(frozen=True)
class Status:
    """Not a problem, what a pod is doing: learning how it sits (the warm-up), then ready."""

    pod: str
    t_s: float
    text: str


@dataclass(frozen=True)
class CatchUp:
    """Heads a block of ``pod``'s steps that are older than a step already shown for
    another pod (``ahead_pod``'s at ``ahead_s``): they follow, from ``from_s`` on, out of
    time order across the pods, for the reason the text gives."""

    pod: str
    t_s: float                  # when shown (session clock)
    from_s: float               # the block's first step
    ahead_pod: str
    ahead_s: float              # the newest step shown for another pod
    text: str


class _Wait(Enum):
    """Why a pod may still show steps older than one ready to show for another pod."""

    WARM_UP = "its mounting was learned later"
    DATA = "its data arrived late"
    CONTACT = "its contact ended later"


@dataclass(frozen=True)
class _Held:
    """A step line (new, or revising the pod's last) or a withdrawal, waiting to be shown
    in time order; a new step's cross-foot and rep fields are filled in when it is shown."""

    k: int                      # the pod's index
    item: LiveStep | Withdrawn | StrideLine | LiftLine
    to_s: float | None = None   # a new step's toe-off (session s)
    since_s: float = 0.0        # when it was ready to show (receipt time of the record, session s)


@dataclass(frozen=True)
class _Shown:
    """A pod's last shown step line and the rep its contact went into."""

    step: LiveStep
    rep: int


@dataclass(frozen=True)
class _RepContact:
    pod: int                    # the pod's index
    ic_s: float
    contact_s: float | None     # as last shown (None: none, or standing)


@dataclass(frozen=True)
class _Rep:
    """A bout of contacts: from its first contact until the athlete stands or pauses."""

    start_s: float              # its first contact's IC (session s)
    rest_s: float = np.inf      # when the athlete had stood MAX_CONTACT_S in one of its contacts
    said: tuple[Said, ...] = ()  # the cues said at its steps (gaitcore.cues.quiet)
    drill: Drill | None = None  # its cues' drill: the plan's next item's, else the session's (gaitcore.plan)
    contacts: tuple[_RepContact, ...] = ()   # every contact shown in it, by IC, as last shown
    top_speed_mps: float | None = None       # its fastest stride shown
    ended: bool = False         # its end was told (a RepEnd line)
    lifts: tuple[tuple[str, float], ...] = ()   # its swings' foot lifts shown, per foot in order (foot, m)


def as_dict(item) -> dict:
    """The JSON form stored in the session (``shown`` events) and compared on replay."""
    d = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in item.__dict__.items()}
    return {"type": type(item).__name__, **d}


@dataclass(frozen=True)
class _Frame:
    """A frame's samples as its pod keeps them (for ``HISTORY_S``): the times of contacts
    and the mounting check are read back from them."""

    first: int                  # fed position of its first sample
    t_dev_s: np.ndarray         # device times of its samples
    rx_s: float                 # when it arrived (session s)
    acc_mps2: np.ndarray        # N x 3
    gyr_dps: np.ndarray         # N x 3

    @property
    def end(self) -> int:
        """The fed position after its last sample."""
        return self.first + self.t_dev_s.shape[0]


class _Rows(NamedTuple):
    """Which of the pipeline's cleaned rows ``first`` ... are at full scale, and which start
    processing afresh (after a loss not bridged)."""

    first: int
    clipped: np.ndarray
    breaks: np.ndarray


@dataclass(frozen=True)
class RepEnd:
    """A rep has ended (every pod at rest, or the next rep began): its drill (the plan's, or
    the session's), whether it was a walk back (rest), its contact time (the median of its
    contacts that are no walking step's: gaitcore.cues.rep_contact_s) and its fastest stride, and the cue on the session it gets (gaitcore.cues.session_cue), which
    the analysis lists at its last contact (``end_ic_s``)."""

    rep: int
    t_s: float                  # when shown (session clock)
    end_ic_s: float             # its last contact's IC
    drill: str | None
    walk_back: bool
    n_contacts: int
    contact_s: float | None
    top_speed_mps: float | None
    cue: str | None = None


@dataclass(frozen=True)
class LiftLine:
    """How high the foot lifted in its swing into a contact shown before (the knee-lift
    proxy: the analysis's ``peak_height_m`` of the foot's contact before), shown once the
    trajectory has it final (two or three strides later), with the foot-lift cue it gets
    (gaitcore.cues.foot_lift_cue), which the analysis lists at that contact."""

    pod: str
    foot: str
    ic_s: float                 # the contact the swing ended at (its step line's ic_s)
    t_s: float                  # when shown (session clock)
    lift_m: float
    cue: str | None = None


@dataclass(frozen=True)
class StrideLine:
    """The stride that ended at a contact shown before (this foot's previous contact to
    it): its length and speed, from the pod's running trajectory (the pipeline's stride
    stage), shown once final: the analysis's ``stride_length_m`` and ``speed_mps`` of the
    previous contact's step."""

    pod: str
    foot: str
    ic_s: float                 # the contact it ended at (its step line's ic_s)
    t_s: float                  # when shown (session clock)
    stride_m: float
    speed_mps: float


@dataclass(frozen=True)
class TimingLine:
    """A step shown before, timed again by the steps rule once contacts shown after it
    changed its figures: the other foot's older steps caught up (they were not known when
    it was shown), or a contact it was timed against was withdrawn.  It replaces the step
    line's ``flight_before_s``, ``step_time_s`` and ``cadence_spm``."""

    pod: str
    foot: str
    ic_s: float                 # the step's (its step line's ic_s)
    t_s: float                  # when shown (session clock)
    flight_before_s: float | None
    step_time_s: float | None
    cadence_spm: float | None


class _Timing(NamedTuple):
    """A step's timing as last shown (:func:`_timing`)."""

    ic_s: float
    flight_before_s: float | None
    step_time_s: float | None
    cadence_spm: float | None


class _ClockOffset(NamedTuple):
    rx_s: float                 # a frame's receipt time (session s)
    offset_s: float             # ... minus its last sample's device time


class _Contact(NamedTuple):
    """A shown contact's IC and toe-off, as fed positions."""

    ic: float
    to: float


class _ContactTimes(NamedTuple):
    """A shown contact's IC and toe-off on the session clock, as the steps rule takes them
    (:class:`gaitcore.results.Contact`)."""

    ic_s: float
    to_s: float | None          # None: none, or standing
    off_s: float | None         # the toe-off however long it stood; None: none found; inf: still down
    ic_dev_s: float             # the IC on the pod's clock (the contacts stage's)


@dataclass(frozen=True)
class _Kept:
    """A pod's last shown contact: its IC and toe-off (None: none yet, or standing) as fed
    positions, and its step line as shown."""

    ic: float
    to: float | None
    step: LiveStep


@dataclass
class _Pod:
    """Mutable per-pod scratch owned by one :class:`LiveState` (copied on every feed).  Its
    pipeline's stride stage advances in place (:mod:`gaitcore.stages.stride`), so a live
    state is fed once: each feed continues from the state the last one returned."""

    name: str
    foot: str
    device: Device
    decoder: Decoder | None               # the device's decoder (None: it sends no IMU samples)
    timeline: Timeline | None = None      # the device's live placement state
    fs_hz: float = 0.0
    next_abs: int = 0                     # the pod's next sample index, counted from its first sample
    clip_notice_s: float = -np.inf
    pipe: PodState | None = None          # the pod's pipeline (made at the first data frame)
    rows: deque[_Rows] = field(default_factory=deque)             # the pipeline's rows, as long as frames
    n_rows: int = 0                                                # ... and how many it gave
    # the IC positions of the pipeline's last final contacts, and how many there were (the warm-up's
    # backlog of contacts reaches 60 s back)
    final_ics: deque[float] = field(default_factory=lambda: deque(maxlen=SHOWN_HISTORY))
    n_final_ics: int = 0
    shown: deque[_Kept] = field(default_factory=lambda: deque(maxlen=SHOWN_HISTORY))   # new step lines
    offsets: deque[_ClockOffset] = field(default_factory=deque)   # the last CLOCK_WINDOW_S: increasing minima
    n_fed: int = 0
    frames: deque[_Frame] = field(default_factory=deque)           # the last HISTORY_S
    open_ic: float | None = None          # fed position of a contact waiting for its toe-off
    open_dev_s: float = 0.0               # ... and its device time
    last_kept: _Kept | None = None
    early: float | None = None            # to pos of the open contact shown early
    contacts: deque[_Contact] = field(default_factory=lambda: deque(maxlen=RECENT_CONTACTS))   # shown ones
    shown_s: tuple[_ContactTimes, ...] = ()   # the last SHOWN_HISTORY shown contacts: this foot's
    #                                     strides, the other foot's steps and flights (also its backlog's); a tuple:
    #                                     copies share it
    timings: deque[_Timing] = field(default_factory=lambda: deque(maxlen=SHOWN_HISTORY))   # as shown, by IC
    contacts_stage: ContactsState | None = None   # the pipeline's contacts stage (made with pipe) ...
    unfed_rows: list[CleanChunk] = field(default_factory=list)   # ... and the rows it has not been fed
    final_contacts: deque[Contact] = field(default_factory=lambda: deque(maxlen=SHOWN_HISTORY))   # ... its
    #                                     complete contacts (pod clock), with the stretches found since
    breaks_s: deque[float] = field(default_factory=lambda: deque(maxlen=SHOWN_HISTORY))   # session s of the first
    #                                     sample after each loss longer than BRIDGE_S (no interval spans one)
    connected: bool = True
    mounting: Alignment | None = None     # from the session's mounting calibration (no warm-up)
    mount_check_at: int = 0               # fed samples at which the mounting is next checked (-1: done)
    warmup_told: int = 0                  # warm-up status lines shown (-1: it ended and was told)
    at_rest: bool = False                 # the open contact is shown as the foot at rest (standing)

    @property
    def events(self) -> EventState | None:
        """The event detector's state (None before the first data frame)."""
        return None if self.pipe is None else self.pipe.events.detector


@dataclass(frozen=True)
class LiveState:
    pods: tuple[_Pod, ...]
    reps: tuple[_Rep, ...] = ()           # in time order
    last_contact_s: float | None = None   # the latest IC shown
    drill: Drill | None = None            # the session's catalog entry, for its cues (gaitcore.cues)
    plan: Plan | None = None              # the session's plan (gaitcore.plan): its items name the reps
    taken: int = 0                        # the plan's items the ended reps took
    outcomes: tuple[RepOutcome, ...] = ()   # the ended reps that were no walk back (gaitcore.cues.session_cue)
    queue: tuple[_Held, ...] = ()         # by the time of the contact they concern (stable)
    behind: tuple[_Wait | None, ...] = ()  # per pod: why, while others' steps show without waiting for it
    newest_s: tuple[float, ...] = ()      # per pod: the IC time of its newest shown step (-inf: none yet)
    last_shown: tuple[_Shown | None, ...] = ()   # per pod: its last shown step line
    catching_up: int | None = None   # the pod whose catch-up block the last step line belongs to


def new_live_state(meta: dict, drill: str | None = None) -> LiveState:
    """The state before the first record of a session with metadata ``meta``."""
    pods = []
    mountings = mountings_of(meta)
    for pod in meta.get("pods", []):
        device = device_of(pod)
        if device is None:
            raise ValueError(f"live analysis reads IMU pods (podwire, Movesense); {pod.get('name')!r} speaks "
                             f"{pod.get('framing')!r}")
        try:
            side = Placement.parse(pod.get("placement") or pod["name"]).side
        except ValueError:
            side = Side.UNKNOWN
        # a pod without IMU samples (RSC: speed and cadence) is recorded but shows nothing live
        timeline = device.timeline()
        known = mountings.get(pod["name"])
        pods.append(_Pod(pod["name"], side.value, device, None if timeline is None else device.decoder(), timeline,
                         mounting=None if known is None else known.alignment()))
    if pods and all(p.decoder is None for p in pods):
        raise ValueError("live analysis needs an IMU pod (podwire or Movesense); RSC pods send speed and cadence only")
    n = len(pods)
    return LiveState(tuple(pods), drill=default_catalog().find(drill), plan=try_plan(meta.get("plan")),
                     behind=(None,) * n, newest_s=(-np.inf,) * n, last_shown=(None,) * n)


def _copy_pod(p: _Pod) -> _Pod:
    return replace(p, offsets=deque(p.offsets), frames=deque(p.frames), contacts=deque(p.contacts, RECENT_CONTACTS),
                   breaks_s=deque(p.breaks_s, SHOWN_HISTORY), rows=deque(p.rows),
                   final_ics=deque(p.final_ics, SHOWN_HISTORY), shown=deque(p.shown, SHOWN_HISTORY),
                   timings=deque(p.timings, SHOWN_HISTORY), unfed_rows=list(p.unfed_rows),
                   final_contacts=deque(p.final_contacts, SHOWN_HISTORY))


def feed(state: LiveState, record: Record) -> tuple[list, LiveState]:
    """What the live display shows because of ``record``; and the next state."""
    if record.pod >= len(state.pods):
        return [], state
    pods = list(state.pods)
    pod = pods[record.pod] = _copy_pod(pods[record.pod])
    # decoders keep partial frames between calls: the one object moves on with the state
    t_rx = record.t_ns * 1e-9
    items: list = []
    if record.kind == KIND_EVENT:
        what = json.loads(record.payload).get("event")
        if what == "disconnected" and pod.connected:
            pod.connected = False
            items.append(Notice(pod.name, t_rx, f"{pod.name} pod dropped; reconnecting"))
        elif what == "connected" and not pod.connected:
            pod.connected = True
            items.append(Notice(pod.name, t_rx, f"{pod.name} pod is back"))
        return _in_time_order(replace(state, pods=tuple(pods)), items, t_rx)
    if record.kind != KIND_RX or pod.decoder is None:
        return [], state
    state = replace(state, pods=tuple(pods))
    for packet in pod.decoder.feed(record.payload):
        placed, pod.timeline = pod.device.place(pod.timeline, packet, t_rx)
        for p in placed:
            new_items, state = _placed(state, record.pod, p)
            items += new_items
    return _in_time_order(state, items, t_rx)


def _placed(state: LiveState, k: int, p: Placed) -> tuple[list, LiveState]:
    """Samples the pod's device placed on its timeline; the first ones set the rate the
    pod's time counts in (its sample index over its rate: a clean clock) and its full scale."""
    pod = state.pods[k]
    if pod.pipe is None:
        pod.fs_hz = p.fs_hz
        side = Side(pod.foot)
        # the pod's own sample clock: a lost sample is an exact gap (DROP_FACTOR)
        pod.pipe = new_pod_state(PodSpec(pod.name, Placement(side, Segment.FOOT), pod.fs_hz,
                                         full_scale_3x2(p.acc_range_mps2), full_scale_3x2(p.gyr_range_dps),
                                         DROP_FACTOR, pod.mounting))
        pod.contacts_stage = new_contacts_state(pod.name, side)
    return _samples_in(state, k, p.first, p.acc_mps2, p.gyr_dps, p.t_rx_s)


def _samples_in(state: LiveState, k: int, index0: int, acc: np.ndarray, gyr: np.ndarray,
                t_rx: float) -> tuple[list, LiveState]:
    """Samples ``index0`` ... (counted from the pod's first) received at ``t_rx``."""
    pod = state.pods[k]
    items: list = []
    count = acc.shape[0]
    lost = index0 - pod.next_abs
    if lost:
        items.append(Notice(pod.name, t_rx, f"{pod.name}: {lost} samples lost ({1000 * lost / pod.fs_hz:.0f} ms)"))
    pod.next_abs = index0 + count
    t_dev = (index0 + np.arange(count)) / pod.fs_hz
    # causal clock: least (receipt - device time of the frame's last sample) over the window
    off = t_rx - t_dev[-1]
    while pod.offsets and pod.offsets[-1].offset_s >= off:
        pod.offsets.pop()
    pod.offsets.append(_ClockOffset(t_rx, off))
    while pod.offsets[0].rx_s < t_rx - CLOCK_WINDOW_S:
        pod.offsets.popleft()
    if lost / pod.fs_hz > BRIDGE_S:       # the analysis restarts here: a contact may be among them
        pod.breaks_s.append(float(t_dev[0] + pod.offsets[0].offset_s))
    pod.frames.append(_Frame(pod.n_fed, t_dev, t_rx, acc, gyr))
    while pod.frames[0].end < pod.n_fed - HISTORY_S * pod.fs_hz:
        pod.frames.popleft()
    out, pod.pipe = pod_step(pod.pipe, t_dev, acc, gyr)
    pod.n_fed += count
    shown, state = _pipeline_out(state, k, out, t_rx)
    return items + shown, state


def _pipeline_out(state: LiveState, k: int, out, t_rx: float) -> tuple[list, LiveState]:
    """What pod ``k``'s pipeline gave for its latest samples (``out``: a
    :class:`gaitcore.pipeline.PodOutput`) as the live display shows it."""
    pod = state.pods[k]
    items: list = []
    rows: CleanChunk = out.rows
    if rows.unreadable:
        items.append(Notice(pod.name, t_rx, f"{pod.name}: {rows.unreadable} unreadable samples (not a number, or "
                                            f"past 1000 g or 100,000 deg/s), {rows.repaired} of them interpolated"))
    if rows.n:
        pod.rows.append(_Rows(rows.start, rows.clipped, rows.breaks))
        pod.n_rows = rows.start + rows.n
        while pod.rows[0].first + pod.rows[0].clipped.shape[0] < pod.frames[0].first:
            pod.rows.popleft()
    if rows.clipped.any():
        quiet_before = t_rx - pod.clip_notice_s >= CLIP_QUIET_S
        pod.clip_notice_s = t_rx
        if quiet_before:
            items.append(Notice(pod.name, t_rx, f"{pod.name}: clipping at full scale (values held at the limit)"))
    told = _warmup_status(pod, t_rx)
    if told and pod.events.alignment is not None:
        told += _waiting_for_warm_ups(state, k, t_rx)
    items += told
    if pod.mounting is not None and 0 <= pod.mount_check_at <= pod.n_fed:
        items += _check_mounting(pod, t_rx)
    dropped = frozenset(ev.pos for ev in out.events.dropped if ev.kind is EventKind.IC)
    for ev in out.events.reported:
        new_items, state = _event(state, k, ev, dropped)
        items += new_items
    _final_contacts(pod, out.events.events)
    timed, state = _contacts(state, k, out, t_rx)
    items += timed
    if out.stride is not None:
        items += [_Held(k, x) for x in _strides(pod, out.stride.stride_lengths, t_rx)]
        items += [_Held(k, x) for x in _lifts(pod, out.stride, t_rx)]
    # (a contact after a swing too short to be one is shown at its toe-off, when the swing-artefact
    # rule can tell which of the two it keeps; one shown early was not after such a swing)
    if pod.open_ic is not None and not pod.at_rest and _standing(pod) \
            and (pod.early is not None or not _after_short_swing(pod, pod.open_ic)):
        shown, state = _come_to_rest(state, k)
        items += shown
    if pod.open_ic is not None and pod.early is None and not pod.at_rest and not _after_short_swing(pod, pod.open_ic):
        cand = toe_off_candidate(pod.events)
        if cand is not None and cand.pos > pod.open_ic and _early_enough(pod, cand) \
                and not _stance_cut(pod, pod.open_ic, cand.pos):
            shown, state = _show(state, k, pod.open_ic, cand.pos)
            pod.early = cand.pos
            items += shown
    return items, state


def _final_contacts(pod: _Pod, events: tuple[Event, ...]) -> None:
    """Note the ICs of the pipeline's final contacts (the stride stage numbers them)."""
    for ev in events:
        if ev.kind is EventKind.IC:
            pod.final_ics.append(ev.pos)
            pod.n_final_ics += 1


def _stride_shown(pod: _Pod, index: int) -> tuple[LiveStep, float] | None:
    """The step line of the contact after the pod's final contact ``index`` (counted over
    the stream's IC events) and the stride time from that contact to it, when both were
    shown and the stride has a time (as the analysis: a displacement with no stride time, a
    pause or lost data a contact may hide in, is no stride); else None."""
    first = pod.n_final_ics - len(pod.final_ics)      # the index of final_ics[0]
    j = index + 1 - first                              # the contact the stride ended at
    if not 0 < j < len(pod.final_ics):
        return None
    ic, prev_ic = pod.final_ics[j], pod.final_ics[j - 1]
    line = next((x.step for x in reversed(pod.shown) if x.ic == ic), None)
    prev = next((x.step for x in reversed(pod.shown) if x.ic == prev_ic), None)
    if line is None or prev is None:
        return None
    pair = [c for c in _rule_contacts([pod], prev.ic_s) if c.ic_s in (prev.ic_s, line.ic_s)]
    stride_s = foot_timing(pair, [])[0].stride_time_s if len(pair) == 2 else np.nan
    return None if np.isnan(stride_s) else (line, stride_s)


def _strides(pod: _Pod, lengths: tuple[StrideLength, ...], t_rx: float) -> list:
    """A :class:`StrideLine` for each stride the pod's trajectory measured (a length, not
    None) that ended at a contact shown (one the pipeline's contacts include: a contact the
    display withdrew has none)."""
    out = []
    for sl in lengths:
        shown = None if sl.stride_length_m is None else _stride_shown(pod, sl.index)
        if shown is not None:
            line, stride_s = shown
            out.append(StrideLine(pod.name, pod.foot, line.ic_s, t_rx, sl.stride_length_m,
                                  sl.stride_length_m / stride_s))
    return out


def _lifts(pod: _Pod, stride_out, t_rx: float) -> list:
    """A :class:`LiftLine` for each swing the pod's trajectory made final (its geometry)
    that ended at a contact shown, after a contact shown with a stride time (as the
    analysis's foot lift: a swing out of standing has none)."""
    out = []
    for n, g in enumerate(stride_out.geometry):
        shown = None if g.peak_height_m is None else _stride_shown(pod, stride_out.first_contact + n)
        if shown is not None:
            out.append(LiftLine(pod.name, pod.foot, shown[0].ic_s, t_rx, g.peak_height_m))
    return out


def _check_mounting(pod: _Pod, t_rx: float) -> list:
    """Compare the mounting the session started from with the one this session's own
    warm-up finds (once it has the strides): a pod strapped differently is told."""
    step = int(WARMUP_STEP_S * pod.fs_hz)
    if pod.n_fed < step:
        pod.mount_check_at = step
        return []
    _, acc, gyr = _samples(pod, pod.frames[0].first, pod.n_fed)
    turn = mounting_offset_deg(acc, gyr, pod.fs_hz, pod.mounting)
    if turn is None:
        pod.mount_check_at = pod.n_fed + step
        return []
    pod.mount_check_at = -1
    if turn <= REMOUNT_DEG:
        return []
    return [Notice(pod.name, t_rx, f"{pod.name}: sits {turn:.0f} deg differently from the mounting this session "
                   "started from; its steps may be wrong: restart without --mounting-from")]


def _warmup_status(pod: _Pod, t_rx: float) -> list:
    """A status line when a pod's warm-up starts, every ``WARMUP_TELL_S`` of its data
    while it lasts, and when it ends (the steps it held follow that line)."""
    if pod.mounting is not None or pod.warmup_told < 0:
        return []
    al = pod.events.alignment
    if al is not None:
        pod.warmup_told = -1
        secs = pod.n_fed / pod.fs_hz
        if al.n_strides_used >= WARMUP_MIN_STRIDES:
            return [Status(pod.name, t_rx, f"{pod.name}: ready, mounting learned from {al.n_strides_used} strides "
                           f"in {secs:.0f} s; its steps so far follow")]
        return [Status(pod.name, t_rx, f"{pod.name}: mounting fixed on {al.n_strides_used} strides in {secs:.0f} s "
                       "(fewer than needed); its steps may be wrong, and follow")]
    due = int(pod.n_fed / (WARMUP_TELL_S * pod.fs_hz)) + 1
    if due <= pod.warmup_told:
        return []
    told, pod.warmup_told = pod.warmup_told, due
    if told == 0:
        return [Status(pod.name, t_rx, f"{pod.name}: learning how the pod sits (needs {WARMUP_MIN_STRIDES} "
                       "strides); its steps show after that (--mounting-from skips this)")]
    return [Status(pod.name, t_rx, f"{pod.name}: still learning how the pod sits "
                   f"({pod.n_fed / pod.fs_hz:.0f} s; needs {WARMUP_MIN_STRIDES} strides)")]


def _early_enough(pod: _Pod, cand: ToeOffCandidate) -> bool:
    """Whether the push-off held as the open contact's toe-off is unlikely to be replaced."""
    if cand.lobe_s >= EARLY_LOBE_S and cand.quiet_before_s >= EARLY_QUIET_S:
        return True
    lengths = _recent_lengths(pod)
    return len(lengths) >= 2 and cand.pos - pod.open_ic >= EARLY_FRACTION * float(np.median(lengths))


def _recent_lengths(pod: _Pod) -> list[float]:
    """The lengths (fed samples) of the pod's last ``EARLY_HISTORY`` shown contacts."""
    return [c.to - c.ic for c in list(pod.contacts)[-EARLY_HISTORY:]]


def _standing(pod: _Pod) -> bool:
    """Whether the athlete has stood in the pod's open contact for longer than
    ``MAX_CONTACT_S``, in data without a loss the detector restarts after (the analysis
    gives a contact cut by one no toe-off, and no standing either)."""
    if pod.frames[-1].t_dev_s[-1] - pod.open_dev_s <= MAX_CONTACT_S:
        return False
    # (breaks_s is in time order, and its last one is past)
    return not pod.breaks_s or pod.breaks_s[-1] <= pod.open_dev_s + pod.offsets[0].offset_s


def _come_to_rest(state: LiveState, k: int) -> tuple[list, LiveState]:
    """Pod ``k``'s open contact is standing (:func:`_standing`): show it as the foot at
    rest, or revise the line shown early from its push-off to say so."""
    pod = state.pods[k]
    pod.at_rest = True
    if pod.early is None:
        return _show(state, k, pod.open_ic, None, at_rest=True)
    pod.early = None
    ic, now = pod.open_ic, pod.n_fed - 1.0
    prev = pod.last_kept.step
    s = replace(prev, to_arrival_s=None, contact_s=None, saturated=_saturated(pod, ic, now), revised=True,
                at_rest=True)
    pod.shown_s = (*pod.shown_s[:-1], pod.shown_s[-1]._replace(to_s=None, off_s=np.inf))
    pod.last_kept = _Kept(ic, None, s)
    return [_Held(k, s)], state


def _after_short_swing(pod: _Pod, ic: float) -> bool:
    return pod.last_kept is not None and pod.last_kept.to is not None \
        and (ic - pod.last_kept.to) / pod.fs_hz < MIN_SWING_S


def _kept(pod: _Pod, a: int, b: int) -> list[tuple[_Frame, slice]]:
    """The kept frames holding fed samples ``a`` .. ``b - 1``, each with the slice of its
    samples among them."""
    return [(fr, slice(max(0, a - fr.first), b - fr.first)) for fr in pod.frames if fr.first < b and fr.end > a]


def _saturated(pod: _Pod, ic: float, to: float | None) -> bool:
    """Whether a row of the contact's stance (``to`` None: its IC), or one around it, is at
    full scale (the analysis's rows, :func:`gaitcore.steps.saturation_rows`)."""
    a, b = saturation_rows(np.array([ic]), np.array([ic if to is None else to]), pod.n_rows)
    return _any_row(pod, int(a[0]), int(b[0]), "clipped")


def _stance_cut(pod: _Pod, ic: float, to: float) -> bool:
    """Whether a loss not bridged lies in the stance from ``ic`` to ``to``: the contact
    has no toe-off, as in the analysis (:func:`gaitcore.steps.stance_rows`)."""
    a, b = stance_rows(np.array([ic]), np.array([to]), pod.n_rows)
    return _any_row(pod, int(a[0]), int(b[0]), "breaks")


def _any_row(pod: _Pod, a: int, b: int, flag: str) -> bool:
    """Whether a kept row from ``a`` to ``b - 1`` has ``flag`` (a :class:`_Rows` field)."""
    for r in reversed(pod.rows):        # (newest first: contacts are recent)
        if r.first + r.clipped.shape[0] <= a:
            return False
        if r.first < b and getattr(r, flag)[max(0, a - r.first):b - r.first].any():
            return True
    return False


def _frame_of(pod: _Pod, pos: float) -> _Frame:
    """The kept frame holding fed position ``pos`` (the oldest kept one if it is older)."""
    for fr in reversed(pod.frames):
        if fr.first <= pos:
            return fr
    return pod.frames[0]


def _device_s(pod: _Pod, pos: float) -> float:
    """Device time of fed position ``pos``: between two samples, interpolated between
    their times as the analysis does (also across a loss short enough to be bridged)."""
    i = int(np.floor(pos))
    t0 = _sample_s(pod, i)
    return t0 if pos == i else t0 + (pos - i) * (_sample_s(pod, i + 1) - t0)


def _sample_s(pod: _Pod, i: int) -> float:
    """Device time of fed sample ``i`` (one not fed yet, or older than the kept frames: at
    the rate from the nearest kept one)."""
    fr = _frame_of(pod, i)
    j = i - fr.first
    return float(fr.t_dev_s[j] if 0 <= j < fr.t_dev_s.shape[0] else fr.t_dev_s[0] + j / pod.fs_hz)


def _time(pod: _Pod, pos: float) -> float:
    """Session time of fed position ``pos``: device time plus the causal offset."""
    return _device_s(pod, pos) + float(pod.offsets[0].offset_s)


def _arrival(pod: _Pod, pos: float) -> float:
    """When the frame holding the sample at (or just after) ``pos`` arrived."""
    return _frame_of(pod, np.ceil(pos)).rx_s


def _event(state: LiveState, k: int, ev: Event, dropped: frozenset[float] = frozenset()) -> tuple[list, LiveState]:
    """React to an event the pod's detector reported; ``dropped``: the IC positions the
    pipeline's swing-artefact rule dropped in the same feed (it decides at the toe-off of
    a contact after a too-short swing: either that contact or the one before it goes)."""
    pod = state.pods[k]
    if ev.kind is EventKind.IC:
        items = []
        if pod.open_ic is not None:    # the last contact found no toe-off: show it without one
            items, state = _settle(state, k, pod.open_ic, None)
        pod.open_ic, pod.open_dev_s = ev.pos, _device_s(pod, ev.pos)
        return items, state
    if pod.open_ic is None:
        return [], state
    ic, to = pod.open_ic, ev.pos
    pod.open_ic = None
    if pod.early is not None or pod.at_rest:
        return _settle(state, k, ic, to)
    items: list = []
    if ic in dropped:
        return [], state      # this one is the artefact: never shown
    prev = pod.last_kept
    if prev is not None and prev.ic in dropped:
        items.append(_Held(k, Withdrawn(pod.name, pod.foot, prev.step.ic_s, "swing artefact")))
        if pod.contacts and pod.contacts[-1].ic == prev.ic:
            pod.contacts.pop()
        # the stride (cadence) and the other foot's flight and step run from the contact shown before it
        if pod.shown_s and pod.shown_s[-1].ic_s == prev.step.ic_s:
            pod.shown_s = pod.shown_s[:-1]
    shown, state = _show(state, k, ic, to)
    pod.contacts.append(_Contact(ic, to))
    return items + shown, state


def _settle(state: LiveState, k: int, ic: float, to: float | None,
            open_at_end: bool = False) -> tuple[list, LiveState]:
    """The open contact's toe-off is known (``to``, or None: it has none, and
    ``open_at_end`` when that is because the session ended): show the step, or revise
    the one shown early (from its push-off, or as the foot at rest) if what it showed
    differs: a toe-off other than its push-off, or, shown at rest, one within
    ``MAX_CONTACT_S``."""
    pod = state.pods[k]
    if pod.early is None and not pod.at_rest:
        return _show(state, k, ic, to, open_at_end)
    early_to, at_rest = pod.early, pod.at_rest
    pod.early, pod.at_rest = None, False
    prev = pod.last_kept.step
    shown_to = None if to is None or _stance_cut(pod, ic, to) else to
    to_s = _time(pod, shown_to) if shown_to is not None else None
    standing = to_s - prev.ic_s > MAX_CONTACT_S if to_s is not None else at_rest
    if to is not None:
        pod.contacts.append(_Contact(ic, to))   # (the INS's stances, standing too)
        pod.last_kept = _Kept(ic, to, prev)     # (the swing-artefact rule's last toe-off)
    if pod.shown_s and pod.shown_s[-1].ic_s == prev.ic_s:
        off_s = to_s if to_s is not None else np.inf if open_at_end else None
        pod.shown_s = (*pod.shown_s[:-1], pod.shown_s[-1]._replace(to_s=None if standing else to_s, off_s=off_s))
    if (standing if at_rest else shown_to == early_to):
        return [], state
    s = replace(prev, to_arrival_s=_arrival(pod, to) if to_s is not None and not standing else None,
                contact_s=to_s - prev.ic_s if to_s is not None and not standing else None,
                saturated=_saturated(pod, ic, shown_to), revised=True, open_at_end=open_at_end and not standing,
                at_rest=standing)
    pod.last_kept = _Kept(ic, to, s)
    return [_Held(k, s, None if standing else to_s)], state


def _show(state: LiveState, k: int, ic: float, to: float | None,
          open_at_end: bool = False, at_rest: bool = False) -> tuple[list, LiveState]:
    """The step of the contact ``ic``-``to`` (fed positions) with what this pod alone
    tells (its times), to be shown in time order (:func:`_line` adds its timing by the steps
    rule and the rep's figures; the stride into it follows as a :class:`StrideLine` once
    the pod's trajectory has measured it).  A contact longer than ``MAX_CONTACT_S``, or
    still open and ``at_rest``, is standing: no contact time, and no toe-off for the
    other foot's flight.  ``to`` None: no toe-off (the foot's next contact began first,
    or ``open_at_end``: the session ended first); a loss in its stance leaves it none
    either (:func:`_stance_cut`)."""
    pod = state.pods[k]
    ic_s = _time(pod, ic)
    shown_to = None if to is None or _stance_cut(pod, ic, to) else to
    to_s = _time(pod, shown_to) if shown_to is not None else None
    at_rest = at_rest or to_s is not None and to_s - ic_s > MAX_CONTACT_S
    if at_rest:
        to_s = None
    # the toe-off however long it stood (the other foot's flight and the landing on both
    # feet read it): unknown while still down
    off_s = _time(pod, shown_to) if shown_to is not None else np.inf if at_rest or open_at_end else None
    end = shown_to if shown_to is not None else pod.n_fed - 1.0 if at_rest else None
    contact = to_s - ic_s if to_s is not None else None   # by time: a lost frame may lie between
    s = LiveStep(pod.name, pod.foot, 0, ic_s, _arrival(pod, ic), _arrival(pod, to) if to_s is not None else None,
                 contact, None, None, None, _saturated(pod, ic, end), None, None, open_at_end=open_at_end,
                 at_rest=at_rest)
    pod.shown_s = (*pod.shown_s[1 - SHOWN_HISTORY:], _ContactTimes(ic_s, to_s, off_s, _device_s(pod, ic)))
    pod.last_kept = _Kept(ic, to, s)
    pod.shown.append(pod.last_kept)
    return [_Held(k, s, to_s)], state


# ---- showing steps in time order ------------------------------------------------------

def _in_time_order(state: LiveState, items: list, t_rx: float, final: bool = False) -> tuple[list, LiveState]:
    """``items`` as shown at receipt time ``t_rx``: notices and status lines at once, step
    lines (and withdrawals) queued by their contact's time and shown as far as no other
    pod can still show an older step (:func:`_release`)."""
    now = [i for i in items if not isinstance(i, _Held)]
    queue = list(state.queue)
    for h in items:
        if isinstance(h, _Held):
            keys = [q.item.ic_s for q in queue]
            queue.insert(bisect_right(keys, h.item.ic_s), replace(h, since_s=t_rx))
    if not queue:
        return now, state
    shown, state = _release(replace(state, queue=tuple(queue)), t_rx, final)
    return now + shown, state


def _release(state: LiveState, t_rx: float, final: bool) -> tuple[list, LiveState]:
    """Show the queued lines that may go now, oldest first.  A new step waits while another
    pod may still show an older one (:func:`_waits`): up to ``WARMUP_HOLD_S`` for a pod
    still learning how it sits, ``HOLD_S`` otherwise; after that it is shown, that pod's
    steps no longer hold others back (``LiveState.behind``), and its older steps, when
    they come, follow under a :class:`CatchUp` line.  ``final``: the session ended, all go."""
    behind = list(state.behind)
    for j, w in enumerate(behind):
        if w is not None and not any(h.k == j for h in state.queue) and not _still_behind(state, j, w):
            behind[j] = None
    state = replace(state, behind=tuple(behind))
    items: list = []
    queue = list(state.queue)
    while queue:
        h = queue[0]
        if not final and isinstance(h.item, LiveStep) and not h.item.revised:
            waits = _waits(state, h)
            if waits:
                if any(t_rx - h.since_s < (WARMUP_HOLD_S if w is _Wait.WARM_UP else HOLD_S) for _, w in waits):
                    break
                behind = list(state.behind)
                for j, w in waits:
                    behind[j] = w
                    if w is _Wait.WARM_UP:
                        other = state.pods[j].name
                        items.append(Status(other, t_rx, f"{other}: still learning how the pod sits; "
                                            f"{h.item.pod}'s steps show without waiting for it, and {other}'s "
                                            "follow when it is ready, marked as catching up"))
                state = replace(state, behind=tuple(behind))
        queue.pop(0)
        state = replace(state, queue=tuple(queue))
        shown, state = _line(state, h, t_rx)
        items += shown
    return items, state


def _waits(state: LiveState, h: _Held) -> list[tuple[int, _Wait]]:
    """The other pods that may still show a step older than ``h``'s new step, and why."""
    t_s = h.item.ic_s
    out = []
    for j, p in enumerate(state.pods):
        if j == h.k or p.decoder is None or p.events is None or not p.connected or state.behind[j] is not None:
            continue
        if p.events.alignment is None:
            out.append((j, _Wait.WARM_UP))
        elif _fed_until_s(p) < t_s:
            out.append((j, _Wait.DATA))
        elif _landing_pending_before(p, t_s) or (_open_unshown(p) and _time(p, p.open_ic) < t_s
                                                 and _ending_soon(p)):
            out.append((j, _Wait.CONTACT))
    return out


def _ending_soon(pod: _Pod) -> bool:
    """Whether the pod's open contact is not yet ``OPEN_WAIT_FACTOR`` times as long as its
    recent contacts (or there are too few to tell)."""
    lengths = _recent_lengths(pod)
    return len(lengths) < 2 or pod.n_fed - pod.open_ic < OPEN_WAIT_FACTOR * float(np.median(lengths))


def _still_behind(state: LiveState, j: int, w: _Wait) -> bool:
    """Whether what made pod ``j``'s steps late (``w``) still holds."""
    p = state.pods[j]
    if w is _Wait.WARM_UP:
        return p.events is not None and p.events.alignment is None
    if w is _Wait.DATA:
        return not p.frames or _fed_until_s(p) < max(state.newest_s)
    return _open_unshown(p) and _ending_soon(p) or _landing_pending_before(p, np.inf)


def _open_unshown(pod: _Pod) -> bool:
    """Whether the pod has a contact on the ground not shown yet (early or at rest)."""
    return pod.open_ic is not None and pod.early is None and not pod.at_rest


def _fed_until_s(pod: _Pod) -> float:
    """Session time of the last sample fed."""
    return float(pod.frames[-1].t_dev_s[-1] + pod.offsets[0].offset_s)


def _landing_pending_before(pod: _Pod, t_s: float) -> bool:
    """Whether the detector holds a landing it has not yet confirmed (it reports one up to
    ``EventParams.report_delay_s`` late) that came before session time ``t_s``."""
    pos = unconfirmed_landing(pod.events)
    return pos is not None and _time(pod, pos) < t_s


def _line(state: LiveState, h: _Held, t_rx: float) -> tuple[list, LiveState]:
    """The line of ``h`` as it is shown now, after a :class:`CatchUp` line when it starts a
    block of steps older than one shown for another pod."""
    if isinstance(h.item, StrideLine):
        return [h.item], _with_stride(state, h.item)
    if isinstance(h.item, LiftLine):
        return _lift_line(state, h.item)
    if isinstance(h.item, Withdrawn) or h.item.revised:
        # (the other feet's steps shown since were timed against the contact as it was)
        shown, state = ([h.item], state) if isinstance(h.item, Withdrawn) else _revision_line(state, h.k, h.item)
        timed, state = _retime_around(state, h.k, h.item.ic_s, t_rx)
        ended, state = _end_if_all_at_rest(state, h.item, t_rx)
        return shown + timed + ended, state
    k, s = h.k, h.item
    items: list = []
    others = [(state.newest_s[j], j) for j in range(len(state.pods)) if j != k]
    ahead_s, ahead = max(others) if others else (-np.inf, None)
    catching_up = None
    if s.ic_s < ahead_s:
        catching_up = k
        if state.catching_up != k:
            why = "the session ended before its toe-off" if s.open_at_end else \
                f"it came to rest, shown after {MAX_CONTACT_S:g} s standing" if s.at_rest else \
                (state.behind[k] or _Wait.CONTACT).value
            name = state.pods[k].name
            items.append(CatchUp(name, t_rx, s.ic_s, state.pods[ahead].name, ahead_s,
                                 f"{name}: catching up, its steps from {s.ic_s:.2f} s on come after "
                                 f"{state.pods[ahead].name}'s up to {ahead_s:.2f} s ({why})"))
    ended, state = _end_before(state, s.ic_s, t_rx)
    items += ended
    line, state = _step_line(state, k, s, h.to_s)
    newest, behind = list(state.newest_s), list(state.behind)
    newest[k] = max(newest[k], s.ic_s)
    if catching_up is None:
        behind[k] = None
    state = replace(state, newest_s=tuple(newest), behind=tuple(behind), catching_up=catching_up)
    timed, state = _retime_around(state, k, s.ic_s, t_rx)
    ended, state = _end_if_all_at_rest(state, line, t_rx)
    return items + [line] + timed + ended, state


def _lift_line(state: LiveState, ll: LiftLine) -> tuple[list, LiveState]:
    """Lift line ``ll`` with the foot-lift cue it gets in its rep (the analysis's rule:
    the foot's earlier swings of the rep, the contact's time as shown)."""
    r = _rep_index(state, ll.ic_s)
    if r is None:
        return [ll], state
    rep = state.reps[r]
    contact = next((c.contact_s for c in rep.contacts if c.ic_s == ll.ic_s
                    and state.pods[c.pod].name == ll.pod), None)
    earlier = [v for f, v in rep.lifts if f == ll.foot]
    spoken = foot_lift_cue(rep.drill, ll.foot, ll.lift_m, earlier, contact)
    if spoken is not None and not quiet(rep.said, ll.ic_s, spoken.kind):
        ll = replace(ll, cue=spoken.text)
        rep = replace(rep, said=rep.said + (Said(ll.ic_s, spoken.kind),))
    reps = list(state.reps)
    reps[r] = replace(rep, lifts=rep.lifts + ((ll.foot, ll.lift_m),))
    return [ll], replace(state, reps=tuple(reps))


def _rep_index(state: LiveState, ic_s: float) -> int | None:
    """The rep a contact at ``ic_s`` went into (the last one begun by then)."""
    if not state.reps:
        return None
    return max(0, bisect_right([x.start_s for x in state.reps], ic_s) - 1)


def _with_stride(state: LiveState, sl: StrideLine) -> LiveState:
    """The state with stride ``sl`` counted in its rep's top speed (the stride that ended at
    a contact of the rep: the analysis's ``speed_mps`` of the contact before it)."""
    r = _rep_index(state, sl.ic_s)
    if r is None:
        return state
    reps = list(state.reps)
    top, v = reps[r].top_speed_mps, round(sl.speed_mps, 3)     # (as the analysis's steps give it)
    reps[r] = replace(reps[r], top_speed_mps=v if top is None else max(top, v))
    return replace(state, reps=tuple(reps))


def _end_before(state: LiveState, ic_s: float, t_rx: float) -> tuple[list, LiveState]:
    """End the reps before a new step at ``ic_s`` that begins a new rep (the athlete paused,
    or stood without every pod shown at rest)."""
    items: list = []
    if state.reps and ic_s >= state.reps[-1].start_s \
            and begins_rep(state.last_contact_s, state.reps[-1].rest_s, ic_s):
        for r in range(len(state.reps)):
            told, state = _end_rep(state, r, t_rx)
            items += told
    return items, state


def _end_if_all_at_rest(state: LiveState, s, t_rx: float) -> tuple[list, LiveState]:
    """End the rep of step line ``s`` when every pod with an IMU is at rest after it."""
    if not isinstance(s, LiveStep) or not s.at_rest \
            or not all(p.at_rest for p in state.pods if p.decoder is not None and p.pipe is not None):
        return [], state
    r = _rep_index(state, s.ic_s)
    return ([], state) if r is None else _end_rep(state, r, t_rx)


def _end_rep(state: LiveState, r: int, t_rx: float) -> tuple[list, LiveState]:
    """Rep ``r`` has ended: whether it took the plan's next item (:func:`gaitcore.plan.assign`),
    and its cue on the session (:func:`gaitcore.cues.session_cue`), by the analysis's rules."""
    rep = state.reps[r]
    if rep.ended or not rep.contacts:
        return [], state
    contacts = [c.contact_s for c in rep.contacts]
    given = assign(state.plan, state.taken, contacts, None if state.drill is None else state.drill.id)
    planned, rest = given.drill, given.rest
    contact = rep_contact_s(contacts)
    cue, outcomes = None, state.outcomes
    if not rest:
        outcome = RepOutcome(default_catalog().find(planned), rep.top_speed_mps, contact)
        spoken, declined = session_cue(list(state.outcomes), outcome)
        outcomes = outcomes + (replace(outcome, declined=declined),)
        cue = None if spoken is None else spoken.text
    reps = list(state.reps)
    reps[r] = replace(rep, ended=True)
    line = RepEnd(r, t_rx, rep.contacts[-1].ic_s, planned, rest, len(rep.contacts), contact, rep.top_speed_mps, cue)
    return [line], replace(state, reps=tuple(reps), taken=state.taken + (given.item is not None),
                           outcomes=outcomes)


def _step_line(state: LiveState, k: int, s: LiveStep, to_s: float | None) -> tuple[LiveStep, LiveState]:
    """A new step with its timing (:func:`_timing`) and the rep's figures (its number, the
    baseline, the change from it, the drill's cue)."""
    s = _to_tenth_ms(s)
    ic_s, contact = s.ic_s, s.contact_s
    timing = _timing(state, k, ic_s)
    flight, step, cadence = (None, None, None) if timing is None else timing[1:]
    if timing is not None:
        state.pods[k].timings.append(timing)
    r, reps = _rep_of(state, ic_s)
    base = _baseline(reps[r], ic_s)
    change = change_pct(contact, base)
    contacts = list(reps[r].contacts)
    contacts.insert(bisect_right([x.ic_s for x in contacts], ic_s), _RepContact(k, ic_s, contact))
    reps[r] = replace(reps[r], contacts=tuple(contacts))
    if s.at_rest:
        reps[r] = replace(reps[r], rest_s=min(reps[r].rest_s, rest_from(ic_s)))
    line = replace(s, rep=r, flight_before_s=flight, step_time_s=step, cadence_spm=cadence,
                   baseline_contact_s=base, contact_change_pct=change)
    cue, reps[r] = _cue(state, line, reps[r])
    line = replace(line, cue=cue)
    last = max(ic_s, state.last_contact_s) if state.last_contact_s is not None else ic_s
    shown = list(state.last_shown)
    shown[k] = _Shown(line, r)
    return line, replace(state, reps=tuple(reps), last_contact_s=last, last_shown=tuple(shown))


def _to_tenth_ms(s: LiveStep) -> LiveStep:
    """The step with its contact time to 0.1 ms, as the analysis's steps give it (the rep
    figures and cues then read the same values)."""
    return s if s.contact_s is None else replace(s, contact_s=round(s.contact_s, 4))


def _rep_of(state: LiveState, ic_s: float) -> tuple[int, list]:
    """The rep of a new step at ``ic_s``, and the reps with it: a new one when the step
    comes after the latest rep's (the athlete stood since it began: its ``rest_s``, or no
    contact for ``StepParams.rep_pause_s``: :func:`gaitcore.reps.begins_rep`, the analysis's
    rule), else the last one begun by then (the first one for a step
    older than any shown: it begins earlier)."""
    reps = list(state.reps)
    if not reps or ic_s >= reps[-1].start_s and begins_rep(state.last_contact_s, reps[-1].rest_s, ic_s):
        item = next_planned(state.plan, state.taken)
        drill = state.drill if item is None else default_catalog().find(item.drill)
        return len(reps), reps + [_Rep(ic_s, drill=drill)]
    r = max(0, bisect_right([x.start_s for x in reps], ic_s) - 1)
    if ic_s < reps[r].start_s:
        reps[r] = replace(reps[r], start_s=ic_s)
    return r, reps


def _baseline(rep: _Rep, ic_s: float) -> float | None:
    """The rep's baseline for a step at ``ic_s`` (:func:`gaitcore.cues.baseline_contact_s`
    of the rep's contacts in time before it)."""
    return baseline_contact_s([c.contact_s for c in rep.contacts
                               if c.ic_s < ic_s and c.contact_s is not None and not walking(c.contact_s)])


def _contacts(state: LiveState, k: int, out: PodOutput, t_rx: float,
              final: bool = False) -> tuple[list[TimingLine], LiveState]:
    """Feed the pipeline's contacts stage pod ``k``'s latest output: rows are held until
    final events come (contacts and stretches come only with them, and the stage gives the
    same for any chunking), then fed at once (:func:`_completed`)."""
    pod = state.pods[k]
    if out.rows.n:
        pod.unfed_rows.append(out.rows)
    if not (out.events.events or final):
        return [], state
    rows = concat_chunks(pod.unfed_rows) if pod.unfed_rows else None
    pod.unfed_rows = []
    co, pod.contacts_stage = contacts_step(pod.contacts_stage, rows, out.events.events, out.events.horizon, final)
    return _completed(state, k, co, t_rx)


def _completed(state: LiveState, k: int, co: ContactsOut, t_rx: float) -> tuple[list[TimingLine], LiveState]:
    """Pod ``k``'s contacts the pipeline's contacts stage completed, and the stretches it
    found that lower the ``run_end_s`` of those before: their stretch without a missed IC
    replaces the one bounded by the losses seen (:func:`_rule_contacts`); the steps whose
    timing that changes are timed again."""
    pod = state.pods[k]
    offset = pod.offsets[0].offset_s
    changed: list[float] = []
    if co.cuts:
        old = list(pod.final_contacts)
        pod.final_contacts = deque(apply_cuts(old, co.cuts), SHOWN_HISTORY)
        changed += [c.ic_s for a, c in zip(old, pod.final_contacts) if _reach(a, a.run_end_s) != _reach(c, c.run_end_s)]
    if co.contacts:
        breaks = list(pod.breaks_s)
        for c in co.contacts:
            pod.final_contacts.append(c)
            b = bisect_right(breaks, c.ic_s + offset)
            was = (breaks[b - 1] - offset if b else -np.inf, breaks[b] - offset if b < len(breaks) else np.inf)
            if (_reach(c, was[0]), _reach(c, was[1])) != (_reach(c, c.run_start_s), _reach(c, c.run_end_s)):
                changed.append(c.ic_s)
    if not changed:
        return [], state
    return _retime(state, min(changed) + offset - MAX_STRIDE_S - 1.0, max(changed) + offset + MAX_STRIDE_S + 1.0,
                   t_rx)


def _reach(c: Contact, bound_s: float) -> float:
    """A bound of contact ``c``'s stretch as far as the steps rule can tell it: beyond a
    stride of its IC, it bounds no interval the rule measures."""
    return -np.inf if bound_s < c.ic_s - MAX_STRIDE_S - 1.0 else np.inf if bound_s > c.ic_s + MAX_STRIDE_S + 1.0 \
        else bound_s


def _retime_around(state: LiveState, k: int, ic_s: float, t_rx: float) -> tuple[list[TimingLine], LiveState]:
    """:func:`_retime` of the other pods' steps a contact of pod ``k`` at ``ic_s``, just
    shown, revised or withdrawn, can change: from a landing on both feet before it to a
    stride after it."""
    return _retime(state, ic_s - StepParams().together_s, ic_s + MAX_STRIDE_S, t_rx, k)


def _retime(state: LiveState, lo: float, hi: float, t_rx: float,
            skip: int | None = None) -> tuple[list[TimingLine], LiveState]:
    """A :class:`TimingLine` for each step shown with its IC from ``lo`` to ``hi`` (session
    s) whose timing the steps rule now gives differently (pod ``skip``'s are left alone:
    a contact of its own just shown or withdrawn changes the other feet's)."""
    out = []
    for j, pod in enumerate(state.pods):
        if j == skip:
            continue
        for i in range(bisect_left(pod.timings, lo, key=lambda t: t.ic_s), len(pod.timings)):
            was = pod.timings[i]
            if was.ic_s > hi:
                break
            now = _timing(state, j, was.ic_s)
            if now is None or now == was:
                continue
            pod.timings[i] = now
            out.append(TimingLine(pod.name, pod.foot, now.ic_s, t_rx, *now[1:]))
            last = state.last_shown[j]
            if last is not None and last.step.ic_s == now.ic_s:    # (a revision of it keeps these)
                shown = list(state.last_shown)
                shown[j] = _Shown(replace(last.step, flight_before_s=now.flight_before_s,
                                          step_time_s=now.step_time_s, cadence_spm=now.cadence_spm), last.rep)
                state = replace(state, last_shown=tuple(shown))
    return out, state


def _timing(state: LiveState, k: int, ic_s: float) -> _Timing | None:
    """The flight before pod ``k``'s contact at ``ic_s``, its step time and the cadence of
    the stride that ended at it, by the analysis's steps rule
    (:func:`gaitcore.steps.foot_timing`) over the contacts shown so far and those still on
    the ground (within ``TIMING_WINDOW_S`` before it): its ``step_time_s``, the
    ``flight_s`` of the step just before it (either foot's; the flight that ended at this
    contact), and the ``cadence_spm`` of this foot's contact before it (each None:
    unknown).  None if the contact is no longer shown (withdrawn)."""
    pod = state.pods[k]
    from_s = ic_s - TIMING_WINDOW_S
    mine = _rule_contacts([pod], from_s)
    i = next((i for i, c in enumerate(mine) if c.ic_s == ic_s), None)
    if i is None:
        return None
    unknown = Side.UNKNOWN.value
    theirs = [] if pod.foot == unknown else \
        _rule_contacts([p for p in state.pods if p.foot not in (pod.foot, unknown)], from_s)
    timing = foot_timing(mine, theirs)
    step, cadence = timing[i].step_time_s, timing[i - 1].cadence_spm if i else np.nan
    # the step just before it: this foot's previous contact, or the other foot's last before it
    j = bisect_left([c.ic_s for c in theirs], ic_s) - 1
    before, fl = None, np.nan
    if j >= 0 and (i == 0 or theirs[j].ic_s > mine[i - 1].ic_s):
        before, fl = theirs[j], foot_timing(theirs, mine)[j].flight_s
    elif i:
        before, fl = mine[i - 1], timing[i - 1].flight_s
    # (its flight ends at the first landing after its toe-off: this one, unless it left after it)
    flight = fl if before is not None and before.to_s is not None and abs(before.to_s + fl - ic_s) < 1e-9 \
        else np.nan
    return _Timing(ic_s, *(None if np.isnan(v) else v for v in (flight, step, cadence)))


def _rule_contacts(pods: list[_Pod], from_s: float) -> list[Contact]:
    """The contacts of ``pods`` (one foot's) with their IC from ``from_s`` on, in IC order,
    as the steps rule takes them: shown, or still on the ground and not shown yet; each
    with the stretch around its IC without a loss its pod's detector restarts after
    (``breaks_s``: an interval across one may hide a contact)."""
    out = []
    for pod in pods:
        times = list(pod.shown_s[bisect_left(pod.shown_s, from_s, key=lambda c: c.ic_s):])
        if _open_unshown(pod):
            times.append(_ContactTimes(_time(pod, pod.open_ic), None, np.inf, pod.open_dev_s))
        breaks = list(pod.breaks_s)
        final_ics = [c.ic_s for c in pod.final_contacts]
        # a stretch ends at an IC of the pod's: on the session clock, that IC's time as shown
        at_ic = {c.ic_dev_s: c.ic_s for c in times}
        side = Side(pod.foot)
        for c in times:
            f = bisect_left(final_ics, c.ic_dev_s - 1e-6)
            if f < len(final_ics) and abs(final_ics[f] - c.ic_dev_s) <= 1e-6:
                # complete in the pipeline's contacts stage: its stretch, on the session clock
                fc = pod.final_contacts[f]
                run_start, run_end = (at_ic.get(x, x + c.ic_s - c.ic_dev_s) for x in (fc.run_start_s, fc.run_end_s))
            else:
                # not yet: bounded by the losses seen (a break at a contact's IC is within the
                # interval that ends there)
                b = bisect_right(breaks, c.ic_s)
                run_start = breaks[b - 1] if b else -np.inf
                run_end = float(np.nextafter(breaks[b], -np.inf)) if b < len(breaks) else np.inf
            out.append(Contact(pod.name, side, c.ic_s, c.to_s, np.nan, None, ICMethod.ROTATION, False,
                               run_start, run_end, c.off_s))
    return sorted(out, key=lambda c: c.ic_s)


def _revision_line(state: LiveState, k: int, s: LiveStep) -> tuple[list, LiveState]:
    """A revision of the pod's last shown step: its contact time (or that the foot came to
    rest: the rep ends), and the change from the rep's baseline with it; the rest as shown."""
    s = _to_tenth_ms(s)
    last = state.last_shown[k]
    rep = state.reps[last.rep]
    contacts = tuple(replace(c, contact_s=s.contact_s) if c.pod == k and c.ic_s == last.step.ic_s else c
                     for c in rep.contacts)
    rep = replace(rep, contacts=contacts, rest_s=min(rep.rest_s, rest_from(last.step.ic_s)) if s.at_rest
                  else rep.rest_s)
    base = last.step.baseline_contact_s     # from the contacts before this one
    change = change_pct(s.contact_s, base)
    line = replace(last.step, to_arrival_s=s.to_arrival_s, contact_s=s.contact_s, saturated=s.saturated,
                   last_stride_m=s.last_stride_m, last_speed_mps=s.last_speed_mps, revised=True,
                   open_at_end=s.open_at_end, at_rest=s.at_rest, contact_change_pct=change, cue=None)
    # (the cue it had, if any, is said again or not by its new contact time)
    rep = replace(rep, said=tuple(x for x in rep.said if x.ic_s != last.step.ic_s))
    cue, rep = _cue(state, line, rep)
    line = replace(line, cue=cue)
    reps, shown = list(state.reps), list(state.last_shown)
    reps[last.rep] = rep
    shown[k] = _Shown(line, last.rep)
    return [line], replace(state, reps=tuple(reps), last_shown=tuple(shown))


def _waiting_for_warm_ups(state: LiveState, k: int, t_rx: float) -> list:
    """When pod ``k``'s warm-up ends while another pod's goes on: its steps wait for that
    one's (up to ``WARMUP_HOLD_S``), to show both feet in time order."""
    name = state.pods[k].name
    return [Status(name, t_rx, f"{name}: its steps wait up to {WARMUP_HOLD_S:.0f} s for {p.name} to learn how "
                   "it sits, to show both feet in time order")
            for j, p in enumerate(state.pods)
            if j != k and p.decoder is not None and p.events is not None and p.events.alignment is None
            and p.connected and state.behind[j] is None]


def _cue(state: LiveState, s: LiveStep, rep: _Rep) -> tuple[str | None, _Rep]:
    """The cue step ``s`` of ``rep`` gets (:func:`gaitcore.cues.step_cue`, unless said at an
    earlier step of the rep moments before: :func:`gaitcore.cues.quiet`; the analysis's
    rule), and the rep with it said."""
    feet = {j: p.foot for j, p in enumerate(state.pods)}
    latest = [(feet[c.pod], c.contact_s) for c in rep.contacts
              if c.ic_s <= s.ic_s and c.contact_s is not None and not walking(c.contact_s)]
    texts = []
    recent = recent_contact_s([c for _, c in latest])
    for spoken in (step_cue(rep.drill, s.contact_s, s.baseline_contact_s, recent_s=recent),
                   None if walking(s.contact_s) else asymmetry_cue(latest, drill=rep.drill)):
        if spoken is not None and not quiet(rep.said, s.ic_s, spoken.kind):
            texts.append(spoken.text)
            rep = replace(rep, said=rep.said + (Said(s.ic_s, spoken.kind),))
    return ("; ".join(texts) or None), rep


def _samples(pod: _Pod, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Device times, acc and gyr of the kept fed samples ``a`` .. ``b - 1``."""
    parts = _kept(pod, a, b)
    return (np.concatenate([fr.t_dev_s[part] for fr, part in parts]),
            np.concatenate([fr.acc_mps2[part] for fr, part in parts]),
            np.concatenate([fr.gyr_dps[part] for fr, part in parts]))


def finish(state: LiveState) -> tuple[list, LiveState]:
    """The end of the session: what the detectors still hold (a last contact's toe-off,
    or a contact that never found one)."""
    items: list = []
    pods = [_copy_pod(p) for p in state.pods]
    state = replace(state, pods=tuple(pods))
    t_end = max((p.frames[-1].rx_s for p in pods if p.frames), default=0.0)
    for k, pod in enumerate(pods):
        if pod.pipe is None:
            continue
        out, pod.pipe = pod_step(pod.pipe, np.empty(0), np.empty((0, 3)), np.empty((0, 3)), final=True)
        t_last = pod.frames[-1].rx_s if pod.frames else 0.0
        items += _warmup_status(pod, t_last)
        dropped = frozenset(ev.pos for ev in out.events.dropped if ev.kind is EventKind.IC)
        for ev in out.events.reported:
            new_items, state = _event(state, k, ev, dropped)
            items += new_items
        if pod.open_ic is not None:
            new_items, state = _settle(state, k, pod.open_ic, None, open_at_end=True)
            pod.open_ic = None
            items += new_items
        _final_contacts(pod, out.events.events)
        timed, state = _contacts(state, k, out, t_last, final=True)
        items += timed
        if out.stride is not None:
            items += [_Held(k, x) for x in _strides(pod, out.stride.stride_lengths, t_last)]
            items += [_Held(k, x) for x in _lifts(pod, out.stride, t_last)]
    shown, state = _in_time_order(state, items, t_end, final=True)
    for r in range(len(state.reps)):       # (the last rep ends with the session)
        told, state = _end_rep(state, r, t_end)
        shown += told
    return shown, state


def final_steps(items) -> list[LiveStep]:
    """Each contact's last line (a revision replaces the early line), with the stride
    (:class:`StrideLine`) and timing (:class:`TimingLine`) shown for it after it, withdrawn
    contacts left out, in the order the contacts were first shown."""
    last: dict = {}
    for it in items:
        if isinstance(it, LiveStep):
            was = last.get((it.pod, it.ic_s))
            if was is not None and it.last_stride_m is None:     # (a revision keeps the stride shown)
                it = replace(it, last_stride_m=was.last_stride_m, last_speed_mps=was.last_speed_mps)
            last[(it.pod, it.ic_s)] = it
        elif isinstance(it, TimingLine) and (it.pod, it.ic_s) in last:
            last[(it.pod, it.ic_s)] = replace(last[(it.pod, it.ic_s)], flight_before_s=it.flight_before_s,
                                              step_time_s=it.step_time_s, cadence_spm=it.cadence_spm)
        elif isinstance(it, StrideLine) and (it.pod, it.ic_s) in last:
            last[(it.pod, it.ic_s)] = replace(last[(it.pod, it.ic_s)], last_stride_m=it.stride_m,
                                              last_speed_mps=it.speed_mps)
        elif isinstance(it, Withdrawn):
            last.pop((it.pod, it.ic_s), None)
    return list(last.values())


# what a step line says that does not depend on the order the pods' steps were shown in
ORDER_FREE_FIELDS = ("type", "pod", "foot", "ic_s", "ic_arrival_s", "to_arrival_s", "contact_s", "cadence_spm",
                     "saturated", "revised", "last_stride_m", "last_speed_mps", "reason")
# ... and what a line showing the foot at rest says that a line shown for that contact before
# at-rest lines existed said too
AT_REST_FIELDS = ("type", "pod", "foot", "ic_arrival_s", "revised")
AT_REST_IC_S = 0.001


def replays_what_was_shown(recorded: list[dict], replayed: list[dict]) -> bool:
    """Whether a replay's items (:func:`as_dict` forms) begin with the ones a session
    recorded as shown (all of them, unless live was killed).  A session recorded before
    :class:`Status` or :class:`RepEnd` lines existed has none, and is compared without them.

    A session recorded before the foot was shown at rest (its step lines have no
    ``at_rest``) showed a standing contact at its toe-off, as a contact longer than
    ``MAX_CONTACT_S`` (or, at the end, without one), which put the other foot's stop, and
    the rep figures and flights after it, elsewhere; it had the rep figures of a catch-up
    block from the first contacts shown, not the first in time; and, if recorded before
    steps were shown in time order (no ``open_at_end`` either), it showed each pod's warm-up
    backlog when that pod was ready.  Such a session is compared pod by pod: each pod's step
    and withdrawn lines in order on :data:`ORDER_FREE_FIELDS`, a line the replay shows at
    rest against one with such a contact time or none (on :data:`AT_REST_FIELDS`, and the IC
    time within ``AT_REST_IC_S``: shown seconds earlier, it is placed on the session clock
    with the pod's clock offset of then); its notices and status lines, shown at once then
    as now, are found in the replay's in the same order (which also has the status lines
    about waiting for a warm-up, and :class:`CatchUp` lines)."""
    for kind in ("Status", "RepEnd"):
        if not any(d["type"] == kind for d in recorded):
            replayed = [d for d in replayed if d["type"] != kind]
    steps = [d for d in recorded if d["type"] == "LiveStep"]
    if not steps or any("at_rest" in d for d in steps):
        return replayed[:len(recorded)] == recorded

    def lines(items: list[dict], pod: str) -> list:
        return [d for d in items if d["type"] in ("LiveStep", "Withdrawn") and d["pod"] == pod]

    def same(old: dict, new: dict) -> bool:
        if not new.get("at_rest"):
            return all(old.get(k) == new.get(k) for k in ORDER_FREE_FIELDS)
        return (old.get("contact_s") is None or old["contact_s"] > MAX_CONTACT_S) \
            and all(old.get(k) == new.get(k) for k in AT_REST_FIELDS) and abs(old["ic_s"] - new["ic_s"]) <= AT_REST_IC_S

    def pod_matches(p: str) -> bool:
        old, new = lines(recorded, p), lines(replayed, p)
        return len(new) >= len(old) and all(same(a, b) for a, b in zip(old, new))
    told = iter(d for d in replayed if d["type"] in ("Notice", "Status"))
    return all(d in told for d in recorded if d["type"] in ("Notice", "Status")) \
        and all(pod_matches(p) for p in {d["pod"] for d in steps})


def replay(records, meta: dict, drill: str | None = None) -> list:
    """Every item the live display showed for ``records``, in order, and at the end."""
    state = new_live_state(meta, drill)
    out = []
    for r in records:
        items, state = feed(state, r)
        out += items
    last, _ = finish(state)
    return out + last
