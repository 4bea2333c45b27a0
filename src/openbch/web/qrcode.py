"""A small QR code encoder (ISO/IEC 18004): byte mode, error correction level M, versions 1–10.

Enough for what the LMO page needs — an identifier and a link for shipping documents, up to 213
bytes of UTF-8 — drawn as SVG on the server, with no dependency and no script in the page.

Use :func:`encode` for the module matrix (``True`` = dark) and :func:`to_svg` for the picture.
Not for anything else: no other modes (numeric, alphanumeric, kanji), levels or versions.

The steps are the standard's, in order: data bits → codewords → Reed–Solomon error correction per
block → interleaving → function patterns → zigzag placement → the mask with the lowest penalty →
format (and, from version 7, version) information.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = [
    "MAX_BYTES",
    "QrCode",
    "encode",
    "format_bits",
    "rs_remainder",
    "to_svg",
    "version_bits",
]

#: level M, per version: (EC codewords per block, [(number of blocks, data codewords per block), …])
_BLOCKS_M: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = {
    1: (10, ((1, 16),)),
    2: (16, ((1, 28),)),
    3: (26, ((1, 44),)),
    4: (18, ((2, 32),)),
    5: (24, ((2, 43),)),
    6: (16, ((4, 27),)),
    7: (18, ((4, 31),)),
    8: (22, ((2, 38), (2, 39))),
    9: (22, ((3, 36), (2, 37))),
    10: (26, ((4, 43), (1, 44))),
}
#: centres of the alignment patterns (rows and columns), per version
_ALIGNMENT: dict[int, tuple[int, ...]] = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
_MODE_BYTE = 0b0100
_LEVEL_M = 0b00  # the format-information bits of level M (L=01, M=00, Q=11, H=10)
_FORMAT_MASK = 0b101010000010010
_PAD = (0xEC, 0x11)


def _data_codewords(version: int) -> int:
    _, groups = _BLOCKS_M[version]
    return sum(count * size for count, size in groups)


def _count_bits(version: int) -> int:
    return 8 if version <= 9 else 16


def _capacity(version: int) -> int:
    """Bytes of byte-mode data a symbol of ``version`` holds at level M."""
    return (_data_codewords(version) * 8 - 4 - _count_bits(version)) // 8


#: the most bytes this encoder takes (version 10-M)
MAX_BYTES = _capacity(10)


# ---------------------------------------------------------------------------------------------
# Reed–Solomon over GF(256), primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D)

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


def _multiply(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _generator(degree: int) -> list[int]:
    """Coefficients of (x - α^0)(x - α^1)…(x - α^(degree-1)), highest power first, leading 1 dropped."""
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            nxt[j + 1] ^= _multiply(coefficient, _EXP[i])
        poly = nxt
    return poly[1:]


def rs_remainder(data: Sequence[int], degree: int) -> list[int]:
    """The ``degree`` error-correction codewords of ``data`` (polynomial division remainder)."""
    generator = _generator(degree)
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        for i, coefficient in enumerate(generator):
            remainder[i] ^= _multiply(coefficient, factor)
    return remainder


# ---------------------------------------------------------------------------------------------
# codewords


def _codewords(payload: bytes, version: int) -> list[int]:
    """Data bits → padded data codewords → blocks with their EC codewords → interleaved sequence."""
    bits: list[int] = []

    def put(value: int, length: int) -> None:
        bits.extend((value >> i) & 1 for i in range(length - 1, -1, -1))

    put(_MODE_BYTE, 4)
    put(len(payload), _count_bits(version))
    for byte in payload:
        put(byte, 8)
    capacity = _data_codewords(version) * 8
    put(0, min(4, capacity - len(bits)))  # terminator
    put(0, -len(bits) % 8)
    data = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8)]
    for i in range(_data_codewords(version) - len(data)):
        data.append(_PAD[i % 2])

    ec_size, groups = _BLOCKS_M[version]
    blocks: list[list[int]] = []
    start = 0
    for count, size in groups:
        for _ in range(count):
            blocks.append(data[start : start + size])
            start += size
    ec_blocks = [rs_remainder(block, ec_size) for block in blocks]
    result = [block[i] for i in range(max(len(b) for b in blocks)) for block in blocks if i < len(block)]
    result += [block[i] for i in range(ec_size) for block in ec_blocks]
    return result


# ---------------------------------------------------------------------------------------------
# the matrix


def format_bits(mask: int) -> int:
    """The 15 format-information bits of level M with ``mask`` (BCH(15,5), then XOR 101010000010010)."""
    data = _LEVEL_M << 3 | mask
    remainder = data
    for _ in range(10):
        remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537)
    return (data << 10 | remainder & 0x3FF) ^ _FORMAT_MASK


def version_bits(version: int) -> int:
    """The 18 version-information bits (versions 7 and up): BCH(18,6)."""
    remainder = version
    for _ in range(12):
        remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25)
    return version << 12 | remainder & 0xFFF


_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)


class _Grid:
    """Modules (``dark``) and which of them belong to function patterns (``fixed``); x = column, y = row."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.size = 17 + 4 * version
        self.dark = [[False] * self.size for _ in range(self.size)]
        self.fixed = [[False] * self.size for _ in range(self.size)]

    def set(self, x: int, y: int, dark: bool) -> None:
        self.dark[y][x] = dark
        self.fixed[y][x] = True

    def draw_function_patterns(self) -> None:
        size = self.size
        for i in range(size):  # timing patterns
            self.set(6, i, i % 2 == 0)
            self.set(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):  # finders with their separators
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < size and 0 <= y < size:
                        distance = max(abs(dx), abs(dy))
                        self.set(x, y, distance not in (2, 4))
        centres = _ALIGNMENT[self.version]
        last = len(centres) - 1
        for i, cy in enumerate(centres):
            for j, cx in enumerate(centres):
                if (i, j) in ((0, 0), (0, last), (last, 0)):
                    continue  # where the finders are
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        self.set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
        self.draw_format(0)  # reserve the areas; the real bits come after masking
        self.draw_version()

    def draw_format(self, mask: int) -> None:
        bits = format_bits(mask)
        size = self.size

        def bit(i: int) -> bool:
            return (bits >> i) & 1 == 1

        for i in range(6):
            self.set(8, i, bit(i))
        self.set(8, 7, bit(6))
        self.set(8, 8, bit(7))
        self.set(7, 8, bit(8))
        for i in range(9, 15):
            self.set(14 - i, 8, bit(i))
        for i in range(8):
            self.set(size - 1 - i, 8, bit(i))
        for i in range(8, 15):
            self.set(8, size - 15 + i, bit(i))
        self.set(8, size - 8, True)  # the dark module

    def draw_version(self) -> None:
        if self.version < 7:
            return
        bits = version_bits(self.version)
        for i in range(18):
            dark = (bits >> i) & 1 == 1
            a, b = self.size - 11 + i % 3, i // 3
            self.set(a, b, dark)
            self.set(b, a, dark)

    def place(self, codewords: Sequence[int]) -> None:
        """Data bits in the zigzag order: two-module columns from the right, up then down."""
        size = self.size
        total = len(codewords) * 8
        i = 0
        right = size - 1
        while right >= 1:
            if right == 6:  # the vertical timing pattern is skipped
                right = 5
            upward = (right + 1) & 2 == 0
            for step in range(size):
                y = size - 1 - step if upward else step
                for x in (right, right - 1):
                    if not self.fixed[y][x] and i < total:
                        self.dark[y][x] = (codewords[i >> 3] >> (7 - (i & 7))) & 1 == 1
                        i += 1
            right -= 2

    def apply_mask(self, mask: int) -> None:
        test = _MASKS[mask]
        for y in range(self.size):
            for x in range(self.size):
                if not self.fixed[y][x] and test(x, y):
                    self.dark[y][x] = not self.dark[y][x]

    def penalty(self) -> int:
        size = self.size
        dark = self.dark
        score = 0
        lines = [dark[y] for y in range(size)] + [[dark[y][x] for y in range(size)] for x in range(size)]
        finder_like = ([True, False, True, True, True, False, True], [False] * 4)
        for line in lines:
            run = 1
            for i in range(1, size + 1):
                if i < size and line[i] == line[i - 1]:
                    run += 1
                    continue
                if run >= 5:
                    score += 3 + run - 5
                run = 1
            padded = [False] * 4 + list(line) + [False] * 4
            core, light = finder_like
            for i in range(len(padded) - 6):
                if padded[i : i + 7] == core and (padded[i - 4 : i] == light or padded[i + 7 : i + 11] == light):
                    score += 40
        for y in range(size - 1):
            for x in range(size - 1):
                if dark[y][x] == dark[y][x + 1] == dark[y + 1][x] == dark[y + 1][x + 1]:
                    score += 3
        count = sum(row.count(True) for row in dark)
        total = size * size
        k = (abs(count * 20 - total * 10) + total - 1) // total - 1
        return score + max(0, k) * 10


