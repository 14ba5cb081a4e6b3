"""Content fingerprints: an exact hash and MinHash LSH band keys of the normalized body.

The band keys are plain 63-bit integers so that the near-duplicate index can live in
an indexed database column (``lsh_bands``): a lookup is one ``IN`` over at most
:data:`BANDS` keys, whatever the size of the table.
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
from datasketch import MinHash

#: MinHash size and banding: 16 bands of 4 rows catch pairs above ~0.5 Jaccard.
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
#: Bodies shorter than this (in words) are too generic for content matching.
MIN_WORDS = 20
SHINGLE = 3
_SEED = 20240611
_WORD_RE = re.compile(r"[^\W_]+")
_MIX = 0x9E3779B1


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
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _WORD_RE.findall(text.casefold())


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

    Each word is hashed once (crc32) and n-gram hashes are combined in numpy, which
    is several times faster than hashing joined strings.

    >>> len(shingle_hashes(["a", "b", "c", "d"])), len(shingle_hashes(["a"]))
    (2, 1)
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.array([_token_hash(t) for t in tokens], dtype=np.uint64)
    if len(tokens) < size:
        size = len(tokens)
    combined = np.zeros(len(tokens) - size + 1, dtype=np.uint64)
    for offset in range(size):
        combined = combined * np.uint64(_MIX) + hashes[offset : offset + len(combined)]
    return (combined ^ (combined >> np.uint64(29))) & np.uint64(0xFFFFFFFF)


_TOKEN_HASHES: dict[str, int] = {}


def _token_hash(token: str) -> int:
    """crc32 of a word, memoized: news text repeats its words a lot."""
    value = _TOKEN_HASHES.get(token)
    if value is None:
        if len(_TOKEN_HASHES) > 500_000:
            _TOKEN_HASHES.clear()
        value = _TOKEN_HASHES[token] = zlib.crc32(token.encode())
    return value


@lru_cache(maxsize=1)
def _template() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=int)


def minhash(hashes: np.ndarray) -> MinHash:
    """MinHash signature of a set of 32-bit shingle hashes (datasketch does the permuting)."""
    template = _template()
    signature = MinHash(
        num_perm=NUM_PERM, permutations=template.permutations, scheme=template.scheme, hashfunc=int
    )
    signature.update_batch(hashes.tolist())
    return signature


def band_keys(signature: MinHash) -> tuple[int, ...]:
    """One signed 63-bit key per LSH band (band number mixed in, so bands never collide)."""
    values = [int(v) for v in signature.hashvalues]
    keys = []
    for band in range(BANDS):
        chunk = struct.pack(f">I{ROWS}I", band, *values[band * ROWS : (band + 1) * ROWS])
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True) >> 1)
    return tuple(keys)


def fingerprint(headline: str | None, body: str | None) -> Fingerprint:
    """Exact hash, headline key and LSH band keys of an article's text."""
    tokens = words(body)
    bands: tuple[int, ...] = ()
    if len(tokens) >= MIN_WORDS:
        bands = band_keys(minhash(shingle_hashes(tokens)))
    return Fingerprint(
        content_hash=_tokens_hash(tokens),
        headline_key=headline_key(headline),
        bands=bands,
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
