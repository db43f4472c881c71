"""Record several pods at once into a session file (asyncio, one task per pod):
:func:`record_session` opens the file and hands the session to a :class:`SessionRecorder`.

Every byte received is written with its host receipt time as soon as it arrives
(:mod:`firmware_bridge.session_file`), the commands sent too, and connection events
(a lost pod is retried with backoff until the session ends; the gap shows in its
sample index).  The session ends after its duration or when the caller sets ``stop``.
The monotonic clock and the transports are injectable for tests.

When the disk is full (or the medium fails) the recording goes on: records wait in
memory, in order, and are written as soon as a retry (every ``WRITE_RETRY_S``)
succeeds; the user is told when writing stops and when it resumes, and the session
gets a ``write resumed`` event saying how long records were held.  Records that can
still not be written when the session ends are saved to a rescue session file in the
temporary directory and reported (:class:`firmware_bridge.errors.SessionWriteError`); a
backlog over ``BACKLOG_MAX_BYTES`` ends the recording, since nothing more could be kept.
"""
from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from gaitcore import __version__

from .errors import SessionWriteError, TransportError
from .session_file import KIND_EVENT, KIND_RX, KIND_TX, Record, SessionWriter
from .transports import Transport, open_transport

if TYPE_CHECKING:
    from .transports.ble import LinkQuality

SESSION_POD = 255    # the 'pod' of session-level records (what the live display showed)

BACKOFF_S = (0.2, 0.5, 1.0, 2.0)
STOP_WAIT_S = 0.3    # reading on after 'stop', for the pod's answer
FIRST_ATTEMPTS = 3   # a pod never reached after this many tries is given up (a lost one is retried to the end)
WRITE_RETRY_S = 1.0  # a failed session write is retried this often
BACKLOG_MAX_BYTES = 512 << 20   # records held in memory while the disk is full (2 pods at 1 kHz: ~2 hours)


@dataclass
class PodReport:
    name: str
    url: str
    bytes_received: int = 0
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)
    link: LinkQuality | None = None     # the transport's link_quality() at the end, if it reports one


@dataclass
class _DiskState:
    """The session file's writes while the disk refuses them."""

    failed_ns: int | None = None      # when the writes began to fail (None: they succeed)
    retry_ns: int = 0                 # the next attempt
    held_bytes: int = 0               # payload bytes held in memory
    error: SessionWriteError | None = None   # the last failure


Tap = Callable[[Record], list[dict]]     # the live analysis: a record in, what the display showed out


async def record_session(pods: list[tuple[str, str]], duration_s: float, out: str | Path, meta: dict | None = None,
                         opener: Callable[[str], Transport] = open_transport,
                         clock_ns: Callable[[], int] = time.monotonic_ns,
                         on_event: Callable[[str], None] | None = None,
                         make_tap: Callable[[dict], Tap] | None = None,
                         stop: asyncio.Event | None = None) -> list[PodReport]:
    """Stream ``pods`` ([(name, url)]) for ``duration_s`` into a new session file ``out``;
    setting ``stop`` ends the session sooner (each pod is then stopped as at the end of
    its duration: 'stop' sent, its answer read, the link's quality recorded).

    ``make_tap`` (live analysis) is called with the session's metadata before the file
    is created (so a refusal leaves no file) and returns the tap: it sees every record
    right after it is written, and what it returns (what the live display showed) is
    written to the session as ``shown`` events of pod ``SESSION_POD``, so a replay can
    be checked against it."""
    transports = [opener(url) for _, url in pods]
    info = {"software": f"sprintgait {__version__}", "started_utc": datetime.now(timezone.utc).isoformat(),
            "duration_s": duration_s, **(meta or {}),
            "pods": [{"name": name, "url": url, "placement": name, **tr.device.header()}
                     for (name, url), tr in zip(pods, transports)]}
    tap = make_tap(info) if make_tap is not None else None
    writer = SessionWriter.create(out, info)
    t0_ns = clock_ns()
    recorder = SessionRecorder(writer, info, transports, [PodReport(name, url) for name, url in pods], t0_ns,
                               t0_ns + int(duration_s * 1e9), clock_ns, on_event or _untold, tap, stop)
    return await recorder.run()


