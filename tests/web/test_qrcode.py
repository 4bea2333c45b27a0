"""The LMO page's QR code: the SVG it serves, read back by an independent decoder and by ZBar.

The symbols are made by segno; these tests check what a reader of the page gets. The SVG's path is
turned back into modules, then read by a decoder that shares no code with segno: it reads the
format information, removes the mask, walks the modules, checks every block's Reed–Solomon
syndromes (evaluation at the generator's roots, not division) and parses the byte-mode segment.
When ``zbarimg`` is installed (``bin/test`` installs it), the same modules are read by ZBar too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from openbch.web.qrcode import MAX_BYTES, encode, to_svg

QUIET_ZONE = 4


def svg_modules(svg: str) -> list[list[int]]:
    """The dark modules an SVG of ``to_svg`` draws, as rows of 0/1, the quiet zone included.

    Every dark run is ``M x y hN`` or ``m dx dy hN`` (relative to the end of the previous run), a
    line through the middle of its row of modules."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    dark = re.search(r'<path stroke="#000" d="([^"]*)"', svg).group(1)  # type: ignore[union-attr]
    grid = [[0] * size for _ in range(size)]
    x = y = 0.0
    for move, dx, dy, length in re.findall(r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", dark):
        x, y = (float(dx), float(dy)) if move == "M" else (x + float(dx), y + float(dy))
        for column in range(int(x), int(x) + int(length)):
            grid[int(y)][column] = 1
        x += int(length)
    return grid


def symbol(text: str) -> list[list[int]]:
    """The modules of the symbol the page serves for ``text``, without the quiet zone."""
    grid = svg_modules(to_svg(encode(text)))
    inner = grid[QUIET_ZONE:-QUIET_ZONE]
    assert not any(any(row) for row in grid[:QUIET_ZONE] + grid[-QUIET_ZONE:]), "the quiet zone is white"
    assert not any(any(row[:QUIET_ZONE] + row[-QUIET_ZONE:]) for row in inner)
    return [row[QUIET_ZONE:-QUIET_ZONE] for row in inner]


def test_the_smallest_version_that_holds_the_text_is_chosen() -> None:
    assert encode("a" * 14).version == 1  # 1-M holds 14 bytes
    assert encode("a" * 15).version == 2
    assert encode("a" * MAX_BYTES).version == 10
    assert len(symbol("a" * 14)) == 21 and len(symbol("a" * MAX_BYTES)) == 57
    assert encode("Ø" * 7).version == 1 and encode("Ø" * 8).version == 2  # counted in UTF-8 bytes
    with pytest.raises(ValueError, match="do not fit"):
        encode("a" * (MAX_BYTES + 1))


# ---------------------------------------------------------------------------------------------
# an independent decoder (versions 1-10, level M, byte mode)

_ALIGN = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38], 8: [6, 24, 42]}
_ALIGN |= {9: [6, 26, 46], 10: [6, 28, 50]}
#: level M: (EC codewords per block, data codewords of each block)
_BLOCKS = {
    1: (10, [16]),
    2: (16, [28]),
    3: (26, [44]),
    4: (18, [32, 32]),
    5: (24, [43, 43]),
    6: (16, [27] * 4),
    7: (18, [31] * 4),
    8: (22, [38, 38, 39, 39]),
    9: (22, [36, 36, 36, 37, 37]),
    10: (26, [43, 43, 43, 43, 44]),
}


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i], log[x] = x, i
        x = x << 1 ^ (0x11D if x & 0x80 else 0)
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


def _syndromes_are_zero(block: list[int], ec_count: int) -> bool:
    """A codeword polynomial is valid when it vanishes at α^0 … α^(ec-1) (Horner's rule)."""
    for i in range(ec_count):
        value = 0
        for coefficient in block:
            value = (_EXP[_LOG[value] + i] if value else 0) ^ coefficient
        if value:
            return False
    return True


