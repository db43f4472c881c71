"""Bluetooth LE transport (bleak, imported here only, inside the functions that use it).

``ble://NAME-or-ADDRESS[?timeout=S]``: scan for the pod by its address or advertised
name (``ble://`` alone takes the first pod advertising the podwire service), connect,
check the negotiated ATT MTU (podwire needs >= 185, see ``PROTOCOL.md``) and subscribe
to the data characteristic.  One read returns one notification, i.e. one frame.  The
notification callback only stamps the arrival time and queues the bytes; decoding
happens downstream.  A dropped link makes :meth:`BleTransport.read` raise
:class:`~gaitcore.errors.TransportError` ("... disconnected ...") once the notifications
received before it have been read, so the recorder's retry loop reconnects.
"""
from __future__ import annotations

import asyncio
import collections
import re
import time
import weakref
from contextlib import suppress
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs, unquote

from gaitcore.errors import TransportError, UsageError

from ..protocol import MIN_MTU
from . import Transport

SERVICE_UUID = "7f0a0001-5b1e-4b5e-9a3c-2f6d5c0e1a00"
DATA_UUID = "7f0a0002-5b1e-4b5e-9a3c-2f6d5c0e1a00"
COMMAND_UUID = "7f0a0003-5b1e-4b5e-9a3c-2f6d5c0e1a00"
DEFAULT_TIMEOUT_S = 10.0    # for the whole of open(): scan, connect, service discovery, subscribe
QUIET_S = 0.05              # read() returns b"" after this long without a notification
RATE_WINDOW_S = 5.0
MTU_SETTLE_S = 1.0          # BlueZ may publish the exchanged MTU a moment after connecting
ATT_HEADER = 3
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
_APPLE_ID = re.compile(r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")   # CoreBluetooth's address
_FIX_RANGE = "switch the pod on, bring it within a few metres and check the name or address (gait devices scan)"


@dataclass(frozen=True)
class LinkQuality:
    rssi_dbm: int | None          # from the last advertisement seen (BlueZ reports none while connected)
    notifications: int            # received over every connection of this transport
    notifications_per_s: float    # over the last 5 s (or since connecting, if sooner)
    reconnects: int               # connections made after the first
    mtu: int | None = None


@dataclass(frozen=True)
class PodAdvert:
    """A device in range: ``kind`` is ``podwire``, ``rsc`` (Running Speed and Cadence) or
    ``movesense``; ``services`` the service UUIDs it advertises."""

    name: str | None
    address: str
    rssi_dbm: int | None
    services: tuple[str, ...]
    kind: str


class _LinkLost:
    """Queued after the last notification of a link that dropped."""


_LINK_LOST = _LinkLost()


def parse_url(url: str) -> tuple[str, float]:
    """(name or address, "" for any pod; timeout s) of a ``ble://`` URL."""
    if not url.startswith("ble://"):
        raise UsageError(f"{url!r} is not a ble:// URL; write ble://NAME or ble://AA:BB:CC:DD:EE:FF")
    rest, _, query = url[len("ble://"):].partition("?")
    target = unquote(rest.strip("/"))
    timeout = DEFAULT_TIMEOUT_S
    for key, values in parse_qs(query, keep_blank_values=True).items():
        if key != "timeout":
            raise UsageError(f"unknown option {key!r} in {url!r}; the only one is ?timeout=SECONDS")
        try:
            timeout = float(values[-1])
        except ValueError:
            timeout = -1.0
        if not 0.0 < timeout < 3600.0:
            raise UsageError(f"timeout {values[-1]!r} in {url!r} is not a number of seconds above 0")
    return target, timeout


def _is_address(target: str) -> bool:
    return bool(_MAC.match(target) or _APPLE_ID.match(target))


class BleTransport(Transport):
    framing = "notification"

    def __init__(self, url: str):
        self.url = url
        self.target, self.timeout_s = parse_url(url)
        self._client = None
        self._data_char = self._cmd_char = None
        self._queue: asyncio.Queue | None = None    # set while open
        self._attempt: object | None = None
        self._lost: str | None = None     # why the current link is gone
        self._closing = False
        self._notifying = False
        self._mtu: int | None = None
        self._rssi: int | None = None
        self._connections = 0
        self._received = 0
        self._recent: collections.deque[int] = collections.deque()   # receipt times (monotonic ns)
        self._connected_ns = 0
        self.last_receipt_ns = 0          # time.monotonic_ns() when the last notification read arrived

    def _describe(self) -> str:
        if not self.target:
            return "a pod advertising the podwire service"
        return f"pod {'at ' if _is_address(self.target) else ''}{self.target!r}"

    def _matches(self, device, adv) -> bool:
        if not self.target:
            return SERVICE_UUID in {u.lower() for u in (adv.service_uuids or [])}
        if _is_address(self.target):
            return device.address.lower() == self.target.lower()
        return self.target in (adv.local_name, device.name)

    async def open(self) -> None:
        if self._client is not None:
            if self._lost is None:
                return
            await self.close()              # the old link is gone: connect afresh
        from bleak import BleakClient
        from bleak.exc import BleakError

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        queue: asyncio.Queue = asyncio.Queue()
        attempt = self._attempt = object()      # callbacks of an older connection must not touch this one
        self._queue, self._lost, self._closing, self._mtu = None, None, False, None

        scanning: list[bool] = []
        try:
            device, adv = await asyncio.wait_for(_scan_hub().find(self._matches, scanning), self.timeout_s)
        except asyncio.TimeoutError:
            if not scanning:
                raise TransportError(self.url, f"Bluetooth did not start scanning within {self.timeout_s:g} s",
                                     "check that bluetoothd runs and the adapter is powered") from None
            raise TransportError(self.url, f"no {self._describe()} found within {self.timeout_s:g} s",
                                 _FIX_RANGE) from None
        except Exception as err:         # no adapter, adapter off, no BlueZ, D-Bus refused
            raise TransportError(self.url, f"Bluetooth is not available ({_first_line(err)})",
                                 "check that the adapter is present and powered and that bluetoothd runs") from None
        self._rssi = adv.rssi

        def on_disconnect(_client) -> None:
            if self._attempt is attempt and not self._closing and self._lost is None:
                self._lost = "the pod disconnected (link lost)"
                queue.put_nowait(_LINK_LOST)

        remaining = max(0.1, deadline - loop.time())
        client = BleakClient(device, disconnected_callback=on_disconnect, services=[SERVICE_UUID], timeout=remaining)
        try:
            # bleak enforces the timeout itself (and cancels the attempt); ours only backs it up
            await asyncio.wait_for(client.connect(), remaining + 2.0)
        except Exception as err:
            with suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 2.0)
            if isinstance(err, asyncio.TimeoutError):
                raise TransportError(self.url, f"{self._describe()} did not answer the connection request within "
                                     f"{self.timeout_s:g} s", "bring the pod closer, check its battery or restart "
                                     "it; a slow link may need a longer ?timeout=S") from None
            fix = ("restart the pod, or remove it from the system's Bluetooth devices and retry"
                   if isinstance(err, BleakError) else "check that bluetoothd runs")
            raise TransportError(self.url, f"cannot connect to {self._describe()} ({_first_line(err)})", fix) from None
        self._client = client
        try:
            await self._subscribe(client, deadline, queue)
        except BaseException:
            await self.close()
            raise
        self._queue = queue
        self._connections += 1
        self._connected_ns = time.monotonic_ns()

    async def _subscribe(self, client, deadline: float, queue: asyncio.Queue) -> None:
        loop = asyncio.get_running_loop()
        services = client.services
        data = services.get_characteristic(DATA_UUID)
        cmd = services.get_characteristic(COMMAND_UUID)
        if data is None or cmd is None or "notify" not in data.properties:
            raise TransportError(self.url, "the device has no podwire data and command characteristics",
                                 "check that the URL names a podwire foot pod (gait devices scan lists them)")
        self._data_char, self._cmd_char = data, cmd
        mtu = await self._negotiated_mtu(client, data, min(deadline, loop.time() + MTU_SETTLE_S))
        self._mtu = mtu
        if mtu is None:
            raise TransportError(self.url, "cannot read the negotiated ATT MTU from BlueZ (older than 5.62?)",
                                 "update BlueZ to 5.62 or later so that the MTU (>= 185) can be checked")
        if mtu < MIN_MTU:
            raise TransportError(self.url, f"negotiated ATT MTU {mtu} is below the {MIN_MTU} podwire needs (a 1 kHz "
                                 f"pod cannot stream in smaller notifications)",
                                 f"enable data length extension / request MTU >= {MIN_MTU} in the pod firmware "
                                 f"(and use an adapter that supports it)")

        def on_notification(_char, payload: bytearray) -> None:
            queue.put_nowait((time.monotonic_ns(), payload))    # nothing else here: decoding is downstream

        try:
            await asyncio.wait_for(client.start_notify(data, on_notification), max(0.1, deadline - loop.time()))
            self._notifying = True
        except asyncio.TimeoutError:
            raise TransportError(self.url, "the pod did not confirm notifications in time",
                                 "restart the pod and retry") from None
        except Exception as err:
            raise TransportError(self.url, f"cannot subscribe to the pod's data ({_first_line(err)})",
                                 "restart the pod and retry") from None

    async def _negotiated_mtu(self, client, data_char, settle_until: float) -> int | None:
        """The ATT MTU BlueZ negotiated (its characteristic ``MTU`` property, BlueZ >=
        5.62, as bleak's ``max_write_without_response_size`` + 3).  23 (the default) may
        be stale for a moment after connecting, so it is re-read until ``settle_until``."""
        loop = asyncio.get_running_loop()
        details = data_char.obj[1] if isinstance(getattr(data_char, "obj", None), tuple) else None
        if isinstance(details, dict) and "MTU" not in details:
            # BlueZ < 5.62 has no MTU property: bleak's documented work-around (AcquireNotify)
            acquire = getattr(getattr(client, "_backend", None), "_acquire_mtu", None)
            if acquire is None:
                return None
            try:
                await acquire()
            except Exception:
                return None
            return int(client.mtu_size)
        mtu = data_char.max_write_without_response_size + ATT_HEADER
        while mtu <= 23 and loop.time() < settle_until:
            await asyncio.sleep(0.05)
            mtu = data_char.max_write_without_response_size + ATT_HEADER
        return mtu

    def _link_lost(self) -> TransportError:
        return TransportError(self.url, self._lost or "not connected",
                              "reconnect (gait record does by itself); if it repeats, bring the pod closer or "
                              "check its battery")

    async def read(self) -> bytes:
        queue = self._queue
        if queue is None:
            raise TransportError(self.url, "not connected", "open the transport first")
        if self._lost is not None and queue.empty():
            raise self._link_lost()
        try:
            item = queue.get_nowait()
        except asyncio.QueueEmpty:
            try:
                item = await asyncio.wait_for(queue.get(), QUIET_S)
            except asyncio.TimeoutError:
                return b""
        if item is _LINK_LOST:
            raise self._link_lost()
        t_ns, payload = item
        self._received += 1
        self.last_receipt_ns = t_ns
        self._recent.append(t_ns)
        return bytes(payload)

    async def write(self, data: bytes) -> None:
        client = self._client
        if client is None:
            raise TransportError(self.url, "not connected", "open the transport first")
        if self._lost is not None or not client.is_connected:
            raise self._link_lost()
        try:
            await asyncio.wait_for(client.write_gatt_char(self._cmd_char, bytes(data), response=True), self.timeout_s)
        except asyncio.TimeoutError:
            raise TransportError(self.url, f"the pod did not acknowledge a command within {self.timeout_s:g} s "
                                 "(disconnected?)", "reconnect; if it repeats, restart the pod") from None
        except Exception as err:
            if self._lost is not None:
                raise self._link_lost() from None
            raise TransportError(self.url, f"command write failed ({_first_line(err)}); the pod may have "
                                 "disconnected", "reconnect; if it repeats, restart the pod") from None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        self._closing = True
        try:
            if self._notifying and client.is_connected:
                with suppress(Exception):
                    await asyncio.wait_for(client.stop_notify(self._data_char), 2.0)
            with suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 5.0)
        finally:
            self._data_char = self._cmd_char = None
            self._notifying = False
            self._queue = None

    def link_quality(self) -> LinkQuality:
        now = time.monotonic_ns()
        window = int(RATE_WINDOW_S * 1e9)
        while self._recent and self._recent[0] < now - window:
            self._recent.popleft()
        span_s = RATE_WINDOW_S
        if self._connected_ns:          # connected less than 5 s ago: the rate since then
            span_s = min(RATE_WINDOW_S, max(1e-3, (now - self._connected_ns) * 1e-9))
        return LinkQuality(self._rssi, self._received, round(len(self._recent) / span_s, 2),
                           max(0, self._connections - 1), self._mtu)


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


