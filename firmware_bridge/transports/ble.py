"""Bluetooth LE transport (bleak, imported here only, inside the functions that use it).

``ble://NAME-or-ADDRESS[?timeout=S][&device=podwire|movesense|rsc][&...]``: scan for the
device by its address or advertised name (``ble://`` alone takes the first one
advertising the profile's service), connect and subscribe.  One read returns one
notification.  The notification callback only stamps the arrival time and queues the
bytes; decoding happens downstream (:mod:`firmware_bridge.assemble`).  A dropped link
makes :meth:`BleTransport.read` raise :class:`~firmware_bridge.errors.TransportError`
("... disconnected ...") once the notifications received before it have been read, so
the recorder's retry loop reconnects.

``device=`` picks the device, a BLE kind of the device registry
(:func:`firmware_bridge.devices.parse_ble_url`), with its options;
:attr:`BleTransport.device` is it, and its profile (:class:`~firmware_bridge.devices.base.BleProfile`)
says which service and characteristics to use, the ATT MTU it needs, what to read once
on connecting and what to write on every link:

* ``podwire`` (default): the project's own pods; the negotiated ATT MTU must be >= 185
  (``PROTOCOL.md``), commands go to the command characteristic.
* ``movesense``: Movesense's GATT SensorData Protocol.  After notifications start,
  ``Meas/IMU6/<rate>`` is subscribed (``rate=`` 13, 26, 52, 104, 208, 416, 833 or 1666
  Hz, default 833), and unsubscribed on close.  Any MTU works (long packets arrive in two
  parts).
* ``rsc``: a Running Speed and Cadence foot pod (Stryd, Polar, Zwift RunPod):
  notifications of RSC Measurement (0x2A53); RSC Feature (0x2A54) is read once and kept
  in :attr:`BleTransport.device_info`.  ``cadence_per_leg=1`` and ``cadence_is_power=1``
  are the :class:`~firmware_bridge.devices.rsc.RscOptions` the pod needs for decoding.

Movesense and RSC devices do not speak podwire: :meth:`BleTransport.write` silently
ignores podwire command frames for them (the device says which commands it ignores).
:attr:`BleTransport.meta` holds the device's entries for the session file's pod
metadata (its ``device=`` and options).
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

from ..devices import Device, advertised_kind
from ..devices.registry import BleUrl, parse_ble_url
from ..errors import TransportError
from . import Transport

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
    """A device in range: ``kind`` is its ``device=`` (``podwire``, ``movesense``, ``rsc``:
    Running Speed and Cadence); ``services`` the service UUIDs it advertises."""

    name: str | None
    address: str
    rssi_dbm: int | None
    services: tuple[str, ...]
    kind: str


class _LinkLost:
    """Queued after the last notification of a link that dropped."""


_LINK_LOST = _LinkLost()


def parse_url(url: str) -> tuple[str, float]:
    """(name or address, "" for any device; timeout s) of a ``ble://`` URL."""
    parsed = parse_ble_url(url)
    return parsed.target, _timeout_s(parsed)


def _timeout_s(parsed: BleUrl) -> float:
    return parsed.timeout_s if parsed.timeout_s is not None else DEFAULT_TIMEOUT_S


def _is_address(target: str) -> bool:
    return bool(_MAC.match(target) or _APPLE_ID.match(target))


