"""Content fingerprints: an exact hash and MinHash LSH band keys of the normalized body.

The band keys are plain 63-bit integers so that the near-duplicate index can live in
an indexed database column (``lsh_bands``): a lookup is one ``IN`` over at most
:data:`BANDS` keys, whatever the size of the table.

The MinHash signatures are computed here, in numpy (:func:`signature`), with datasketch's
``affine32`` permutations: the values datasketch's ``MinHash.update_batch`` gives, which
``tests/test_dedupe_fingerprint.py`` checks against datasketch itself. Crawlers never import
datasketch (it brings scipy: 0.4 s and ~30 MB in every crawler and worker); it is a test
dependency only.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: MinHash size and banding: 10 bands of 3 rows. A pair of bodies shares a band with
#: probability 1 - (1 - J**3)**10: 0.91 at the 0.6 Jaccard that makes the same text, 0.48 at
#: 0.4 (a truncated copy), 0.08 at 0.2. The first release used 16 bands of 4 rows (64
#: permutations: 0.89, 0.34, 0.03); each band is one random-key row in ``lsh_bands``, whose
#: index pages are most of what a batch writes once the table is large, so 10 rows per body
#: instead of 16 (migration 0002 recomputed stored keys).
NUM_PERM = 30
BANDS = 10
ROWS = NUM_PERM // BANDS
#: Bodies shorter than this (in words) are too generic for content matching.
MIN_WORDS = 20
SHINGLE = 3
_SEED = 20240611
_WORD_RE = re.compile(r"[^\W_]+")
_MIX = 0x9E3779B1
#: Words whose crc32 is memoized before the memo starts again (~100 bytes each: ~10 MB).
TOKEN_MEMO_LIMIT = 100_000
#: ASCII letters and digits lower-cased, everything else a space: what _WORD_RE keeps of ASCII.
_ASCII_WORDS = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256)).lower()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What de-duplication needs to know about one body and headline."""

    content_hash: str | None
    headline_key: str | None
    bands: tuple[int, ...]
    words: int


def words(text: str | None) -> list[str]:
    """Case-folded word tokens (NFKC), punctuation and whitespace removed.

    >>> words("Hello,  World! It's 2024.")
    ['hello', 'world', 'it', 's', '2024']
    """
    if not text:
        return []
    if text.isascii():  # the common case, twice as fast without the regex engine
        return text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())


def content_hash(body: str | None) -> str | None:
    """SHA-256 of the normalized body: equal for bodies that differ only in case,
    punctuation or whitespace; ``None`` for an empty body.

    >>> content_hash("Hello, world.") == content_hash("hello   WORLD")
    True
    >>> content_hash("") is None
    True
    """
    return _tokens_hash(words(body))


def _tokens_hash(tokens: list[str]) -> str | None:
    if not tokens:
        return None
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()


def headline_key(headline: str | None) -> str | None:
    """A short hash of the normalized headline, for headlines of at least four words.

    >>> headline_key("Storm hits the coast") == headline_key("STORM hits the coast!")
    True
    >>> headline_key("Live") is None
    True
    """
    tokens = words(headline)
    if len(tokens) < 4:
        return None
    return hashlib.sha1(" ".join(tokens).encode()).hexdigest()[:20]


