#!/usr/bin/env python3
"""png_check.py SHOT.png RRGGBB MIN: reads a PNG (8-bit RGB or RGBA, not interlaced) with the standard library
only, and prints the pixels that are not white and those of colour RRGGBB; exits 1 unless the page is not blank
(some non-white pixels) and at least MIN pixels have the colour (the plots' lines and bars are drawn in it)."""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    bpp = 3 if colour == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return rows, bpp


def main():
    path, colour, least = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
    rows, bpp = pixels(path)
    coloured = non_white = 0
    for line in rows:
        for i in range(0, len(line), bpp):
            px = bytes(line[i:i + 3])
            if px != b"\xff\xff\xff": non_white += 1
            if px == colour: coloured += 1
    print(f"{path}: {non_white} non-white pixels, {coloured} of #{sys.argv[2]}")
    sys.exit(0 if non_white > 0 and coloured >= least else 1)


main()