def _function_modules(version: int) -> set[tuple[int, int]]:
    size = 17 + 4 * version
    fixed = set()
    for x0, y0 in ((0, 0), (size - 8, 0), (0, size - 8)):  # finders, separators
        fixed |= {(x, y) for x in range(x0, x0 + 8) for y in range(y0, y0 + 8)}
    fixed |= {(6, i) for i in range(size)} | {(i, 6) for i in range(size)}
    fixed |= {(8, i) for i in range(9)} | {(i, 8) for i in range(9)}  # format, first copy
    fixed |= {(size - 1 - i, 8) for i in range(8)} | {(8, size - 1 - i) for i in range(8)}
    centres = _ALIGN[version]
    for cy in centres:
        for cx in centres:
            if (cx, cy) in ((6, 6), (6, size - 7), (size - 7, 6)):
                continue
            fixed |= {(cx + dx, cy + dy) for dx in range(-2, 3) for dy in range(-2, 3)}
    if version >= 7:
        fixed |= {(size - 11 + i % 3, i // 3) for i in range(18)} | {(i // 3, size - 11 + i % 3) for i in range(18)}
    return fixed


def decode(grid: list[list[int]]) -> bytes:
    size = len(grid)
    version = (size - 17) // 4
    bits = 0
    for i in range(6):
        bits |= grid[i][8] << i
    bits |= grid[7][8] << 6 | grid[8][8] << 7 | grid[8][7] << 8
    for i in range(9, 15):
        bits |= grid[8][14 - i] << i
    candidates = {format(format_value, "015b"): mask for mask, format_value in enumerate(_format_table())}
    mask = candidates[format(bits, "015b")]  # KeyError: unreadable format information
    masks = [
        lambda x, y: (x + y) % 2 == 0,
        lambda x, y: y % 2 == 0,
        lambda x, y: x % 3 == 0,
        lambda x, y: (x + y) % 3 == 0,
        lambda x, y: (x // 3 + y // 2) % 2 == 0,
        lambda x, y: x * y % 2 + x * y % 3 == 0,
        lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
        lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
    ]
    fixed = _function_modules(version)
    stream = []
    column = size - 1
    upward = True
    while column > 0:
        if column == 6:
            column -= 1
        rows = range(size - 1, -1, -1) if upward else range(size)
        for y in rows:
            for x in (column, column - 1):
                if (x, y) not in fixed:
                    stream.append(int(grid[y][x]) ^ int(masks[mask](x, y)))
        upward = not upward
        column -= 2
    codewords = [int("".join(map(str, stream[i : i + 8])), 2) for i in range(0, len(stream) - 7, 8)]
    ec_count, sizes = _BLOCKS[version]
    blocks: list[list[int]] = [[] for _ in sizes]
    at = 0
    for i in range(max(sizes)):
        for b, block_size in enumerate(sizes):
            if i < block_size:
                blocks[b].append(codewords[at])
                at += 1
    for _ in range(ec_count):
        for block in blocks:
            block.append(codewords[at])
            at += 1
    for block in blocks:
        assert _syndromes_are_zero(block, ec_count), "Reed-Solomon check failed"
    data = [c for block, block_size in zip(blocks, sizes, strict=True) for c in block[:block_size]]
    bitstring = "".join(format(c, "08b") for c in data)
    assert bitstring[:4] == "0100", "not byte mode"
    count_bits = 8 if version <= 9 else 16
    length = int(bitstring[4 : 4 + count_bits], 2)
    start = 4 + count_bits
    return bytes(int(bitstring[start + 8 * i : start + 8 * i + 8], 2) for i in range(length))


def _format_table() -> list[int]:
    table = []
    for mask in range(8):
        data = mask  # level M is 00
        remainder = data << 10
        for bit in range(14, 9, -1):
            if remainder >> bit & 1:
                remainder ^= 0x537 << (bit - 10)
        table.append((data << 10 | remainder) ^ 0x5412)
    return table


TEXTS = [
    "A",
    "MON-ØØ81Ø-6",
    "MON-ØØ81Ø-6\nhttp://127.0.0.1:8000/lmo/MON-00810-6/",
    "ACS-ZMØØ3-2 × MON-ØØ81Ø-6\nhttps://bch.example.org/lmo/ACS-ZM003-2%20x%20MON-00810-6/",
    "x" * 100,  # version 5: an alignment pattern
    "b" * 150,  # version 8: version information
    "Ü" * 70,
    "z" * MAX_BYTES,
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_symbol_reads_back_as_the_utf8_of_its_text(text: str) -> None:
    assert decode(symbol(text)) == text.encode()


def test_the_svg_is_a_standalone_scalable_picture_with_an_escaped_title() -> None:
    svg = to_svg(encode("MON-ØØ81Ø-6"), title='<script>alert("x")</script>')
    size = 21 + 2 * QUIET_ZONE
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and f'viewBox="0 0 {size} {size}"' in svg
    assert "<script>" not in svg and "<title>&lt;script&gt;" in svg
    assert f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>' in svg  # white behind the quiet zone


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (ZBar) is not installed")
@pytest.mark.parametrize("text", TEXTS)
def test_zbar_reads_the_symbols(text: str, tmp_path: Path) -> None:
    grid = svg_modules(to_svg(encode(text)))
    scale = 4
    rows = [" ".join(str(dark) for dark in row for _ in range(scale)) for row in grid for _ in range(scale)]
    width = len(grid) * scale
    image = tmp_path / "symbol.pbm"
    image.write_text(f"P1\n{width} {width}\n" + "\n".join(rows) + "\n")
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sbinary", str(image)], capture_output=True, timeout=30, check=False
    )
    assert result.stdout.rstrip(b"\n") == text.encode()
