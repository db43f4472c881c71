"""Bluetooth LE transport (bleak, imported here only, inside the functions that use it).

``ble://NAME-or-ADDRESS[?timeout=S][&device=podwire|movesense|rsc][&...]``: scan for the
device by its address or advertised name (``ble://`` alone takes the first one
advertising the profile's service), connect and subscribe.  One read returns one
notification.  The notification callback only stamps the arrival time and queues the
bytes; decoding happens downstream (:mod:`firmware_bridge.assemble`).  A dropped link
makes :meth:`BleTransport.read` raise :class:`~gaitcore.errors.TransportError`
("... disconnected ...") once the notifications received before it have been read, so
the recorder's retry loop reconnects.

``device=`` picks the profile (:attr:`BleTransport.framing` names it, so the session
file says how to decode the pod's notifications):

* ``podwire`` (default, framing ``"notification"``): the project's own pods; the
  negotiated ATT MTU must be >= 185 (``PROTOCOL.md``), commands go to the command
  characteristic.
* ``movesense`` (framing ``"movesense"``): Movesense's GATT SensorData Protocol.  After
  notifications start, ``Meas/IMU6/<rate>`` is subscribed (``rate=`` 13, 26, 52, 104,
  208, 416, 833 or 1666 Hz, default 833), and unsubscribed on close.  Any MTU works
  (long packets arrive in two parts).
* ``rsc`` (framing ``"rsc"``): a Running Speed and Cadence foot pod (Stryd, Polar,
  Zwift RunPod): notifications of RSC Measurement (0x2A53); RSC Feature (0x2A54) is read
  once and kept in :attr:`BleTransport.device_info`.  ``cadence_per_leg=1`` and
  ``cadence_is_power=1`` are the :class:`~firmware_bridge.devices.rsc.RscOptions` the
  pod needs for decoding.

Movesense and RSC devices do not speak podwire: :meth:`BleTransport.write` silently
ignores podwire command frames for them (the recorder's START/STOP), so the same
recording loop serves every profile.  :attr:`BleTransport.meta` holds the URL's
profile options (for the session file's pod metadata).
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

from gaitcore.errors import UsageError

from ..errors import TransportError
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


@dataclass(frozen=True)
class Profile:
    """What ``device=`` selects: the service, the characteristic notified (one read per
    notification) and the one commands are written to (None: the device takes none)."""

    name: str
    framing: str
    service: str
    notify: str
    write: str | None
    describe: str           # "a <describe>" in messages


def _profiles() -> dict[str, Profile]:
    from ..devices import movesense, rsc
    return {"podwire": Profile("podwire", "notification", SERVICE_UUID, DATA_UUID, COMMAND_UUID,
                               "pod advertising the podwire service"),
            "movesense": Profile("movesense", "movesense", movesense.SERVICE_UUID, movesense.NOTIFY_UUID,
                                 movesense.WRITE_UUID, "Movesense sensor"),
            "rsc": Profile("rsc", "rsc", rsc.SERVICE_UUID, rsc.MEASUREMENT_UUID, None,
                           "Running Speed and Cadence pod")}


DEVICES = ("podwire", "movesense", "rsc")
DEFAULT_MOVESENSE_RATE_HZ = 833
_OPTIONS = ("the options are timeout=SECONDS, device=podwire|movesense|rsc, rate=HZ (movesense), "
            "cadence_per_leg=1 and cadence_is_power=1 (rsc)")
_TRUE, _FALSE = ("", "1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class BleUrl:
    target: str                 # name or address; "" for the first device advertising the profile's service
    timeout_s: float
    device: str = "podwire"     # podwire | movesense | rsc
    rate_hz: int | None = None  # movesense IMU6 rate
    cadence_per_leg: bool = False
    cadence_is_power: bool = False

    def rsc_options(self):
        from ..devices.rsc import RscOptions
        return RscOptions(self.cadence_per_leg, self.cadence_is_power)


def parse_ble_url(url: str) -> BleUrl:
    """Every field of a ``ble://`` URL (see the module docstring); UsageError names the
    fix for an unknown option, a rate Movesense does not run at, or an option the
    chosen device does not take."""
    if not url.startswith("ble://"):
        raise UsageError(f"{url!r} is not a ble:// URL; write ble://NAME or ble://AA:BB:CC:DD:EE:FF")
    rest, _, query = url[len("ble://"):].partition("?")
    target = unquote(rest.strip("/"))
    timeout = DEFAULT_TIMEOUT_S
    opts = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    for key in opts:
        if key not in ("timeout", "device", "rate", "cadence_per_leg", "cadence_is_power"):
            raise UsageError(f"unknown option {key!r} in {url!r}; {_OPTIONS}")
    if "timeout" in opts:
        try:
            timeout = float(opts["timeout"])
        except ValueError:
            timeout = -1.0
        if not 0.0 < timeout < 3600.0:
            raise UsageError(f"timeout {opts['timeout']!r} in {url!r} is not a number of seconds above 0")
    device = opts.get("device", "podwire").strip().lower() or "podwire"
    if device not in DEVICES:
        raise UsageError(f"device {opts['device']!r} in {url!r} is not one this toolkit reads; "
                         f"use device={', device='.join(DEVICES)}")
    rate = None
    if device == "movesense":
        from ..devices.movesense import RATES_HZ
        text = opts.get("rate", str(DEFAULT_MOVESENSE_RATE_HZ)).strip()
        try:
            rate = int(float(text)) if float(text) == int(float(text)) else None
        except (ValueError, OverflowError):
            rate = None
        if rate not in RATES_HZ:
            raise UsageError(f"rate {text!r} in {url!r} is not one Movesense IMU6 runs at; use rate="
                             f"{', '.join(map(str, RATES_HZ[:-1]))} or {RATES_HZ[-1]} (Hz)")
    elif "rate" in opts:
        raise UsageError(f"rate= in {url!r} applies to device=movesense only ({device} devices choose "
                         f"their own rate)")
    flags = {}
    for key in ("cadence_per_leg", "cadence_is_power"):
        if key not in opts:
            flags[key] = False
            continue
        if device != "rsc":
            raise UsageError(f"{key}= in {url!r} applies to device=rsc only")
        value = opts[key].strip().lower()
        if value not in _TRUE + _FALSE:
            raise UsageError(f"{key}={opts[key]!r} in {url!r} is not 1 or 0")
        flags[key] = value in _TRUE
    if flags["cadence_per_leg"] and flags["cadence_is_power"]:
        raise UsageError(f"{url!r} sets both cadence_per_leg and cadence_is_power; a pod that puts power in "
                         f"the cadence field sends no cadence: keep one")
    return BleUrl(target, timeout, device, rate, flags["cadence_per_leg"], flags["cadence_is_power"])


def parse_url(url: str) -> tuple[str, float]:
    """(name or address, "" for any device; timeout s) of a ``ble://`` URL."""
    parsed = parse_ble_url(url)
    return parsed.target, parsed.timeout_s


