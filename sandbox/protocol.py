"""Wire format between host and worker: length-prefixed orjson frames over two pipes.

A frame is a 4-byte big-endian length followed by that many bytes of JSON (an object).
JSON only: nothing the worker sends is ever unpickled or evaluated by the host, and every
frame is size-checked before it is read into memory.

The worker side uses plain blocking I/O (it has nothing else to do). The host side uses
non-blocking descriptors and ``poll`` with a deadline, so a hostile worker that stops
reading or writing can never hang the host: the watchdog is simply the deadline here.
"""

from __future__ import annotations

import contextlib
import os
import select
import struct
import time
from collections.abc import Callable
from typing import Any

import orjson

HEADER = struct.Struct(">I")
#: Hard ceiling for any frame, whatever the limits say.
ABSOLUTE_MAX_FRAME = 64 * 1024 * 1024


class ProtocolError(Exception):
    """The peer broke the framing (bad length, bad JSON) or closed the channel."""


class ChannelClosed(ProtocolError):
    """The peer closed its end: it exited, or is exiting."""


class FrameTooLarge(ProtocolError):
    """The peer announced a frame larger than allowed."""


class DeadlineExceeded(Exception):
    """The deadline passed while waiting for the peer."""


def encode(message: dict[str, Any]) -> bytes:
    """Serialise one message into a frame (header + JSON)."""
    payload = orjson.dumps(message)
    return HEADER.pack(len(payload)) + payload


# ---------------------------------------------------------------- worker side (blocking)


def write_frame_blocking(fd: int, message: dict[str, Any]) -> None:
    """Write a whole frame to ``fd`` (blocking)."""
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


class BlockingReader:
    """Worker end of a pipe: buffered, so a frame usually costs one ``read`` call."""

    def __init__(self, fd: int, decode: Callable[[bytes], Any] = orjson.loads,
                 max_size: int = ABSOLUTE_MAX_FRAME) -> None:
        self.fd = fd
        self.decode = decode
        self.max_size = max_size
        self._buffer = bytearray()

    def _fill(self, want: int) -> None:
        while len(self._buffer) < want:
            chunk = os.read(self.fd, max(65536, min(want - len(self._buffer), 1 << 20)))
            if not chunk:
                raise ChannelClosed("peer closed the channel")
            self._buffer += chunk

    def read_frame(self) -> dict[str, Any]:
        """Read one frame (blocking) and decode it."""
        buffer = self._buffer
        if len(buffer) < 4:
            self._fill(4)
        size = int.from_bytes(buffer[:4], "big")
        if size > self.max_size:
            raise FrameTooLarge(f"frame of {size} bytes exceeds {self.max_size}")
        end = 4 + size
        if len(buffer) < end:
            self._fill(end)
        payload = bytes(buffer[4:end])
        del buffer[:end]
        message = self.decode(payload)
        if not isinstance(message, dict):
            raise ProtocolError("frame is not a JSON object")
        return message


# ---------------------------------------------------------------- host side (deadlines)


class HostChannel:
    """Host end of a worker's pipes: non-blocking, deadline-bounded frame I/O."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self.read_fd = read_fd
        self.write_fd = write_fd
        self._buffer = bytearray()
        #: Size of the body of the last frame received (for per-message size limits).
        self.last_size = 0
        self._rpoll = select.poll()
        self._rpoll.register(read_fd, select.POLLIN)
        self._wpoll = select.poll()
        self._wpoll.register(write_fd, select.POLLOUT)

    @staticmethod
    def _timeout_ms(deadline: float | None) -> int | None:
        if deadline is None:
            return None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded()
        return max(1, int(remaining * 1000) + 1)

    def send(self, message: dict[str, Any], deadline: float | None) -> None:
        """Write one frame, giving up (``DeadlineExceeded``) if the worker stops reading."""
        self.send_payload(orjson.dumps(message), deadline)

    def send_payload(self, payload: bytes, deadline: float | None) -> None:
        """Write one frame whose JSON body is already encoded."""
        frame = HEADER.pack(len(payload)) + payload
        try:
            written = os.write(self.write_fd, frame)  # almost always writes it all
        except BlockingIOError:
            written = 0
        except OSError as exc:
            raise ChannelClosed(f"worker channel closed: {exc}") from None
        if written == len(frame):
            return
        data = memoryview(frame)[written:]
        while data:
            try:
                written = os.write(self.write_fd, data)
            except BlockingIOError:
                self._wpoll.poll(self._timeout_ms(deadline))
                continue
            except OSError as exc:
                raise ChannelClosed(f"worker channel closed: {exc}") from None
            data = data[written:]

    def _fill(self, want: int, deadline: float | None) -> None:
        # Wait first, then read: after a request the reply is never there yet, and a
        # read that fails with EAGAIN costs a system call plus an exception.
        buffer = self._buffer
        while len(buffer) < want:
            if not self._rpoll.poll(self._timeout_ms(deadline)):
                continue
            try:
                chunk = os.read(self.read_fd, max(65536, want - len(buffer)))
            except BlockingIOError:
                continue
            if not chunk:
                raise ChannelClosed("worker closed the channel")
            buffer += chunk

    def receive(self, deadline: float | None, max_size: int) -> dict[str, Any]:
        """Read one frame; ``FrameTooLarge`` before reading an oversized body."""
        buffer = self._buffer
        if len(buffer) < 4:
            self._fill(4, deadline)
        size = int.from_bytes(buffer[:4], "big")
        if size > max_size or size > ABSOLUTE_MAX_FRAME:
            raise FrameTooLarge(f"worker sent a frame of {size} bytes (limit {max_size})")
        end = 4 + size
        if len(buffer) < end:
            self._fill(end, deadline)
        self.last_size = size
        payload = bytes(buffer[4:end])
        del buffer[:end]
        try:
            message = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise ProtocolError(f"worker sent invalid JSON: {exc}") from None
        if type(message) is not dict:
            raise ProtocolError("worker sent a frame that is not a JSON object")
        return message

    def close(self) -> None:
        """Close both descriptors (idempotent)."""
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.read_fd = self.write_fd = -1
