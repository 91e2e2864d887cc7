"""Deterministic ids and random draws for seeded data, computed from an index, never stored.

Seeded customers, entities and accounts exist only as (block, index) pairs: their ids are
UUID v4 strings that encode the pair, so ``GET /customers/v1/{id}`` finds a customer among
a million without a table of a million ids. The encoding is keyed by the sandbox seed and
checked on decode, so a random or foreign UUID is simply unknown.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["Draws", "SeededIds", "rng_for", "stable_uuid"]

T = TypeVar("T")
_WORDS = struct.Struct(">16I")
_LETTERS = bytes(65 + i % 26 for i in range(256))
_DIGITS = bytes(48 + i % 10 for i in range(256))

# Kinds of seeded object an id can name.
CUSTOMER, ENTITY, ACCOUNT = 1, 2, 3
MAX_BLOCKS = 1 << 12
MAX_INDEX = 1 << 44
_NODE = (1 << 48) - 1


def _digest(*parts: object, size: int = 16) -> int:
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=size).digest(), "big")


def stable_uuid(*parts: object) -> str:
    """A UUID v4 string that depends only on ``parts``."""
    return str(uuid.UUID(int=_digest(*parts), version=4))


class Draws:
    """Random draws that depend only on the parts they were made from.

    A blake2b stream rather than ``random.Random``: seeding a Mersenne Twister costs about
    ten times more than the draws one seeded transaction needs, and a page builds dozens.
    """

    __slots__ = ("_block", "_key", "_position", "_texts", "_words")

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._block = 0
        self._words: tuple[int, ...] = ()
        self._position = 0
        self._texts = 0

    def _word(self) -> int:
        if self._position >= len(self._words):
            digest = hashlib.blake2b(
                self._key + self._block.to_bytes(4, "big"), digest_size=64
            ).digest()
            self._words = _WORDS.unpack(digest)
            self._block += 1
            self._position = 0
        word = self._words[self._position]
        self._position += 1
        return word

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._word() / 4294967296.0

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def randrange(self, stop: int) -> int:
        """An int in [0, stop) (stop below 2**32; the tiny bias does not matter here)."""
        return self._word() % stop

    def choice(self, options: Sequence[T]) -> T:
        return options[self.randrange(len(options))]

    def uuid(self) -> str:
        value = 0
        for _ in range(4):
            value = (value << 32) | self._word()
        return str(uuid.UUID(int=value, version=4))

    def digits(self, count: int) -> str:
        return self._bytes(count).translate(_DIGITS).decode()

    def letters(self, count: int) -> str:
        return self._bytes(count).translate(_LETTERS).decode()

    def _bytes(self, count: int) -> bytes:
        # Text comes from its own stream, a byte per character mapped through a table:
        # a page of transactions draws thousands of characters.
        found = b""
        while len(found) < count:
            self._texts += 1
            found += hashlib.blake2b(
                self._key + b"\x00text" + self._texts.to_bytes(4, "big"), digest_size=64
            ).digest()
        return found[:count]


def rng_for(*parts: object) -> Draws:
    """Random draws that depend only on ``parts`` (one stream per seeded object)."""
    return Draws("\x1f".join(str(part) for part in parts).encode())


class SeededIds:
    """Encode and decode ``(kind, block, index)`` as UUID v4 strings for one seed.

    Layout of the 122 free bits of a v4 UUID: the 48-bit node holds the index, scrambled
    by a keyed invertible map; 16 bits of time_mid hold kind and block masked by the index;
    the remaining 58 bits are a keyed checksum of all of it.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._node_mask = _digest("node", seed, size=6)
        # An odd multiplier is invertible modulo 2**48: consecutive indices land far apart.
        self._spread = _digest("spread", seed, size=6) | 1
        self._unspread = pow(self._spread, -1, 1 << 48)

    def _check(self, kind: int, block: int, index: int) -> int:
        return _digest("check", self._seed, kind, block, index, size=8) & ((1 << 58) - 1)

    def _kind_block_mask(self, index: int) -> int:
        return _digest("kb", self._seed, index, size=2)

    def encode(self, kind: int, block: int, index: int) -> str:
        if not 0 <= block < MAX_BLOCKS or not 0 <= index < MAX_INDEX:
            raise ValueError(f"seeded id out of range: block {block}, index {index}")
        check = self._check(kind, block, index)
        time_low = check >> 26  # 32 bits
        time_hi = (check >> 14) & 0xFFF  # 12 bits
        clock_seq = check & 0x3FFF  # 14 bits
        time_mid = ((kind << 12) | block) ^ self._kind_block_mask(index)
        node = ((index * self._spread) & _NODE) ^ self._node_mask
        value = (
            (time_low << 96)
            | (time_mid << 80)
            | (0x4 << 76)
            | (time_hi << 64)
            | (0b10 << 62)
            | (clock_seq << 48)
            | node
        )
        return str(uuid.UUID(int=value))

    def decode(self, text: str, kind: int) -> tuple[int, int] | None:
        """``(block, index)`` when ``text`` is a seeded id of ``kind`` for this seed."""
        try:
            value = uuid.UUID(text).int
        except (ValueError, AttributeError, TypeError):
            return None
        if (value >> 76) & 0xF != 4 or (value >> 62) & 0b11 != 0b10:
            return None
        index = (((value & _NODE) ^ self._node_mask) * self._unspread) & _NODE
        if index >= MAX_INDEX:
            return None
        kind_block = ((value >> 80) & 0xFFFF) ^ self._kind_block_mask(index)
        found_kind, block = kind_block >> 12, kind_block & 0xFFF
        if found_kind != kind:
            return None
        check = ((value >> 96) << 26) | (((value >> 64) & 0xFFF) << 14) | ((value >> 48) & 0x3FFF)
        if check != self._check(kind, block, index):
            return None
        return block, index