def _is_address(target: str) -> bool:
    return bool(_MAC.match(target) or _APPLE_ID.match(target))


class BleTransport(Transport):
    """One BLE device (see the module docstring).  ``framing`` names the profile;
    ``meta`` is the URL's profile options (JSON-ready, for the session's pod metadata);
    ``device_info`` what the device told on connecting (the RSC features, the MTU)."""

    framing = "notification"

    def __init__(self, url: str):
        self.url = url
        self.options = parse_ble_url(url)
        self.target, self.timeout_s = self.options.target, self.options.timeout_s
        self.profile = _profiles()[self.options.device]
        self.framing = self.profile.framing
        self.meta: dict = {"device": self.options.device}
        if self.options.device == "movesense":
            self.meta["rate_hz"] = self.options.rate_hz
        elif self.options.device == "rsc":
            self.meta.update(cadence_per_leg=self.options.cadence_per_leg,
                             cadence_is_power=self.options.cadence_is_power)
        self.device_info: dict = {}
        self.rsc_features = None          # RscFeature, read once (device=rsc)
        self._ref = 0                     # Movesense subscription reference of the current link
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
            return f"a {self.profile.describe}"
        noun = "pod" if self.profile.name == "podwire" else self.profile.describe
        return f"{noun} {'at ' if _is_address(self.target) else ''}{self.target!r}"

    def _matches(self, device, adv) -> bool:
        if not self.target:
            uuids = {u.lower() for u in (adv.service_uuids or [])}
            if self.profile.name == "movesense" and (adv.local_name or device.name or "").startswith("Movesense"):
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
            if prof.name == "podwire":
                raise TransportError(self.url, "the device has no podwire data and command characteristics",
                                     "check that the URL names a podwire foot pod (gait devices scan lists them)")
            raise TransportError(self.url, f"the device is not a {prof.describe} (no {prof.name} service "
                                 f"{prof.service} with its characteristics)",
                                 "check the name and device= of the URL (gait devices scan lists the kind of "
                                 "each device)")
        self._data_char, self._cmd_char = data, cmd
        if prof.name == "podwire":
            mtu = await self._negotiated_mtu(client, data, min(deadline, loop.time() + MTU_SETTLE_S))
        else:       # Movesense splits long packets itself, RSC measurements fit in 23
            mtu = self._mtu_now(data)
        self._mtu = mtu
        self.device_info["mtu"] = mtu
        if prof.name == "podwire":
            if mtu is None:
                raise TransportError(self.url, "cannot read the negotiated ATT MTU from BlueZ (older than 5.62?)",
                                     "update BlueZ to 5.62 or later so that the MTU (>= 185) can be checked")
            if mtu < MIN_MTU:
                raise TransportError(self.url, f"negotiated ATT MTU {mtu} is below the {MIN_MTU} podwire needs "
                                     f"(a 1 kHz pod cannot stream in smaller notifications)",
                                     f"enable data length extension / request MTU >= {MIN_MTU} in the pod "
                                     f"firmware (and use an adapter that supports it)")
        if prof.name == "rsc" and self.rsc_features is None:
            await self._read_rsc_features(client, deadline)

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
        if prof.name == "movesense":
            await self._movesense_subscribe(client, deadline)

    async def _movesense_subscribe(self, client, deadline: float) -> None:
        from ..devices import movesense
        loop = asyncio.get_running_loop()
        self._ref = self._ref % 250 + 1          # a fresh reference per link: 1..250
        command = movesense.subscribe_imu6(self._ref, self.options.rate_hz)
        try:
            await asyncio.wait_for(client.write_gatt_char(self._cmd_char, command, response=True),
                                   max(0.1, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise TransportError(self.url, "the Movesense sensor did not acknowledge the IMU6 subscription in "
                                 "time", "restart the sensor and retry") from None
        except Exception as err:
            raise TransportError(self.url, f"cannot subscribe to Meas/IMU6/{self.options.rate_hz} "
                                 f"({_first_line(err)})", "check that the sensor runs the GATT SensorData "
                                 "app (gatt_sensordata_app) and retry") from None
        self.device_info.update(movesense_ref=self._ref, rate_hz=self.options.rate_hz)

    async def _read_rsc_features(self, client, deadline: float) -> None:
        """RSC Feature, once per transport: optional (a pod without it still records)."""
        from ..devices import rsc
        loop = asyncio.get_running_loop()
        feature = client.services.get_characteristic(rsc.FEATURE_UUID)
        if feature is None or "read" not in feature.properties:
            return
        try:
            raw = await asyncio.wait_for(client.read_gatt_char(feature), max(0.1, deadline - loop.time()))
            self.rsc_features = rsc.decode_feature(bytes(raw))
        except Exception:
            return
        self.device_info["rsc_features"] = int(self.rsc_features)
        self.device_info["rsc_feature_names"] = [f.name.lower() for f in rsc.RscFeature if f in self.rsc_features]

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
        if self.profile.name != "podwire" and _is_podwire_command(data):
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
            if self._notifying and client.is_connected and self.profile.name == "movesense" and self._lost is None:
                from ..devices import movesense
                with suppress(Exception):
                    await asyncio.wait_for(client.write_gatt_char(self._cmd_char, movesense.unsubscribe(self._ref),
                                                                  response=True), 2.0)
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


def _is_podwire_command(data: bytes) -> bool:
    from ..protocol import CommandFrame, decode
    try:
        return isinstance(decode(bytes(data)), CommandFrame)
    except Exception:            # ProtocolError: not a podwire frame (a GSP command, say)
        return False


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
