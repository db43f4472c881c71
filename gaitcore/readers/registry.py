"""Recording formats whose readers live outside gaitcore, found by a file's first bytes.

gaitcore reads the research formats itself.  A format whose reader sits in a package
above it (the pod sessions of ``firmware_bridge``) or in any other installed package is
a :class:`RecordingFormat`, registered in that package's metadata under the entry-point
group ``gaitcore.readers``::

    [project.entry-points."gaitcore.readers"]
    pod_session = "firmware_bridge.session_reader:POD_SESSION"

The entry points are loaded the first time a file's head is not one of gaitcore's own
formats, so ``read_recording(["x.podses"])`` works without importing the package that
reads it, and gaitcore imports nothing above it.  :func:`register_format` adds a format
at run time (a notebook's own logger format).  An entry point that cannot be loaded (its
package removed, a broken install) is kept as one line that the error for an
unrecognised file carries.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Callable, Iterable

from ..signals import Recording

ENTRY_POINT_GROUP = "gaitcore.readers"
HEAD_BYTES = 4096   # the first bytes of a file that its format is recognised from


@dataclass(frozen=True)
class RecordingFormat:
    """A file format: how to recognise it and how to read it."""

    name: str                              # as messages name it, e.g. "pod session"
    recognises: Callable[[bytes], bool]    # given a file's first HEAD_BYTES bytes (fewer if it is shorter)
    read: Callable[[Path], Recording]      # the whole file: its sensors, their time origin, its session
    # (read_recording marks the sensors as sharing the file's clock and applies --placement)


def _installed_entry_points() -> Iterable[EntryPoint]:
    return entry_points(group=ENTRY_POINT_GROUP)


class FormatRegistry:
    """The formats registered, in order, and the entry points that could not be loaded.

    ``discover`` lists the entry points to load (by default the installed packages'
    ``gaitcore.readers`` group); it is called once, the first time a head is not
    recognised by a format already registered."""

    def __init__(self, discover: Callable[[], Iterable[EntryPoint]] = _installed_entry_points):
        self._discover = discover
        self._discovered = False
        self._formats: list[RecordingFormat] = []
        self._unloadable: list[str] = []

    def register(self, fmt: RecordingFormat) -> None:
        if not isinstance(fmt, RecordingFormat):
            raise TypeError(f"register a gaitcore.readers.RecordingFormat, not {type(fmt).__name__}")
        if fmt not in self._formats:
            self._formats.append(fmt)

    def find(self, head: bytes) -> RecordingFormat | None:
        """The registered format that recognises ``head``, loading the entry points
        first if no format registered so far does; None when none does."""
        found = self._match(head)
        if found is None and not self._discovered:
            self._load_entry_points()
            found = self._match(head)
        return found

    def unloadable(self) -> tuple[str, ...]:
        """One line per entry point that could not be loaded: which, and why."""
        return tuple(self._unloadable)

    def _match(self, head: bytes) -> RecordingFormat | None:
        return next((fmt for fmt in self._formats if fmt.recognises(head)), None)

    def _load_entry_points(self) -> None:
        self._discovered = True
        for ep in self._discover():
            dist = getattr(ep, "dist", None)
            which = f"the {ep.name} reader ({ep.value}{f' of {dist.name}' if dist is not None else ''})"
            reinstall = f"reinstall {dist.name}" if dist is not None else "reinstall the package that provides it"
            try:
                fmt = ep.load()
            except Exception as err:    # a missing or broken package: said when its files are met
                why = str(err).splitlines()[0] if str(err) else type(err).__name__
                self._unloadable.append(f"{which} cannot be loaded ({why}); {reinstall}")
                continue
            if not isinstance(fmt, RecordingFormat):
                self._unloadable.append(f"{which} is a {type(fmt).__name__}, not a gaitcore.readers.RecordingFormat")
                continue
            self.register(fmt)


REGISTRY = FormatRegistry()


def register_format(fmt: RecordingFormat) -> None:
    """Read files that ``fmt`` recognises from now on (after gaitcore's own formats)."""
    REGISTRY.register(fmt)
