"""The live display: one line per step as it happens, in a terminal (rich; works over
SSH), plus an audible cue when a drill cue fires.

It only renders :mod:`firmware_bridge.live` items; what they say is decided there, so
``gait live`` and ``gait replay`` show the same lines.  rich is imported here only.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gaitcore.steps import MAX_CONTACT_S

from .live import CatchUp, LiftLine, LiveStep, Notice, RepEnd, Status, StrideLine, TimingLine, Withdrawn

PLAYERS = ("paplay", "aplay", "afplay")


def _ms(v: float | None) -> str:
    return "    -" if v is None else f"{1000 * v:5.0f}"


def step_line(s: LiveStep) -> str:
    """The plain text of a step line (rich markup added by :class:`Display`)."""
    change = "" if s.contact_change_pct is None else f"  {s.contact_change_pct:+4.0f}% vs rep start"
    cadence = "    -" if s.cadence_spm is None else f"{s.cadence_spm:5.0f}"
    stride = "" if s.last_stride_m is None else f"  stride {s.last_stride_m:5.2f} m {s.last_speed_mps:5.2f} m/s"
    return (f"{s.ic_s:8.2f} s  rep {s.rep + 1:<2d} {s.foot[:1].upper() or '?'}  contact {_ms(s.contact_s)} ms  "
            f"flight {_ms(s.flight_before_s)} ms  cadence {cadence}/min{stride}{change}"
            + ("  CLIPPED" if s.saturated else "") + _toe_off_note(s))


def _toe_off_note(s: LiveStep) -> str:
    """What the line says about the contact's toe-off, when there is something to say."""
    if s.at_rest:
        why = f"came to rest: standing over {MAX_CONTACT_S:g} s, not a step, so no contact time"
    elif s.open_at_end:
        why = "the session ended before its toe-off"
    elif s.contact_s is None:
        why = "no toe-off found before the next contact"
    else:
        why = "toe-off found later" if s.revised else ""
    if s.revised:
        return f"  (revised: {why})"
    return f"  ({why})" if why else ""


def item_line(item) -> str:
    if isinstance(item, LiveStep):
        return step_line(item)
    if isinstance(item, StrideLine):
        return (f"{item.ic_s:8.2f} s         {item.foot[:1].upper() or '?'}  stride {item.stride_m:5.2f} m "
                f"{item.speed_mps:5.2f} m/s (into this contact)")
    if isinstance(item, LiftLine):
        return (f"{item.ic_s:8.2f} s         {item.foot[:1].upper() or '?'}  foot lift {100 * item.lift_m:3.0f} cm "
                "(the swing into this contact)")
    if isinstance(item, TimingLine):
        cadence = "    -" if item.cadence_spm is None else f"{item.cadence_spm:5.0f}"
        return (f"{item.ic_s:8.2f} s         {item.foot[:1].upper() or '?'}  flight {_ms(item.flight_before_s)} ms  "
                f"step {_ms(item.step_time_s)} ms  cadence {cadence}/min (timed again with the steps shown after it)")
    if isinstance(item, Withdrawn):
        return f"{item.ic_s:8.2f} s  {item.foot} contact withdrawn ({item.reason})"
    if isinstance(item, RepEnd):
        return rep_end_line(item)
    if isinstance(item, Notice):
        return f"{item.t_s:8.2f} s  ! {item.text}"
    if isinstance(item, Status):
        return f"{item.t_s:8.2f} s  . {item.text}"
    if isinstance(item, CatchUp):
        return f"{item.t_s:8.2f} s  << {item.text}"
    raise TypeError(type(item))


def rep_end_line(e: RepEnd) -> str:
    """The line that closes a rep: what it was and its figures."""
    if e.walk_back:
        return f"{e.end_ic_s:8.2f} s  rep {e.rep + 1} ended: a walk back (rest), {e.n_contacts} contacts"
    what = e.drill.replace("_", " ") if e.drill else "rep"
    line = f"{e.end_ic_s:8.2f} s  rep {e.rep + 1} ended: {what}, {e.n_contacts} contacts"
    if e.contact_s is not None:
        line += f", contact {1000 * e.contact_s:.0f} ms"
    if e.top_speed_mps is not None:
        line += f", top speed {e.top_speed_mps:.2f} m/s"
    return line


@dataclass(frozen=True)
class Sound:
    """How a cue is heard: the terminal bell, a sound file through a player, or nothing."""

    bell: bool = False
    file: Path | None = None
    player: str | None = None

    @classmethod
    def choose(cls, bell: bool, file: Path | None) -> "Sound":
        if file is None:
            return cls(bell=bell)
        if not file.is_file():
            raise FileNotFoundError(f"sound file {file} not found; give an existing .wav file or use --bell")
        player = next((p for p in PLAYERS if shutil.which(p)), None)
        if player is None:
            raise FileNotFoundError(f"no sound player ({', '.join(PLAYERS)}) on this machine to play {file}; "
                                    "install one (apt-get install alsa-utils) or use --bell")
        return cls(bell=bell, file=file, player=player)


class Display:
    """Prints items to a rich console; ``play`` makes a cue audible."""

    def __init__(self, console, sound: Sound):
        self.console = console
        self.sound = sound

    def print(self, line: str, style: str | None = None) -> None:
        """One line as it is (no rich markup), never wrapped."""
        self.console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)

    def show(self, item) -> None:
        line = item_line(item)
        if isinstance(item, LiveStep):
            self.print(line, "bold red" if item.saturated else ("yellow" if item.cue else None))
            if item.cue:
                self.print(f"           >> {item.cue}", "bold yellow")
                self.play()
        elif isinstance(item, Withdrawn):
            self.print(line, "dim")
        elif isinstance(item, RepEnd):
            self.print(line, "bold")
            if item.cue:
                self.print(f"           >> {item.cue}", "bold yellow")
                self.play()
        elif isinstance(item, (StrideLine, TimingLine, LiftLine)):
            self.print(line, "green")
            if getattr(item, "cue", None):
                self.print(f"           >> {item.cue}", "bold yellow")
                self.play()
        elif isinstance(item, Status):
            self.print(line, "cyan")
        elif isinstance(item, CatchUp):
            self.print(line, "bold cyan")
        else:
            self.print(line, "bold red")

    def play(self) -> None:
        if self.sound.bell:
            self.console.bell()
        if self.sound.file is not None:
            subprocess.Popen([self.sound.player, str(self.sound.file)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)


def make_display(sound: Sound, file=None) -> Display:
    from rich.console import Console
    return Display(Console(file=file, highlight=False), sound)
