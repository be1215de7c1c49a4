"""Build the map's label glyphs (MapLibre SDF glyph PBFs) into ``assets/glyphs/`` — run once, output committed.

Map text (unit callsigns, ETA labels, kecamatan names) is drawn by MapLibre from signed-distance-field
glyphs fetched per 256-code-point range as ``{fontstack}/{start}-{end}.pbf``. Plotly's styles fetch
them from an internet host, which a 112 centre cannot rely on (and the CSP blocks). This script
renders DejaVu Sans (Debian ``fonts-dejavu-core``, free licence) into the same format, for the font
stack plotly asks for by default, so that the app serves its own glyphs from ``/assets/glyphs/``.
Ranges the font does not cover are written as empty (valid) files: a label with an unusual
character then shows without it instead of failing the map's request.

Trace text whose family is not one of MapLibre's known fonts (plotly's default ``textfont`` follows
the page font) is asked for as the stack ``Open Sans Regular`` alone: ``assets/glyphs/Open Sans
Regular`` is a link to the same files (committed), so those labels use the same glyphs instead of a
404 and MapLibre's slow local fallback.

Usage: ``python scripts/build_map_glyphs.py [--font /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]``
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "glyphs"
#: Plotly's default map text font stack (``textfont.family``), as MapLibre requests it.
FONTSTACKS = ("Open Sans Regular,Arial Unicode MS Regular",)
#: Ranges rendered (Latin, Latin-1, Latin Extended, punctuation, arrows, maths, shapes).
RENDERED = (0, 256, 512, 768, 8192, 8448, 8704, 9472, 9728)
SIZE = 24       # MapLibre's glyph size in px
BUFFER = 3      # padding around each bitmap, px
RADIUS = 8.0    # SDF radius, px
CUTOFF = 0.25   # SDF value 192 ≈ the outline
SCALE = 4       # supersampling of the outline before the distance transform
TOP_OFFSET = 27  # MapLibre's ``top`` = the glyph's height above the baseline minus this (as its own SDF renderer)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _uint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _sint(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(((value << 1) ^ (value >> 31)) & 0xFFFFFFFF)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, 2) + _varint(len(value)) + value


def _sdf(font: ImageFont.FreeTypeFont, big: ImageFont.FreeTypeFont, ch: str) -> tuple[bytes, int, int, int, int]:
    """(bitmap, width, height, left, top) of one glyph; an empty bitmap for blank glyphs."""
    x0, y0, x1, y1 = font.getbbox(ch, anchor="ls")
    width, height = x1 - x0, y1 - y0
    if width <= 0 or height <= 0:
        return b"", 0, 0, 0, 0
    pad = BUFFER * SCALE
    w_big, h_big = (width + 2 * BUFFER) * SCALE, (height + 2 * BUFFER) * SCALE
    img = Image.new("L", (w_big, h_big), 0)
    ImageDraw.Draw(img).text((pad - x0 * SCALE, pad - y0 * SCALE), ch, font=big, fill=255, anchor="ls")
    inside = np.asarray(img, dtype=np.float64) >= 128
    d_out = ndimage.distance_transform_edt(~inside)
    d_in = ndimage.distance_transform_edt(inside)
    signed = (d_out - d_in) / SCALE  # px, positive outside
    # sample at the centre of each output pixel
    centre = signed[SCALE // 2::SCALE, SCALE // 2::SCALE][: height + 2 * BUFFER, : width + 2 * BUFFER]
    values = np.clip(np.round(255 - 255 * (centre / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)
    return values.tobytes(), width, height, int(x0), -int(y0) - TOP_OFFSET


def glyph_range(font: ImageFont.FreeTypeFont, big: ImageFont.FreeTypeFont, stack: str, start: int,
                covered: set[int]) -> bytes:
    """One range's PBF: the glyphs of ``start``…``start + 255`` the font covers."""
    glyphs = b""
    for cp in range(start, start + 256):
        if cp not in covered:
            continue
        ch = chr(cp)
        bitmap, width, height, left, top = _sdf(font, big, ch)
        advance = round(font.getlength(ch))
        body = _uint(1, cp) + (_bytes(2, bitmap) if bitmap else b"") + _uint(3, width) + _uint(4, height)
        body += _sint(5, left) + _sint(6, top) + _uint(7, advance)
        glyphs += _bytes(3, body)
    stack_msg = _bytes(1, stack.encode()) + _bytes(2, f"{start}-{start + 255}".encode()) + glyphs
    return _bytes(1, stack_msg)


def covered_codepoints(font: ImageFont.FreeTypeFont) -> set[int]:
    """Printable code points of the rendered ranges that the font draws (not as its "missing" box)."""
    missing = bytes(font.getmask(chr(0x10FFFD)))
    out = set()
    for start in RENDERED:
        for cp in range(start, start + 256):
            ch = chr(cp)
            if unicodedata.category(ch)[0] in "CM" and ch != " ":
                continue
            if ch == " " or bytes(font.getmask(ch)) != missing:
                out.add(cp)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    args = parser.parse_args()
    basic = ImageFont.Layout.BASIC
    font = ImageFont.truetype(args.font, SIZE, layout_engine=basic)
    big = ImageFont.truetype(args.font, SIZE * SCALE, layout_engine=basic)
    covered = covered_codepoints(font)
    for stack in FONTSTACKS:
        folder = OUT / stack
        folder.mkdir(parents=True, exist_ok=True)
        for start in range(0, 65536, 256):
            name = folder / f"{start}-{start + 255}.pbf"
            if start in RENDERED:
                name.write_bytes(glyph_range(font, big, stack, start, covered))
            else:
                name.write_bytes(b"")
    print(f"glyphs written to {OUT}")


if __name__ == "__main__":
    main()
