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
    return _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())


def content_hash(body: str | None) -> str | None:
    """SHA-256 of the normalized body: equal for bodies that differ only in case,
    punctuation or whitespace; ``None`` for an empty body.

    >>> content_hash("Hello, world.") == content_hash("hello   WORLD")
    True
    >>> content_hash("") is None
    True
    """
    tokens = words(body)
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


def shingles(tokens: Sequence[str], size: int = SHINGLE) -> set[bytes]:
    """Overlapping word n-grams, the unit of resemblance.

    >>> sorted(shingles(["a", "b", "c", "d"]))
    [b'a b c', b'b c d']
    """
    if len(tokens) < size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


@lru_cache(maxsize=1)
def _template() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=zlib.crc32)


def minhash(shingle_set: set[bytes]) -> MinHash:
    """MinHash signature of a shingle set (crc32 keeps it fast and stable across processes)."""
    template = _template()
    signature = MinHash(
        num_perm=NUM_PERM,
        permutations=template.permutations,
        scheme=template.scheme,
        hashfunc=zlib.crc32,
    )
    signature.update_batch(list(shingle_set))
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
        bands = band_keys(minhash(shingles(tokens)))
    return Fingerprint(
        content_hash=content_hash(body),
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
    sa, sb = shingles(words(a)), shingles(words(b))
    if not sa or not sb:
        return 0.0, 0.0
    common = len(sa & sb)
    return common / len(sa | sb), common / min(len(sa), len(sb))
