"""Checks on a photo's bytes beyond what Pillow decodes: nothing hidden before or after the image.

A polyglot is a file that is a valid JPEG *and* something else — a ZIP, a PDF, an HTML page with a
script — usually by appending the second file after the image's end marker, where decoders never
look. Originals are kept and served to staff as evidence, so szcg refuses such files instead of
storing them: the image must end where its format says it ends (a JPEG may be followed by further
JPEG images, which is how phones store the Multi-Picture Format, and by padding), and no markup or
archive signature may appear anywhere in the file.
"""

from __future__ import annotations

import re

# Signatures of files a browser or a desktop program would open as something else.
_FOREIGN = re.compile(rb"<script|<html|<svg|<body|<iframe|<\?php|<!doctype|javascript:|%PDF-|PK\x03\x04",
                      re.IGNORECASE)
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def foreign_content(data: bytes, fmt: str) -> str | None:
    """Why ``data`` (decoded by Pillow as ``fmt``) is not a plain image, or None if it is."""
    if _FOREIGN.search(data):
        return "the file contains markup or another file's signature"
    end = {"JPEG": _jpeg_files_end, "PNG": _png_end, "WEBP": _webp_end}[fmt](data)
    if end is None:
        return "the image's structure is broken"
    if data[end:].strip(b"\x00\xff\r\n"):
        return "the file has data after the end of the image"
    return None


def _jpeg_files_end(data: bytes) -> int | None:
    """Where the JPEG image (and any JPEG images following it, as MPF stores them) ends."""
    end = _jpeg_end(data, 0)
    while end is not None and data.startswith(b"\xff\xd8", end):
        end = _jpeg_end(data, end)
    return end


def _jpeg_end(data: bytes, start: int) -> int | None:
    """The offset after the EOI marker of the JPEG at ``start``: a walk over its segments."""
    if not data.startswith(b"\xff\xd8", start):
        return None
    i, n = start + 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            return None
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker == 0xD9:
            return i
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if i + 2 > n:
            return None
        i += int.from_bytes(data[i:i + 2], "big")
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            i = _next_marker(data, i)
            if i is None:
                return None
    return None


def _next_marker(data: bytes, i: int) -> int | None:
    """The offset of the next marker after entropy-coded data (FF00 stuffing and RSTn are data)."""
    while True:
        i = data.find(b"\xff", i)
        if i < 0 or i + 1 >= len(data):
            return None
        following = data[i + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            i += 1 if following == 0xFF else 2
            continue
        return i


def _png_end(data: bytes) -> int | None:
    """The offset after the IEND chunk: a walk over the chunks."""
    if not data.startswith(_PNG_MAGIC):
        return None
    i = len(_PNG_MAGIC)
    while i + 8 <= len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        i += 12 + length
        if kind == b"IEND":
            return i if i <= len(data) else None
    return None


def _webp_end(data: bytes) -> int | None:
    """The RIFF container's own length (padded to an even size)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    end = 8 + int.from_bytes(data[4:8], "little")
    return end + (end & 1) if end <= len(data) + 1 else None
