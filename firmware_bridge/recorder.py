"""Record several pods at once into a session file (asyncio, one task per pod).

Every byte received is written with its host receipt time as soon as it arrives
(:mod:`firmware_bridge.session_file`), the commands sent too, and connection events
(a lost pod is retried with backoff until the session ends; the gap shows in its
sample index).  The monotonic clock and the transports are injectable for tests.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from gaitcore import __version__
from gaitcore.errors import TransportError

from .protocol import Command, CommandFrame, encode, serial_bytes
from .session_file import KIND_EVENT, KIND_RX, Record, SessionWriter
from .transports import Transport, open_transport

SESSION_POD = 255    # the 'pod' of session-level records (what the live display showed)

BACKOFF_S = (0.2, 0.5, 1.0, 2.0)
STOP_WAIT_S = 0.3    # reading on after 'stop', for the pod's answer
FIRST_ATTEMPTS = 3   # a pod never reached after this many tries is given up (a lost one is retried to the end)


@dataclass
class PodReport:
    name: str
    url: str
    bytes_received: int = 0
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)
    link: object | None = None     # the transport's link_quality() at the end, if it reports one


def _command(transport: Transport, seq: int, command: Command) -> bytes:
    frame = CommandFrame(seq, command)
    return serial_bytes(frame) if transport.framing == "cobs" else encode(frame)


async def record_session(pods: list[tuple[str, str]], duration_s: float, out: str | Path, meta: dict | None = None,
                         opener: Callable[[str], Transport] = open_transport,
                         clock_ns: Callable[[], int] = time.monotonic_ns,
                         on_event: Callable[[str], None] | None = None,
                         make_tap: Callable[[dict], Callable[[Record], list[dict]]] | None = None
                         ) -> list[PodReport]:
    """Stream ``pods`` ([(name, url)]) for ``duration_s`` into a new session file ``out``.

    ``make_tap`` (live analysis) is called with the session's metadata before the file
    is created (so a refusal leaves no file) and returns the tap: it sees every record
    right after it is written, and what it returns (what the live display showed) is
    written to the session as ``shown`` events of pod ``SESSION_POD``, so a replay can
    be checked against it."""
    transports = [opener(url) for _, url in pods]
    info = {"software": f"sprintgait {__version__}", "started_utc": datetime.now(timezone.utc).isoformat(),
            "duration_s": duration_s, **(meta or {}),
            "pods": [{"name": name, "url": url, "placement": name, "framing": tr.framing, **getattr(tr, "meta", {})}
                     for (name, url), tr in zip(pods, transports)]}
    tap = make_tap(info) if make_tap is not None else None
    writer = SessionWriter.create(out, info)
    t0 = clock_ns()
    deadline = t0 + int(duration_s * 1e9)
    reports = [PodReport(name, url) for name, url in pods]
    tell = on_event or (lambda msg: None)

    def put(kind: int, k: int, t_ns: int, payload: bytes) -> None:
        writer.record(kind, k, t_ns, payload)
        nonlocal tap
        if tap is not None:
            try:
                shown = tap(Record(kind, k, t_ns, payload))
            except Exception as err:   # noqa: BLE001 - the recording must outlive a failing display
                tap = None
                tell(f"live analysis stopped ({type(err).__name__}: {err}); recording goes on")
                return
            for item in shown:
                writer.record(KIND_EVENT, SESSION_POD, clock_ns() - t0,
                              json.dumps({"event": "shown", "item": item}, sort_keys=True).encode())

    def event(k: int, what: str, **fields) -> None:
        put(KIND_EVENT, k, clock_ns() - t0, json.dumps({"event": what, **fields}, sort_keys=True).encode())

    async def receive(k: int, until_ns: int) -> None:
        """Record what pod ``k`` sends until ``until_ns``."""
        tr, rep = transports[k], reports[k]
        while clock_ns() < until_ns:
            data = await tr.read()
            if data:
                # a BLE transport stamps each notification in its callback: closer to the
                # radio than the moment read() hands it over
                stamped = getattr(tr, "last_receipt_ns", None) if clock_ns is time.monotonic_ns else None
                put(KIND_RX, k, (stamped or clock_ns()) - t0, bytes(data))
                rep.bytes_received += len(data)

    async def run(k: int) -> None:
        tr, rep = transports[k], reports[k]
        attempt = 0
        connected_once = False
        while clock_ns() < deadline:
            if not connected_once and attempt >= FIRST_ATTEMPTS:
                event(k, "given up", attempts=attempt)
                tell(f"{rep.name}: not reached after {attempt} attempts; recording the other pods")
                return
            try:
                await tr.open()
                connected_once = True
                event(k, "connected", url=rep.url, **getattr(tr, "device_info", {}))
                start = _command(tr, 1, Command.START)
                await tr.write(start)
                writer.tx(k, clock_ns() - t0, start)
                attempt = 0
                await receive(k, deadline)
                stop = _command(tr, 2, Command.STOP)
                await tr.write(stop)
                writer.tx(k, clock_ns() - t0, stop)
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
        writer.close()
    return reports