class _ScanHub:
    """One BleakScanner per event loop, shared by every transport looking for its pod:
    bluetoothd allows one discovery session per D-Bus client and bleak's BlueZ backend
    has one D-Bus connection per event loop, so a second BleakScanner started while one
    runs (two pods opening at once) would fail with org.bluez.Error.InProgress."""

    def __init__(self) -> None:
        self._waiters: list[tuple[Callable, asyncio.Future]] = []
        self._scanner = None
        self._lock = asyncio.Lock()

    def _offer(self, device, adv) -> None:
        for match, found in self._waiters:
            if not found.done() and match(device, adv):
                found.set_result((device, adv))

    async def find(self, match: Callable, scanning: list) -> tuple:
        """(BLEDevice, AdvertisementData) of the first device ``match`` accepts (cancel to give
        up); appends True to ``scanning`` once the adapter scans."""
        from bleak import BleakScanner
        found = asyncio.get_running_loop().create_future()
        entry = (match, found)
        self._waiters.append(entry)
        try:
            async with self._lock:
                if self._scanner is None:
                    scanner = BleakScanner(self._offer)
                    await scanner.start()
                    self._scanner = scanner
                else:       # already scanning for another pod: it may have been seen already
                    for device, adv in self._scanner.discovered_devices_and_advertisement_data.values():
                        self._offer(device, adv)
                scanning.append(True)
            return await found
        finally:
            self._waiters.remove(entry)
            async with self._lock:
                if not self._waiters and self._scanner is not None:
                    scanner, self._scanner = self._scanner, None
                    with suppress(Exception):
                        await asyncio.wait_for(scanner.stop(), 2.0)