def _untold(message: str) -> None:
    """Where messages go when the caller takes none."""


@dataclass(eq=False)
class SessionRecorder:
    """One session being recorded into ``writer``: a receive loop per pod, reconnecting
    with backoff, and the records the disk has not taken yet (``held``, oldest first).
    Times are of ``clock_ns``; a record's time counts from ``t0_ns``."""

    writer: SessionWriter
    info: dict                          # the session's metadata (a rescue file's too)
    transports: list[Transport]         # one per pod, in the order of the session's pods
    reports: list[PodReport]            # what happened to each
    t0_ns: int
    deadline_ns: int                    # the session's end (a full memory backlog brings it forward)
    clock_ns: Callable[[], int]
    tell: Callable[[str], None]         # what the user is told
    tap: Tap | None = None              # the live analysis (None: none, or it failed and was stopped)
    stop: asyncio.Event | None = None   # set by the caller: the session ends now
    held: deque[Record] = field(default_factory=deque)
    disk: _DiskState = field(default_factory=_DiskState)
    given_up: set[int] = field(default_factory=set)   # pods never reached

    async def run(self) -> list[PodReport]:
        """Record until the session ends; the reports, or SessionWriteError naming the
        rescue file when records could not be written."""
        try:
            await asyncio.gather(*(self._pod(k) for k in range(len(self.transports))))
        finally:
            self._flush(self.clock_ns(), force=True)
            _close(self.writer, self.held)
        if self.held:
            err = self.disk.error
            raise SessionWriteError(self.writer.path, err.__cause__ or OSError(err.strerror), len(self.held),
                                    _rescue(self.writer.path, self.info, self.held))
        return self.reports

    def _flush(self, now_ns: int, force: bool = False) -> None:
        """Write the held records (unless the disk failed and its retry is not due)."""
        disk = self.disk
        if disk.failed_ns is not None and not force and now_ns < disk.retry_ns:
            return
        while self.held:
            try:
                _write(self.writer, self.held[0])
            except SessionWriteError as err:
                if disk.failed_ns is None:
                    disk.failed_ns = now_ns
                    self.tell(f"{self.writer.path}: cannot write ({err.strerror}); the recording goes on in memory "
                              f"and is written when there is room again: free some space")
                disk.retry_ns, disk.error = now_ns + int(WRITE_RETRY_S * 1e9), err
                if disk.held_bytes > BACKLOG_MAX_BYTES and self.deadline_ns > now_ns:
                    self.deadline_ns = now_ns
                    self.tell(f"{self.writer.path}: {disk.held_bytes >> 20} MB held in memory; recording stopped")
                return
            disk.held_bytes -= len(self.held.popleft().payload)
        if disk.failed_ns is not None:
            held_s = (now_ns - disk.failed_ns) * 1e-9
            disk.failed_ns = None
            self.tell(f"{self.writer.path}: writing again; the {held_s:.1f} s held in memory are saved")
            self._store(Record(KIND_EVENT, SESSION_POD, now_ns - self.t0_ns,
                               json.dumps({"event": "write resumed", "held_s": round(held_s, 3)}).encode()))

    def _store(self, rec: Record) -> None:
        """Hold ``rec`` for the file and write what the disk takes."""
        self.held.append(rec)
        self.disk.held_bytes += len(rec.payload)
        self._flush(rec.t_ns + self.t0_ns)

    def _put(self, rec: Record) -> None:
        """Store ``rec`` and show it to the live analysis, storing what that showed."""
        self._store(rec)
        if self.tap is None:
            return
        try:
            shown = self.tap(rec)
        except Exception as err:   # noqa: BLE001 - the recording must outlive a failing display
            self.tap = None
            self.tell(f"live analysis stopped ({type(err).__name__}: {err}); recording goes on")
            return
        for item in shown:
            self._store(Record(KIND_EVENT, SESSION_POD, self.clock_ns() - self.t0_ns,
                               json.dumps({"event": "shown", "item": item}, sort_keys=True).encode()))

    def _ending(self, now_ns: int) -> bool:
        return now_ns >= self.deadline_ns or (self.stop is not None and self.stop.is_set())

    def _event(self, k: int, what: str, **fields) -> None:
        self._put(Record(KIND_EVENT, k, self.clock_ns() - self.t0_ns,
                         json.dumps({"event": what, **fields}, sort_keys=True).encode()))

    def _receiving(self, until_ns: int | None) -> bool:
        now_ns = self.clock_ns()
        return not self._ending(now_ns) if until_ns is None else now_ns < until_ns

    async def _receive(self, k: int, until_ns: int | None) -> None:
        """Record what pod ``k`` sends until ``until_ns`` (None: the session's end, which a
        full memory backlog or ``stop`` brings forward)."""
        tr, rep = self.transports[k], self.reports[k]
        while self._receiving(until_ns):
            data = await tr.read()
            if data:
                # a BLE transport stamps each notification in its callback: closer to the
                # radio than the moment read() hands it over
                stamped = tr.last_receipt_ns if self.clock_ns is time.monotonic_ns else 0
                self._put(Record(KIND_RX, k, (stamped or self.clock_ns()) - self.t0_ns, bytes(data)))
                rep.bytes_received += len(data)

    async def _send(self, k: int, command: bytes | None) -> None:
        """Send pod ``k`` a command of its device's (None: its device takes none) and record it."""
        if command is not None:
            await self.transports[k].write(command)
            self._store(Record(KIND_TX, k, self.clock_ns() - self.t0_ns, command))

    async def _pod(self, k: int) -> None:
        """Pod ``k`` until the session ends: connect, start, record, stop; a lost link is
        retried with backoff, a pod never reached in ``FIRST_ATTEMPTS`` is given up."""
        tr, rep = self.transports[k], self.reports[k]
        attempt = 0
        connected_once = False
        while not self._ending(self.clock_ns()):
            if not connected_once and attempt >= FIRST_ATTEMPTS:
                self._event(k, "given up", attempts=attempt)
                self.given_up.add(k)
                self.tell(f"{rep.name}: not reached after {attempt} attempts" +
                          ("; recording the other pods" if len(self.given_up) < len(self.transports) else ""))
                return
            try:
                await tr.open()
                connected_once = True
                self._event(k, "connected", url=rep.url, **tr.device_info)
                await self._send(k, tr.device.start_command(1))
                attempt = 0
                await self._receive(k, None)
                await self._send(k, tr.device.stop_command(2))
                # the answer says how many samples the pod took: frames lost at the very end show
                await self._receive(k, self.clock_ns() + int(STOP_WAIT_S * 1e9))
                rep.link = tr.link_quality()
                if rep.link is not None:
                    self._event(k, "link", **asdict(rep.link))
            except TransportError as err:
                rep.errors.append(str(err))
                self._event(k, "disconnected", error=str(err))
                self.tell(f"{rep.name}: {err}; retrying")
                rep.reconnects += 1
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
                attempt += 1
            finally:
                await tr.close()


def _write(writer: SessionWriter, rec: Record) -> None:
    writer.record(rec.kind, rec.pod, rec.t_ns, rec.payload)


def _close(writer: SessionWriter, held: deque[Record]) -> None:
    try:
        writer.close()
    except OSError as err:     # the last flush to the disk failed: what the OS could not keep is unknown
        raise SessionWriteError(writer.path, err, len(held)) from err


def _rescue(path: Path, info: dict, held: deque[Record]) -> Path | None:
    """The records the session file could not take, as a session of their own in the
    temporary directory (often another file system); None if that fails too."""
    rescue = Path(tempfile.gettempdir()) / f"{Path(path).stem}.unsaved-{os.getpid()}.podses"
    try:
        w = SessionWriter.create(rescue, {**info, "rescued_from": str(path)})
    except OSError:
        return None
    try:
        for rec in held:
            _write(w, rec)
        w.close()
    except (OSError, SessionWriteError):
        w.close_quietly()
        rescue.unlink(missing_ok=True)
        return None
    return rescue