class BleTransport(Transport):
    """One BLE device (see the module docstring).  ``device`` is it, with the URL's
    options; ``meta`` its entries for the session's pod metadata (JSON-ready);
    ``device_info`` what the device told on connecting (the RSC features, the MTU)."""

    def __init__(self, url: str):
        self.url = url
        self.options: BleUrl = parse_ble_url(url)
        self.target, self.timeout_s = self.options.target, _timeout_s(self.options)
        self.profile = self.options.device.ble
        self.framing = self.options.device.framing
        self.meta: dict = {"device": self.options.device.ble_name, **self.options.device.stored_options()}
        self.device_info: dict = {}
        self.features = None              # the profile's info characteristic, decoded (read once)
        self._ref = 0                     # the reference of the current link's link_start command
        self._client = None
        self._data_char = self._cmd_char = None
        self._queue: asyncio.Queue | None = None    # set while open
        self._attempts = 0                # connections begun; a link's callbacks hold its number
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

    @property
    def device(self) -> Device:
        return self.options.device

    @property
    def rsc_features(self):
        """An RSC pod's RscFeature flags (``features``), None until read."""
        return self.features

    def _describe(self) -> str:
        if not self.target:
            return f"a {self.profile.describe}"
        return f"{self.profile.noun} {'at ' if _is_address(self.target) else ''}{self.target!r}"

    def _matches(self, device, adv) -> bool:
        if not self.target:
            uuids = {u.lower() for u in (adv.service_uuids or [])}
            prefix = self.profile.name_prefix
            if prefix is not None and (adv.local_name or device.name or "").startswith(prefix):
                return True
            return self.profile.service in uuids
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
        self._attempts += 1
        attempt = self._attempts            # callbacks of an older connection must not touch this one
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
            if self._attempts == attempt and not self._closing and self._lost is None:
                self._lost = "the pod disconnected (link lost)"
                queue.put_nowait(_LINK_LOST)

        remaining = max(0.1, deadline - loop.time())
        client = BleakClient(device, disconnected_callback=on_disconnect, services=[self.profile.service],
                             timeout=remaining)
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
        prof = self.profile
        services = client.services
        data = services.get_characteristic(prof.notify)
        cmd = services.get_characteristic(prof.write) if prof.write else None
        if data is None or "notify" not in data.properties or (prof.write and cmd is None):
            if prof.missing is not None:
                raise TransportError(self.url, prof.missing, prof.missing_fix)
            raise TransportError(self.url, f"the device is not a {prof.describe} (no {self.device.ble_name} service "
                                 f"{prof.service} with its characteristics)",
                                 "check the name and device= of the URL (gait devices scan lists the kind of "
                                 "each device)")
        self._data_char, self._cmd_char = data, cmd
        if prof.min_mtu is not None:
            mtu = await self._negotiated_mtu(client, data, min(deadline, loop.time() + MTU_SETTLE_S))
        else:       # the device splits long packets itself (Movesense), or its packets fit in 23 (RSC)
            mtu = self._mtu_now(data)
        self._mtu = mtu
        self.device_info["mtu"] = mtu
        if prof.min_mtu is not None:
            if mtu is None:
                raise TransportError(self.url, "cannot read the negotiated ATT MTU from BlueZ (older than 5.62?)",
                                     f"update BlueZ to 5.62 or later so that the MTU (>= {prof.min_mtu}) can be "
                                     "checked")
            if mtu < prof.min_mtu:
                raise TransportError(self.url, f"negotiated ATT MTU {mtu} is below the {prof.min_mtu} "
                                     f"{self.device.ble_name} needs (a 1 kHz pod cannot stream in smaller "
                                     "notifications)",
                                     f"enable data length extension / request MTU >= {prof.min_mtu} in the pod "
                                     f"firmware (and use an adapter that supports it)")
        if prof.info is not None and self.features is None:
            await self._read_info(client, deadline)

        def on_notification(_char, payload: bytearray) -> None:
            queue.put_nowait((time.monotonic_ns(), payload))    # nothing else here: decoding is downstream

        try:
            await asyncio.wait_for(client.start_notify(data, on_notification), max(0.1, deadline - loop.time()))
            self._notifying = True
        except asyncio.TimeoutError:
            raise TransportError(self.url, f"the {prof.describe} did not confirm notifications in time",
                                 "restart it and retry") from None
        except Exception as err:
            raise TransportError(self.url, f"cannot subscribe to the {prof.describe}'s data ({_first_line(err)})",
                                 "restart it and retry") from None
        ref = self._ref % 250 + 1          # a fresh reference per link: 1..250
        start = self.device.link_start(ref)
        if start is not None:
            self._ref = ref
            await self._link_start(client, deadline, start)

    async def _link_start(self, client, deadline: float, start) -> None:
        """Write the device's per-link command (a Movesense subscription) and wait for its acknowledgement."""
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(client.write_gatt_char(self._cmd_char, start.data, response=True),
                                   max(0.1, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise TransportError(self.url, f"the {self.profile.describe} did not acknowledge {start.what} in "
                                 "time", "restart the sensor and retry") from None
        except Exception as err:
            raise TransportError(self.url, f"{start.failed} ({_first_line(err)})", start.fix) from None
        self.device_info.update(start.info)

    async def _read_info(self, client, deadline: float) -> None:
        """The profile's information characteristic (RSC Feature), once per transport:
        optional (a device without it still records)."""
        loop = asyncio.get_running_loop()
        char = client.services.get_characteristic(self.profile.info)
        if char is None or "read" not in char.properties:
            return
        try:
            raw = await asyncio.wait_for(client.read_gatt_char(char), max(0.1, deadline - loop.time()))
            self.features, info = self.device.decode_info(bytes(raw))
        except Exception:
            return
        self.device_info.update(info)

    @staticmethod
    def _mtu_now(char) -> int | None:
        details = char.obj[1] if isinstance(getattr(char, "obj", None), tuple) else None
        if isinstance(details, dict) and "MTU" not in details:
            return None
        return char.max_write_without_response_size + ATT_HEADER

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
        """Send a command.  Movesense and RSC devices do not speak podwire: a podwire
        command frame (the recorder's START/STOP) is ignored for them, documented no-op;
        other bytes go to Movesense's GSP write characteristic as they are, and an RSC pod
        takes none (TransportError)."""
        client = self._client
        if client is None:
            raise TransportError(self.url, "not connected", "open the transport first")
        if self.device.ignores(data):
            return
        if self._cmd_char is None:
            raise TransportError(self.url, f"a {self.profile.describe} takes no commands",
                                 "send none (only podwire pods and Movesense sensors take commands)")
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
            stop = self.device.link_stop(self._ref)
            if self._notifying and client.is_connected and stop is not None and self._lost is None:
                with suppress(Exception):
                    await asyncio.wait_for(client.write_gatt_char(self._cmd_char, stop, response=True), 2.0)
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
        kind = advertised_kind(name, uuids)
        if kind is not None:
            out.append(PodAdvert(name, device.address, adv.rssi, tuple(sorted(uuids)), kind.ble_name))
    return sorted(out, key=lambda p: -(p.rssi_dbm if p.rssi_dbm is not None else -999))