_HUBS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _ScanHub]" = weakref.WeakKeyDictionary()


def _scan_hub() -> _ScanHub:
    loop = asyncio.get_running_loop()
    hub = _HUBS.get(loop)
    if hub is None:
        hub = _HUBS[loop] = _ScanHub()
    return hub


def _kind(name: str | None, uuids: set[str]) -> str | None:
    from ..devices import movesense, rsc
    if SERVICE_UUID in uuids:
        return "podwire"
    if movesense.SERVICE_UUID in uuids or (name or "").startswith("Movesense"):
        return "movesense"
    if rsc.SERVICE_UUID in uuids:
        return "rsc"
    return None


async def scan_pods(timeout_s: float = 5.0) -> list[PodAdvert]:
    """Pods in range (podwire, Running Speed and Cadence, Movesense), strongest first."""
    from bleak import BleakScanner
    try:
        seen = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except Exception as err:
        raise TransportError("ble://", f"cannot scan ({_first_line(err)})",
                             "check that the adapter is present and powered and that bluetoothd runs") from None
    out = []
    for device, adv in seen.values():
        uuids = {u.lower() for u in adv.service_uuids or []}
        name = adv.local_name or device.name
        kind = _kind(name, uuids)
        if kind is not None:
            out.append(PodAdvert(name, device.address, adv.rssi, tuple(sorted(uuids)), kind))
    return sorted(out, key=lambda p: -(p.rssi_dbm if p.rssi_dbm is not None else -999))
