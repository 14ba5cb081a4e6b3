"""Real publisher pages (Fundus test data): a sample checked page by page, and a quality gate.

The gate pins minimum average scores over the whole fundus set slightly below what the
extractor measured when the gate was set, so a regression fails the suite (trafilatura's
evaluation-gate style). Raise the floors when extraction improves; never lower them to make a
change pass.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from newscrawl.extract import extract_article

ROOT = Path(__file__).resolve().parent.parent
FUNDUS = ROOT / "tests" / "fixtures" / "fundus"


def _bench():
    spec = importlib.util.spec_from_file_location(
        "extract_quality", ROOT / "bench" / "extract_quality.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _bench()
CASES = bench.load_cases(FUNDUS)
#: Every 8th page: a spread of countries and layouts that stays fast.
SAMPLE = CASES[::8]


@pytest.mark.parametrize("case", SAMPLE, ids=lambda c: Path(c["html"]).name)
def test_sample_page_headline_date_and_body(case):
    expected = case["expected_values"]
    article = extract_article(bench.read_html(bench.page_path(FUNDUS, case)), case["url"])
    got = bench.Prediction(
        headline=article.headline,
        authors=article.authors,
        published_at=article.published_at,
        body=article.body,
    )
    assert article.body, "no body"
    assert bench.score_date(expected, got) == 1.0
    assert bench.score_body(expected, got) >= 0.7


#: Floors, set a little below the scores measured on this set (see bench/extract_quality.py).
GATE = {
    "headline": 0.89,  # measured 0.900 (0.869 before issue 16's kicker rule and headline_from)
    "authors": 0.82,  # measured 0.834 (raw byline strings: splitting is normalization's)
    "date": 0.99,  # measured 1.000
    "body": 0.963,  # measured 0.9668 (0.961 before issue 16)
    "captions": 0.815,  # measured 0.832 (0.811 before lazy galleries, 0.713 before round 2)
}


@pytest.mark.slow
def test_quality_gate_on_the_fundus_set():
    summary = bench.evaluate(FUNDUS, normalize=False, baseline=False)
    scores = summary["systems"]["newscrawl-raw"]["scores"]
    assert summary["systems"]["newscrawl-raw"]["errors"] == 0
    failed = {k: round(scores[k], 3) for k, floor in GATE.items() if scores[k] < floor}
    assert not failed, f"below the gate {GATE}: {json.dumps(failed)}"


#: People and body floors on the normalized Article (what a crawl stores), issue 16's goals.
NORMALIZED_GATE = {
    "authors_people": 0.96,  # measured 0.973 (0.919 before issue 16; trafilatura 0.876)
    "body": 0.963,  # measured 0.9664
}


#: Image floors, on the normalized Article (what `newscrawl extract` prints and a crawl stores:
#: captions and credits are split by normalization), a little below the scores measured.
IMAGE_GATE = {
    "image_recall": 0.865,  # measured 0.880 (0.849 before lazy galleries, 0.548 at 336c5f7)
    "image_precision": 0.645,  # measured 0.658 (0.637, 0.453)
    "caption_exact": 0.76,  # measured 0.775 (0.753, 0.658)
    "credit_f1": 0.745,  # measured 0.762 (0.744, 0.638)
}


@pytest.mark.slow
def test_people_body_and_image_gates_on_the_normalized_article():
    """One evaluation of the normalized Article (what a crawl stores) for both gates."""
    summary = bench.evaluate(FUNDUS, baseline=False)
    scores = summary["systems"]["newscrawl"]["scores"]
    assert summary["systems"]["newscrawl"]["errors"] == 0
    gates = {**NORMALIZED_GATE, **IMAGE_GATE}
    failed = {k: round(scores[k], 3) for k, floor in gates.items() if scores[k] < floor}
    assert not failed, f"below the gate {gates}: {json.dumps(failed)}"
