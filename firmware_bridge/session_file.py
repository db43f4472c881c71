"""The native session file: raw pod bytes as received, append-only.

Layout (little-endian):

* ``PODSESSION 1\\n``, then u32 length, a JSON metadata object (software, start time,
  pods with their URL, placement and framing), u32 CRC-32 of the JSON.
* Records, each: u8 ``kind``, u8 ``pod`` (index into the metadata's pods), u32
  ``length``, u64 ``t_ns`` (host monotonic time since the session started, when the
  bytes arrived), the payload, u32 CRC-32 of the record's header and payload.

Kinds: 1 = bytes received from a pod, exactly as the transport delivered them (a serial
read, or one BLE notification); 2 = an event (JSON: connected, disconnected, a
note); 3 = bytes sent to a pod (commands).  Every record is written with one
unbuffered ``write`` as soon as it exists, so a process killed at any moment loses
only what it had not yet received; a torn last record is detected by its length or
CRC and dropped by the reader, which says how many bytes it dropped.  A write that
fails (disk full) is undone: the file is cut back to its last whole record, so the
records written after the disk has room again follow on cleanly.
"""
from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from gaitcore.errors import InputFormatError

from .errors import SessionWriteError

MAGIC = b"PODSESSION 1\n"
RECORD = struct.Struct("<BBIQ")
KIND_RX, KIND_EVENT, KIND_TX = 1, 2, 3
MAX_RECORD = 1 << 20


def sniff_bytes(head: bytes) -> bool:
    return head.startswith(MAGIC)


@dataclass(frozen=True)
class Record:
    kind: int
    pod: int
    t_ns: int
    payload: bytes


@dataclass(frozen=True)
class Session:
    meta: dict
    records: list[Record]
    torn_bytes: int      # bytes at the end that did not form a whole record (dropped)


class SessionWriter:
    """Append records to a new session file; open with :meth:`create`."""

    def __init__(self, fd: int, path: Path):
        self._fd = fd
        self.path = path
        self.bytes_written = 0

    @classmethod
    def create(cls, path: str | Path, meta: dict) -> "SessionWriter":
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        w = cls(fd, path)
        js = json.dumps(meta, sort_keys=True).encode()
        w._write(MAGIC + struct.pack("<I", len(js)) + js + struct.pack("<I", zlib.crc32(js)))
        return w

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        self.bytes_written += len(data)

    def record(self, kind: int, pod: int, t_ns: int, payload: bytes) -> None:
        """Append one record; on a failed write (SessionWriteError) nothing of it stays."""
        head = RECORD.pack(kind, pod, len(payload), t_ns)
        end = self.bytes_written
        try:
            self._write(head + payload + struct.pack("<I", zlib.crc32(payload, zlib.crc32(head))))
        except OSError as err:
            # back to the end of the last whole record: the next record must not follow a torn one
            os.lseek(self._fd, end, os.SEEK_SET)
            try:
                os.ftruncate(self._fd, end)
            except OSError:
                pass    # the torn bytes stay until they are overwritten; the reader drops them
            raise SessionWriteError(self.path, err, 1) from err

    def rx(self, pod: int, t_ns: int, data: bytes) -> None:
        self.record(KIND_RX, pod, t_ns, bytes(data))

    def tx(self, pod: int, t_ns: int, data: bytes) -> None:
        self.record(KIND_TX, pod, t_ns, bytes(data))

    def event(self, pod: int, t_ns: int, what: str, **fields) -> None:
        self.record(KIND_EVENT, pod, t_ns, json.dumps({"event": what, **fields}, sort_keys=True).encode())

    def sync(self) -> None:
        """Push the file to the disk (records are already in the OS: a killed process loses none)."""
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            try:
                os.fsync(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1

    def close_quietly(self) -> None:
        """Close without pushing to the disk (after a failure: the file is being given up)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read_session(path: str | Path) -> Session:
    path = Path(path)
    raw = path.read_bytes()
    if not raw.startswith(MAGIC):
        raise InputFormatError(path, "not a pod session file", "a file starting with 'PODSESSION 1'")
    i = len(MAGIC)
    if len(raw) < i + 4:
        raise InputFormatError(path, "session header is cut short", "a complete metadata header")
    (n,) = struct.unpack_from("<I", raw, i)
    js = raw[i + 4:i + 4 + n]
    if len(js) != n or len(raw) < i + 8 + n or struct.unpack_from("<I", raw, i + 4 + n)[0] != zlib.crc32(js):
        raise InputFormatError(path, "session metadata is damaged", "a metadata header with a valid CRC")
    meta = json.loads(js)
    i += 8 + n
    records = []
    while i + RECORD.size <= len(raw):
        kind, pod, length, t_ns = RECORD.unpack_from(raw, i)
        end = i + RECORD.size + length + 4
        if kind not in (KIND_RX, KIND_EVENT, KIND_TX) or length > MAX_RECORD or end > len(raw):
            break
        payload = raw[i + RECORD.size:i + RECORD.size + length]
        crc = zlib.crc32(payload, zlib.crc32(raw[i:i + RECORD.size]))
        if struct.unpack_from("<I", raw, end - 4)[0] != crc:
            break
        records.append(Record(kind, pod, t_ns, payload))
        i = end
    return Session(meta, records, len(raw) - i)