def shingle_hashes(tokens: Sequence[str], size: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the overlapping word n-grams, the unit of resemblance.

    Each word is hashed once (crc32, memoized) and n-gram hashes are combined in
    numpy, which is several times faster than hashing joined strings.

    >>> len(shingle_hashes(["a", "b", "c", "d"])), len(shingle_hashes(["a"]))
    (2, 1)
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    if len(_TOKEN_HASHES) > TOKEN_MEMO_LIMIT:
        _TOKEN_HASHES.clear()
    # map() over the dict's own lookup: no Python frame per word, misses via __missing__
    hashes = np.fromiter(map(_TOKEN_HASHES.__getitem__, tokens), np.uint64, len(tokens))
    if len(tokens) < size:
        size = len(tokens)
    combined = np.zeros(len(tokens) - size + 1, dtype=np.uint64)
    for offset in range(size):
        combined = combined * np.uint64(_MIX) + hashes[offset : offset + len(combined)]
    return (combined ^ (combined >> np.uint64(29))) & np.uint64(0xFFFFFFFF)


class _TokenHashes(dict[str, int]):
    """crc32 of each word, memoized: news text repeats its words a lot."""

    def __missing__(self, token: str) -> int:
        value = self[token] = zlib.crc32(token.encode())
        return value


_TOKEN_HASHES = _TokenHashes()


#: datasketch's affine permutation scheme over 32-bit values, named rather than left to
#: the library's default (which changed in datasketch 2.0): stored band keys depend on it.
SCHEME = "affine32"


#: The largest 32-bit value: a permutation's minimum before any input (affine32's "empty").
_EMPTY = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=4)
def _permutations(num_perm: int = NUM_PERM) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 (a, b) permutation parameters as rows, ready to broadcast.

    Drawn as datasketch draws them (numpy's legacy ``RandomState``, whose streams never
    change): odd multipliers ``a`` below 2**32, offsets ``b``. Drawing them here spares the
    hot path the datasketch import; ``tests/test_dedupe_fingerprint.py`` checks them against
    ``MinHash(...).permutations``.
    """
    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a[np.newaxis, :], b[np.newaxis, :]


def _premix(values: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer, which the affine32 scheme applies to each input."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature(hashes: np.ndarray, num_perm: int = NUM_PERM) -> np.ndarray:
    """The MinHash values (uint32, one per permutation) of a set of 32-bit shingle hashes.

    The same values datasketch's ``MinHash.update_batch`` computes, in one numpy
    expression over the (shingles x permutations) matrix instead of a Python loop
    over the shingles first.
    """
    if not len(hashes):
        return np.full(num_perm, _EMPTY, dtype=np.uint32)
    a, b = _permutations(num_perm)
    mixed = _premix(hashes.astype(np.uint32))[:, np.newaxis]
    return (mixed * a + b).min(axis=0)


def band_keys(signature: np.ndarray, bands: int = BANDS) -> tuple[int, ...]:
    """One signed 63-bit key per LSH band (band number mixed in, so bands never collide)."""
    packed = np.asarray(signature).astype(">u4").tobytes()
    width = len(packed) // bands
    keys = []
    for band in range(bands):
        chunk = struct.pack(">I", band) + packed[band * width : (band + 1) * width]
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True) >> 1)
    return tuple(keys)


def body_bands(
    tokens: Sequence[str], num_perm: int = NUM_PERM, bands: int = BANDS
) -> tuple[int, ...]:
    """The LSH band keys of a tokenized body; none for bodies under :data:`MIN_WORDS` words.

    The banding is a parameter so that a migration can compute the keys of a given
    release whatever the current defaults are.
    """
    if len(tokens) < MIN_WORDS:
        return ()
    return band_keys(signature(shingle_hashes(tokens), num_perm), bands)


def fingerprint(headline: str | None, body: str | None) -> Fingerprint:
    """Exact hash, headline key and LSH band keys of an article's text."""
    tokens = words(body)
    return Fingerprint(
        content_hash=_tokens_hash(tokens),
        headline_key=headline_key(headline),
        bands=body_bands(tokens),
        words=len(tokens),
    )


def resemblance(a: str | None, b: str | None) -> tuple[float, float]:
    """Exact (Jaccard, containment of the shorter in the longer) of two bodies' shingles.

    Containment is what tells a truncated copy from a different story.

    >>> resemblance("one two three four five", "one two three four five six seven")
    (0.6, 1.0)
    """
    sa, sb = set(shingle_hashes(words(a)).tolist()), set(shingle_hashes(words(b)).tolist())
    if not sa or not sb:
        return 0.0, 0.0
    common = len(sa & sb)
    return common / len(sa | sb), common / min(len(sa), len(sb))
