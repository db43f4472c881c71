"""Serial transport (pyserial, imported here only): USB CDC, UART, and pyserial's URL
handlers (``loop://``, ``socket://``).  The pod's frames arrive COBS-encoded."""
from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from ..errors import TransportError
from . import Transport

DEFAULT_BAUD = 921600
READ_TIMEOUT_S = 0.02


class SerialTransport(Transport):
    """podwire over serial (the base class's device)."""

    def __init__(self, url: str):
        self.url = url
        self._ser = None

    def _port_and_baud(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        baud = int(parse_qs(parts.query).get("baud", [DEFAULT_BAUD])[0])
        if parts.scheme in ("", "serial") or self.url.startswith("/"):
            return (parts.path or self.url), baud
        return self.url.split("?")[0] if parts.scheme != "socket" else self.url, baud

    async def open(self) -> None:
        import serial   # pyserial stays inside its transport
        port, baud = self._port_and_baud()
        try:
            self._ser = serial.serial_for_url(port, baudrate=baud, timeout=READ_TIMEOUT_S)
        except (serial.SerialException, OSError, ValueError) as err:
            raise TransportError(self.url, f"cannot open ({err})",
                                 "check the device path and that no other program holds it") from None

    async def read(self) -> bytes:
        if self._ser is None:
            raise TransportError(self.url, "read before open", "open the transport first")
        ser = self._ser
        try:
            return await asyncio.get_running_loop().run_in_executor(None, lambda: ser.read(max(1, ser.in_waiting)))
        except Exception as err:   # pyserial raises SerialException or OSError when the device goes away
            raise TransportError(self.url, f"device lost ({err})", "check the cable or the pod's battery") from None

    async def write(self, data: bytes) -> None:
        if self._ser is None:
            raise TransportError(self.url, "write before open", "open the transport first")
        ser = self._ser
        await asyncio.get_running_loop().run_in_executor(None, lambda: (ser.write(data), ser.flush()))

    async def close(self) -> None:
        if self._ser is not None:
            ser, self._ser = self._ser, None
            ser.close()
