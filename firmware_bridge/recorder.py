"""Record several pods at once into a session file (asyncio, one task per pod).

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
from typing import Callable

from gaitcore import __version__

from .errors import SessionWriteError, TransportError
from .session_file import KIND_EVENT, KIND_RX, KIND_TX, Record, SessionWriter
from .transports import Transport, open_transport

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
    link: object | None = None     # the transport's link_quality() at the end, if it reports one


@dataclass
class _DiskState:
    """The session file's writes while the disk refuses them."""

    failed_ns: int | None = None      # when the writes began to fail (None: they succeed)
    retry_ns: int = 0                 # the next attempt
    held_bytes: int = 0               # payload bytes held in memory
    error: SessionWriteError | None = None   # the last failure


async def record_session(pods: list[tuple[str, str]], duration_s: float, out: str | Path, meta: dict | None = None,
                         opener: Callable[[str], Transport] = open_transport,
                         clock_ns: Callable[[], int] = time.monotonic_ns,
                         on_event: Callable[[str], None] | None = None,
                         make_tap: Callable[[dict], Callable[[Record], list[dict]]] | None = None,
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
    t0 = clock_ns()
    deadline = t0 + int(duration_s * 1e9)
    reports = [PodReport(name, url) for name, url in pods]
    tell = on_event or (lambda msg: None)
    held: deque = deque()        # records not yet in the file, oldest first
    disk = _DiskState()

    def flush(now_ns: int, force: bool = False) -> None:
        nonlocal deadline
        if disk.failed_ns is not None and not force and now_ns < disk.retry_ns:
            return
        while held:
            try:
                writer.record(*held[0])
            except SessionWriteError as err:
                if disk.failed_ns is None:
                    disk.failed_ns = now_ns
                    tell(f"{writer.path}: cannot write ({err.strerror}); the recording goes on in memory and "
                         f"is written when there is room again: free some space")
                disk.retry_ns, disk.error = now_ns + int(WRITE_RETRY_S * 1e9), err
                if disk.held_bytes > BACKLOG_MAX_BYTES and deadline > now_ns:
                    deadline = now_ns
                    tell(f"{writer.path}: {disk.held_bytes >> 20} MB held in memory; recording stopped")
                return
            disk.held_bytes -= len(held.popleft()[3])
        if disk.failed_ns is not None:
            held_s = (now_ns - disk.failed_ns) * 1e-9
            disk.failed_ns = None
            tell(f"{writer.path}: writing again; the {held_s:.1f} s held in memory are saved")
            store(KIND_EVENT, SESSION_POD, now_ns - t0,
                  json.dumps({"event": "write resumed", "held_s": round(held_s, 3)}).encode())

    def store(kind: int, k: int, t_ns: int, payload: bytes) -> None:
        held.append((kind, k, t_ns, payload))
        disk.held_bytes += len(payload)
        flush(t_ns + t0)

    def put(kind: int, k: int, t_ns: int, payload: bytes) -> None:
        store(kind, k, t_ns, payload)
        nonlocal tap
        if tap is not None:
            try:
                shown = tap(Record(kind, k, t_ns, payload))
            except Exception as err:   # noqa: BLE001 - the recording must outlive a failing display
                tap = None
                tell(f"live analysis stopped ({type(err).__name__}: {err}); recording goes on")
                return
            for item in shown:
                store(KIND_EVENT, SESSION_POD, clock_ns() - t0,
                      json.dumps({"event": "shown", "item": item}, sort_keys=True).encode())

    def ending(now_ns: int) -> bool:
        return now_ns >= deadline or (stop is not None and stop.is_set())

    def event(k: int, what: str, **fields) -> None:
        put(KIND_EVENT, k, clock_ns() - t0, json.dumps({"event": what, **fields}, sort_keys=True).encode())

    async def receive(k: int, until_ns: int | None) -> None:
        """Record what pod ``k`` sends until ``until_ns`` (None: the session's end, which a
        full memory backlog or ``stop`` brings forward)."""
        tr, rep = transports[k], reports[k]

        def going() -> bool:
            return not ending(clock_ns()) if until_ns is None else clock_ns() < until_ns

        while going():
            data = await tr.read()
            if data:
                # a BLE transport stamps each notification in its callback: closer to the
                # radio than the moment read() hands it over
                stamped = getattr(tr, "last_receipt_ns", None) if clock_ns is time.monotonic_ns else None
                put(KIND_RX, k, (stamped or clock_ns()) - t0, bytes(data))
                rep.bytes_received += len(data)

    async def send(k: int, command: bytes | None) -> None:
        """Send pod ``k`` a command of its device's (None: its device takes none) and record it."""
        if command is not None:
            await transports[k].write(command)
            store(KIND_TX, k, clock_ns() - t0, command)

    given_up: set = set()

    async def run(k: int) -> None:
        tr, rep = transports[k], reports[k]
        attempt = 0
        connected_once = False
        while not ending(clock_ns()):
            if not connected_once and attempt >= FIRST_ATTEMPTS:
                event(k, "given up", attempts=attempt)
                given_up.add(k)
                tell(f"{rep.name}: not reached after {attempt} attempts" +
                     ("; recording the other pods" if len(given_up) < len(pods) else ""))
                return
            try:
                await tr.open()
                connected_once = True
                event(k, "connected", url=rep.url, **getattr(tr, "device_info", {}))
                await send(k, tr.device.start_command(1))
                attempt = 0
                await receive(k, None)
                await send(k, tr.device.stop_command(2))
                # the answer says how many samples the pod took: frames lost at the very end show
                await receive(k, clock_ns() + int(STOP_WAIT_S * 1e9))
                if hasattr(tr, "link_quality"):
                    rep.link = tr.link_quality()
                    event(k, "link", **asdict(rep.link))
            except TransportError as err:
                rep.errors.append(str(err))
                event(k, "disconnected", error=str(err))
                tell(f"{rep.name}: {err}; retrying")
                rep.reconnects += 1
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
                attempt += 1
            finally:
                await tr.close()

    try:
        await asyncio.gather(*(run(k) for k in range(len(pods))))
    finally:
        flush(clock_ns(), force=True)
        _close(writer, held)
    if held:
        raise SessionWriteError(writer.path, disk.error.__cause__ or OSError(disk.error.strerror),
                                len(held), _rescue(writer.path, info, held))
    return reports


def _close(writer: SessionWriter, held: deque) -> None:
    try:
        writer.close()
    except OSError as err:     # the last flush to the disk failed: what the OS could not keep is unknown
        raise SessionWriteError(writer.path, err, len(held)) from err


def _rescue(path: Path, info: dict, held: deque) -> Path | None:
    """The records the session file could not take, as a session of their own in the
    temporary directory (often another file system); None if that fails too."""
    rescue = Path(tempfile.gettempdir()) / f"{Path(path).stem}.unsaved-{os.getpid()}.podses"
    try:
        w = SessionWriter.create(rescue, {**info, "rescued_from": str(path)})
    except OSError:
        return None
    try:
        for rec in held:
            w.record(*rec)
        w.close()
    except (OSError, SessionWriteError):
        w.close_quietly()
        rescue.unlink(missing_ok=True)
        return None
    return rescue
