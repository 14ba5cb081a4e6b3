"""Fingerprints are stable: band keys already stored in users' databases must keep matching."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import numpy as np
from datasketch import MinHash

from newscrawl.dedupe.fingerprint import (
    _SEED,
    BANDS,
    NUM_PERM,
    SCHEME,
    _permutations,
    band_keys,
    body_bands,
    fingerprint,
    shingle_hashes,
    signature,
    words,
)
from tests.storekit import text

#: A body whose fingerprint is pinned: stored lsh_bands rows hold these keys.
PINNED_BODY = " ".join(f"word{i % 37} token{i % 11}" for i in range(60))
#: Keys of the current banding (10 bands of 3 rows, 30 permutations; migration 0002).
PINNED_BANDS = (625754748857959838, 2778798815463595668, -3229587176583488071,
                1433222599230164957)  # fmt: skip
#: Keys of the first release's banding (16 x 4, 64 permutations; datasketch update_batch,
#: one crc32 call per word), which migration 0002 replaces and its downgrade restores.
FIRST_RELEASE_BANDS = (-3337861397915894616, -2114864802427206106, 1839437042335861565,
                       -925488517208625221)  # fmt: skip
PINNED_HASH = "62a78a1e9c48fceae8faeff9ad479caa78c5910e97e8434d3d105700f37f2160"


def test_fingerprint_of_a_known_body_has_not_changed() -> None:
    prints = fingerprint("Storm hits the coast", PINNED_BODY)
    assert prints.bands[:4] == PINNED_BANDS
    assert len(prints.bands) == BANDS == 10
    assert prints.content_hash == PINNED_HASH
    assert prints.headline_key == "5082b936290c7c2547fe"
    assert prints.words == 120


def test_first_release_keys_can_still_be_computed() -> None:
    keys = body_bands(words(PINNED_BODY), num_perm=64, bands=16)
    assert keys[:4] == FIRST_RELEASE_BANDS
    assert len(keys) == 16


def test_signature_equals_datasketch_update_batch() -> None:
    for seed in range(20):
        hashes = shingle_hashes(words(text(seed, 50 + 40 * seed)))
        reference = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=int, scheme=SCHEME)
        reference.update_batch(hashes.tolist())
        assert np.array_equal(signature(hashes), reference.hashvalues)
        assert band_keys(reference.hashvalues) == band_keys(signature(hashes))


def test_permutations_and_empty_signature_are_datasketchs() -> None:
    """Drawn without importing datasketch on the hot path, checked against it here."""
    for num_perm in (NUM_PERM, 64, 128):
        reference = MinHash(num_perm=num_perm, seed=_SEED, hashfunc=int, scheme=SCHEME)
        a, b = _permutations(num_perm)
        assert np.array_equal(a[0], reference.permutations[0])
        assert np.array_equal(b[0], reference.permutations[1])
        empty = signature(np.zeros(0, dtype=np.uint64), num_perm)
        assert np.array_equal(empty, reference.hashvalues)


def test_crawling_code_does_not_import_datasketch() -> None:
    """``import datasketch`` brings scipy: 0.4 s and ~30 MB in every crawler and worker."""
    code = (
        "import sys, newscrawl.process, newscrawl.extract.pool, newscrawl.dedupe.prepare;"
        "import newscrawl.pipelines.dedupe;"
        "from newscrawl.dedupe.fingerprint import fingerprint;"
        "fingerprint('A headline of words', ' '.join(f'w{i}' for i in range(99)));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ascii_words_equal_the_unicode_tokenizer() -> None:
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(128)]
    for _ in range(300):
        sample = "".join(rng.choices(alphabet, k=rng.randrange(1, 80)))
        assert words(sample) == re.findall(r"[^\W_]+", sample.casefold()), repr(sample)


def test_non_ascii_words_are_normalized() -> None:
    assert words("Ｆｕｌｌ-width ÉTÉ straße") == ["full", "width", "été", "strasse"]
