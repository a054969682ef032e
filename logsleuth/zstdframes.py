"""A zstd input's frames followed as its bytes are read, so that an input cut inside a
frame (a copy still being written, an interrupted download) is an error, as gzip, bzip2
and xz report one: the zstandard stream reader ends such an input silently.

Only headers are looked at (RFC 8878): a frame header gives the header's length and
whether a checksum ends the frame; each block header gives the block's length and whether
it is the last one; a skippable frame gives its length. The bytes pass through unchanged.

>>> import io, zstandard
>>> frame = zstandard.ZstdCompressor(write_checksum=True).compress(b"node offline\\n" * 500)
>>> FrameCheck(io.BytesIO(frame * 2)).read() == frame * 2
True
>>> FrameCheck(io.BytesIO(frame[:-1])).read()
Traceback (most recent call last):
EOFError: the zstd input ends inside a frame
"""

from __future__ import annotations

import io
from typing import BinaryIO, Callable

_FRAME = b"\x28\xb5\x2f\xfd"
_DICT_ID_BYTES = (0, 1, 2, 4)
_CONTENT_SIZE_BYTES = (0, 2, 4, 8)


class FrameCheck(io.RawIOBase):
    """The bytes of ``raw`` passed through, its zstd frame structure followed."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._step: Callable[[bytes], None] = self._magic   # what the gathered bytes are for
        self._wanted = 4               # how many of them
        self._gathered = b""
        self._skip = 0                 # bytes to pass over before the next header
        self._checksum = False         # the current frame ends with a 4-byte checksum
        self._lost = False             # not zstd structure: the decompressor will say so

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        if not data:
            if not self._lost and (self._skip or self._gathered or self._step != self._magic):
                raise EOFError("the zstd input ends inside a frame")
            return 0
        buffer[:len(data)] = data
        self._follow(data)
        return len(data)

    def _follow(self, data: bytes) -> None:
        position = 0
        while position < len(data) and not self._lost:
            if self._skip:
                passed = min(self._skip, len(data) - position)
                self._skip -= passed
                position += passed
                continue
            taken = data[position:position + self._wanted - len(self._gathered)]
            self._gathered += taken
            position += len(taken)
            if len(self._gathered) == self._wanted:
                header, self._gathered = self._gathered, b""
                self._step(header)

    def _expect(self, step: Callable[[bytes], None], wanted: int, skip: int = 0) -> None:
        self._step, self._wanted, self._skip = step, wanted, skip

    def _magic(self, header: bytes) -> None:
        if header == _FRAME:
            self._expect(self._frame_header, 1)
        elif header[0] & 0xF0 == 0x50 and header[1:] == b"\x2a\x4d\x18":
            self._expect(self._skippable_size, 4)
        else:
            self._lost = True

    def _skippable_size(self, header: bytes) -> None:
        self._expect(self._magic, 4, int.from_bytes(header, "little"))

    def _frame_header(self, header: bytes) -> None:
        descriptor = header[0]
        single_segment = descriptor >> 5 & 1
        content_size = _CONTENT_SIZE_BYTES[descriptor >> 6] or single_segment
        self._checksum = bool(descriptor >> 2 & 1)
        rest = (not single_segment) + _DICT_ID_BYTES[descriptor & 3] + content_size
        self._expect(self._block_header, 3, rest)

    def _block_header(self, header: bytes) -> None:
        value = int.from_bytes(header, "little")
        kind, size = value >> 1 & 3, value >> 3
        if kind == 3:                                  # reserved: not a valid block
            self._lost = True
            return
        body = 1 if kind == 1 else size                # an RLE block holds one byte
        if value & 1:                                  # the frame's last block
            self._expect(self._magic, 4, body + 4 * self._checksum)
        else:
            self._expect(self._block_header, 3, body)