@dataclass(frozen=True)
class QrCode:
    version: int
    mask: int
    #: rows of modules, ``True`` = dark, without the quiet zone
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.modules)


def encode(text: str | bytes, *, version: int | None = None, mask: int | None = None) -> QrCode:
    """The QR code of ``text`` (UTF-8) at level M, in the smallest version that holds it.

    Raises ValueError when it needs more than version 10 (:data:`MAX_BYTES` bytes).
    """
    payload = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if version is None:
        version = next((v for v in _BLOCKS_M if len(payload) <= _capacity(v)), None)
        if version is None:
            raise ValueError(f"{len(payload)} bytes do not fit in a version 1-10 QR code (at most {MAX_BYTES})")
    elif version not in _BLOCKS_M or len(payload) > _capacity(version):
        raise ValueError(f"{len(payload)} bytes do not fit in version {version}")
    codewords = _codewords(payload, version)
    best: tuple[int, int, _Grid] | None = None
    for candidate in range(8) if mask is None else (mask,):
        grid = _Grid(version)
        grid.draw_function_patterns()
        grid.place(codewords)
        grid.apply_mask(candidate)
        grid.draw_format(candidate)
        score = grid.penalty()
        if best is None or score < best[0]:
            best = (score, candidate, grid)
    assert best is not None
    _, chosen, grid = best
    return QrCode(version, chosen, tuple(tuple(row) for row in grid.dark))


def to_svg(code: QrCode, *, title: str = "", quiet_zone: int = 4) -> str:
    """A standalone SVG document: one path of dark modules on a white square, scalable without blur."""
    size = code.size + 2 * quiet_zone
    runs = []
    for y, row in enumerate(code.modules):
        x = 0
        while x < code.size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < code.size and row[x]:
                x += 1
            runs.append(f"M{start + quiet_zone} {y + quiet_zone}h{x - start}v1h-{x - start}z")
    heading = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size * 4}" height="{size * 4}" shape-rendering="crispEdges" role="img">'
        f'{heading}<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
