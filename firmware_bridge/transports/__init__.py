"""Transports: how a pod's bytes reach the host, chosen by URL scheme.

``open_transport(url)`` returns an unopened :class:`Transport` (like pyserial's
``serial_for_url``): ``serial:///dev/ttyUSB0?baud=921600`` or a bare device path,
pyserial's own ``loop://`` and ``socket://host:port``, and ``ble://NAME-or-ADDRESS``.
pyserial and bleak are imported only inside their transports.  Tests and tools
inject their own transports with :func:`register_scheme`.  What is at the other end,
and how its bytes are decoded, is the transport's :attr:`Transport.device`
(:mod:`firmware_bridge.devices`).
"""
from __future__ import annotations

import abc
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Mapping
from urllib.parse import urlsplit

from gaitcore.errors import UsageError

from ..devices import Device, kind
from ..devices.podwire import PodwireSerial

if TYPE_CHECKING:
    from .ble import LinkQuality


class Transport(abc.ABC):
    """One pod's byte stream.  ``framing`` names the device kind at the other end in the
    device registry: podwire over serial (a byte stream of COBS frames) unless the
    transport says otherwise.  A transport that knows more overrides the rest: what the
    device told on connecting, when the bytes arrived, how its radio link did (BLE)."""

    framing: str = PodwireSerial.framing
    url: str = ""
    device_info: Mapping[str, object] = MappingProxyType({})   # what the device told on connecting
    last_receipt_ns: int = 0    # time.monotonic_ns() when the bytes read() returned last arrived (0: not stamped)

    @property
    def device(self) -> Device:
        """The device at the other end, with its options: the registry's kind named by
        ``framing``, with default options (a transport whose URL says more overrides this)."""
        cls = kind(self.framing)
        if cls is None:
            raise UsageError(f"transport {type(self).__name__} for {self.url!r} names an unknown device kind "
                             f"{self.framing!r}")
        return cls()

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect (raises TransportError with a reason a user can act on)."""

    @abc.abstractmethod
    async def read(self) -> bytes:
        """The next bytes received (b"" after a quiet interval of at most ~50 ms)."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Send bytes (a command frame, already framed for this transport)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Disconnect; safe to call twice."""

    def link_quality(self) -> LinkQuality | None:
        """How the radio link has done (None: the transport is no radio link)."""
        return None


_SCHEMES: dict[str, Callable[[str], Transport]] = {}


def register_scheme(scheme: str, factory: Callable[[str], Transport]) -> None:
    """Make ``scheme://...`` URLs open with ``factory(url)`` (the injection point for fakes)."""
    _SCHEMES[scheme] = factory


def open_transport(url: str) -> Transport:
    """An unopened transport for ``url`` (see the module docstring)."""
    scheme = urlsplit(url).scheme
    if not scheme or url.startswith("/"):
        scheme = "serial"
    if scheme not in _SCHEMES:
        _register_builtin()
    try:
        factory = _SCHEMES[scheme]
    except KeyError:
        raise UsageError(f"unknown pod URL scheme {scheme!r} in {url!r}; use serial:///dev/ttyX, "
                         f"socket://host:port, loop:// or ble://NAME") from None
    return factory(url)


def _register_builtin() -> None:
    from .serial_port import SerialTransport
    for s in ("serial", "loop", "socket", "rfc2217"):
        _SCHEMES.setdefault(s, SerialTransport)
    from .ble import BleTransport   # bleak itself loads only when a BLE transport opens
    _SCHEMES.setdefault("ble", BleTransport)
