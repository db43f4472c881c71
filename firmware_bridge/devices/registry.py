"""The device registry: name -> :class:`~firmware_bridge.devices.base.Device` class.

Every caller resolves a pod's kind here: the recorder from its transport, the analysis
and the live display from the pod's session header (:func:`device_of`), the BLE
transport from its URL (:func:`parse_ble_url`) and from what a device advertises
(:func:`advertised_kind`).  The device modules register their classes on import
(:func:`register`), in the order ``firmware_bridge.devices`` imports them: podwire over
serial and over BLE, Movesense, RSC.  A tool or test adds a kind the same way.

``ble://NAME-or-ADDRESS[?timeout=S][&device=NAME][&...]``: ``device=`` picks a registered
BLE device (default: the first registered, podwire); the other options are the chosen
device's (:attr:`~firmware_bridge.devices.base.Device.url_options`); an option of another
device is refused with the fix.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import parse_qs, unquote

from gaitcore.errors import UsageError

from .base import Device

_KINDS: dict[str, type[Device]] = {}


def register(cls: type[Device]) -> type[Device]:
    """Make ``cls`` the device of its ``framing`` (a class decorator)."""
    _KINDS[cls.framing] = cls
    return cls


def kinds() -> tuple[type[Device], ...]:
    """Every registered device class, in registration order."""
    return tuple(_KINDS.values())


def kind(framing: str | None) -> type[Device] | None:
    """The device class registered as ``framing`` (None: no such kind)."""
    return _KINDS.get(framing) if isinstance(framing, str) else None


def device_of(pod: Mapping, fallback: type[Device] | None = None) -> Device | None:
    """The device a pod's session header describes, with its options; for a header
    whose ``framing`` names no registered kind, ``fallback``'s (None: None)."""
    cls = kind(pod.get("framing")) or fallback
    return cls.from_header(pod) if cls is not None else None


def ble_kinds() -> tuple[type[Device], ...]:
    """The registered Bluetooth devices, in registration order (the first is the default)."""
    return tuple(c for c in _KINDS.values() if c.ble is not None)


def advertised_kind(name: str | None, uuids: set[str]) -> type[Device] | None:
    """The kind of a device advertising ``name`` and the service ``uuids`` (lower case),
    the first registered that matches; None if none does."""
    for cls in ble_kinds():
        prefix = cls.ble.name_prefix
        if cls.ble.service in uuids or (prefix is not None and (name or "").startswith(prefix)):
            return cls
    return None


@dataclass(frozen=True)
class BleUrl:
    target: str                 # name or address; "" for the first device advertising the profile's service
    timeout_s: float | None     # timeout= (None: not given, the transport's default)
    device: Device              # the device= chosen, with its options

    @property
    def rate_hz(self) -> int | None:
        """The IMU6 rate a Movesense URL subscribes (None for other devices)."""
        return getattr(self.device, "rate_hz", None)

    def rsc_options(self):
        """The RSC decoding options of an RSC URL (the defaults for other devices)."""
        from .rsc import RscOptions
        return getattr(self.device, "quirks", RscOptions())


def _options_help() -> str:
    names = [c.ble_name for c in ble_kinds()]
    return (f"the options are timeout=SECONDS, device={'|'.join(names)}, "
            + ", ".join(c.url_help for c in ble_kinds() if c.url_help))


def parse_ble_url(url: str) -> BleUrl:
    """Every field of a ``ble://`` URL (see the module docstring); UsageError names the
    fix for an unknown option, a device this toolkit does not read, or an option the
    chosen device does not take or takes otherwise."""
    if not url.startswith("ble://"):
        raise UsageError(f"{url!r} is not a ble:// URL; write ble://NAME or ble://AA:BB:CC:DD:EE:FF")
    rest, _, query = url[len("ble://"):].partition("?")
    target = unquote(rest.strip("/"))
    timeout = None
    opts = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    known = {"timeout", "device"}.union(*(c.url_options for c in ble_kinds()))
    for key in opts:
        if key not in known:
            raise UsageError(f"unknown option {key!r} in {url!r}; {_options_help()}")
    if "timeout" in opts:
        try:
            timeout = float(opts["timeout"])
        except ValueError:
            timeout = -1.0
        if not 0.0 < timeout < 3600.0:
            raise UsageError(f"timeout {opts['timeout']!r} in {url!r} is not a number of seconds above 0")
    default = ble_kinds()[0].ble_name
    name = opts.get("device", default).strip().lower() or default
    chosen = next((c for c in ble_kinds() if c.ble_name == name), None)
    if chosen is None:
        names = [c.ble_name for c in ble_kinds()]
        raise UsageError(f"device {opts['device']!r} in {url!r} is not one this toolkit reads; "
                         f"use device={', device='.join(names)}")
    device = None
    for cls in ble_kinds():     # each device's options in turn, the chosen one's parsed
        if cls is chosen:
            device = cls.from_url_options(opts, url)
            continue
        for key in cls.url_options:
            if key in opts:
                raise UsageError(cls.foreign_option(key, url, name))
    return BleUrl(target, timeout, device)


def url_device(url: str) -> Device | None:
    """The device a ``ble://`` URL opens (None: not a ``ble://`` URL, or one that does not parse)."""
    if not url.startswith("ble://"):
        return None
    try:
        return parse_ble_url(url).device
    except UsageError:
        return None
