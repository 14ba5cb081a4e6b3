"""Score newscrawl's extraction against pages with expected values, next to trafilatura alone.

Usage::

    .venv/bin/python bench/extract_quality.py                 # tests/fixtures/fundus, table
    .venv/bin/python bench/extract_quality.py --json          # machine-readable
    .venv/bin/python bench/extract_quality.py --fixtures DIR  # another set in the same format
    .venv/bin/python bench/extract_quality.py --per-page      # one line per page (debugging)

The fixture format is Fundus' (see tests/fixtures/fundus/README.md): ``manifest.json`` pairs
each saved page with its expected values. Metrics (one function each, registered in
:data:`METRICS`):

- headline: exact match after whitespace normalization;
- authors: set F1, case-insensitive;
- authors_people: the same with organisations set aside on both sides: wire agencies, the
  site itself (a name holding the page's declared site name, its host word or the Fundus
  publisher's name: "BBC News", "ndr.de", "Le Figaro et AFP") and desks ("MND Staff",
  "IN-Redaktion"); pages whose expected authors are all organisations are skipped;
- date: same calendar day as the expected publishing date;
- body: token F1 (bag of whitespace-separated tokens; expected = summary + section
  headlines + paragraphs), averaged over pages;
- captions: recall of expected image captions (pages that have some);
- image_credits: recall of expected image credits (pages that have some; not in "overall");
- photo_credits: the same, counting only credits found in the image's ``credit`` field;
- wire_credits: set F1 of canonical wire credits on pages whose expected authors name an
  agency (Fundus lists agencies as authors; newscrawl moves them to ``wire_credits``).

Images (one function each, pages whose expected values list images):

- image_recall: share of expected pictures one of whose renditions (``versions``) is an output
  image URL (URLs compared canonicalized, scheme left out);
- image_precision: share of output image URLs that are a rendition of an expected picture
  (pages with output images; a page Fundus lists no picture for scores 0 when we output some);
- caption_exact: share of expected captions that an output caption equals exactly (after
  whitespace normalization), on pages with expected captions;
- credit_f1: set F1 of credit parts (credits split at "/", "|", ",", ";", case-insensitive: one
  convention for Fundus' credit lists and our one credit string per picture), on pages with
  expected credits.

With ``--previous FILE`` (default ``bench/extract_quality_previous.json``, the figures of the
previous release, written with ``--json --per-page``) the table shows them next to today's,
and ``--per-page`` prints each page's previous newscrawl scores under ``previous``.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from w3lib.url import canonicalize_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURES = ROOT / "tests" / "fixtures" / "fundus"
DEFAULT_PREVIOUS = ROOT / "bench" / "extract_quality_previous.json"
_SPACES = re.compile(r"\s+")


@dataclass(slots=True)
class Prediction:
    """What one extractor produced for a page, in the shape the metrics compare."""

    headline: str | None = None
    authors: list[str] = field(default_factory=list)
    published: date | None = None
    published_at: datetime | None = None
    body: str | None = None
    captions: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    wire_credits: list[str] = field(default_factory=list)
    #: (url, caption, credit) of every output picture, in order
    images: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    error: str | None = None


def norm(text: str | None) -> str:
    """Whitespace-normalized text."""
    return _SPACES.sub(" ", text or "").strip()


def expected_body(expected: dict[str, Any]) -> str:
    """Summary, then each section's headlines and paragraphs, one per line."""
    body = expected.get("body") or {}
    lines = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        lines.extend(section.get("headline") or [])
        lines.extend(section.get("paragraphs") or [])
    return "\n".join(lines)


def expected_date(expected: dict[str, Any]) -> datetime | None:
    raw = expected.get("publishing_date")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


# --- metrics: (expected, prediction) -> score in [0, 1], or None when not applicable ------


def score_headline(expected: dict[str, Any], got: Prediction) -> float | None:
    if "title" not in expected:
        return None
    return 1.0 if norm(expected["title"]) == norm(got.headline) else 0.0


def set_f1(expected: list[str], got: list[str]) -> float:
    want = {norm(x).lower() for x in expected if norm(x)}
    have = {norm(x).lower() for x in got if norm(x)}
    if not want and not have:
        return 1.0
    if not want or not have:
        return 0.0
    hits = len(want & have)
    if not hits:
        return 0.0
    precision, recall = hits / len(have), hits / len(want)
    return 2 * precision * recall / (precision + recall)


def score_authors(expected: dict[str, Any], got: Prediction) -> float | None:
    if "authors" not in expected:
        return None
    return set_f1(expected["authors"], got.authors)


#: Words that make a byline a desk, not a person ("MND Staff", "IN-Redaktion").
_DESK_WORDS = frozenset(
    {"staff", "desk", "team", "newsroom", "redaktion", "redaction", "rédaction", "redacción"}
    | {"redazione", "editorial", "editors", "online", "web"}
)
_WORD = re.compile(r"[^\W\d_]+")


def _site_keys(expected: dict[str, Any]) -> list[str]:
    from newscrawl.normalize.text import fold_key

    names = expected.get("_site_names") or []
    return [k for k in {fold_key(n) for n in names} if len(k) >= 3]


def is_organisation(name: str, site_keys: list[str]) -> bool:
    """A byline entry that names an agency, the site itself or a desk, not a person.

    >>> is_organisation("MND Staff", []), is_organisation("Le Figaro et AFP", ["lefigaro"])
    (True, True)
    >>> is_organisation("Jane Doe", ["example"]), is_organisation("Jan Sternberg", ["stern"])
    (False, False)
    """
    from newscrawl.normalize.agencies import agencies_only
    from newscrawl.normalize.text import fold_key

    if agencies_only(name):
        return True
    words = name.split()
    spans = {
        fold_key(" ".join(words[i:j]))
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
    }
    if spans & set(site_keys):
        return True
    return any(w.casefold() in _DESK_WORDS for w in _WORD.findall(name))


def _people(names: list[str], site_keys: list[str]) -> list[str]:
    return [n for n in names if not is_organisation(n, site_keys)]


def score_authors_people(expected: dict[str, Any], got: Prediction) -> float | None:
    """Authors set F1 over people only: organisations (:func:`is_organisation`) are left out
    on both sides (Fundus lists agencies, desks and the site as authors; newscrawl moves
    agencies to ``wire_credits`` and drops the rest). Pages whose expected authors are all
    organisations are skipped."""
    if "authors" not in expected:
        return None
    keys = _site_keys(expected)
    wanted = _people(expected["authors"], keys)
    if not wanted:
        return None
    return set_f1(wanted, _people(got.authors, keys))


def score_date(expected: dict[str, Any], got: Prediction) -> float | None:
    want = expected_date(expected)
    if want is None:
        return None
    if got.published_at is not None:
        have = got.published_at
        if want.tzinfo is not None and have.tzinfo is not None:
            have = have.astimezone(want.tzinfo)
        return 1.0 if have.date() == want.date() else 0.0
    if got.published is not None:
        return 1.0 if got.published == want.date() else 0.0
    return 0.0


def token_f1(expected: str, got: str) -> float:
    """F1 over bags of whitespace-separated tokens.

    >>> round(token_f1("a b c d", "a b c e"), 2)
    0.75
    """
    want, have = Counter(expected.split()), Counter(got.split())
    if not want and not have:
        return 1.0
    overlap = sum((want & have).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(have.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def score_body(expected: dict[str, Any], got: Prediction) -> float | None:
    if "body" not in expected:
        return None
    return token_f1(expected_body(expected), got.body or "")


def _recall(wanted: list[str], found: list[str]) -> float | None:
    want = [norm(x).lower() for x in wanted if norm(x)]
    if not want:
        return None
    have = [norm(x).lower() for x in found if norm(x)]
    hits = sum(1 for w in want if any(w == h or w in h or (len(h) > 20 and h in w) for h in have))
    return hits / len(want)


def score_captions(expected: dict[str, Any], got: Prediction) -> float | None:
    wanted = [img.get("caption") for img in expected.get("images") or [] if img.get("caption")]
    return _recall(wanted, got.captions)


def score_image_credits(expected: dict[str, Any], got: Prediction) -> float | None:
    wanted = [a for img in expected.get("images") or [] for a in img.get("authors") or []]
    return _recall(wanted, got.credits + got.captions)


def expected_wire_credits(expected: dict[str, Any]) -> list[str]:
    """Text agencies Fundus lists among a page's authors ("AP", "dpa", "AFP, MANILA")."""
    from newscrawl.normalize.agencies import agencies_in

    found = [a for name in expected.get("authors") or [] for a in agencies_in(name)]
    return list(dict.fromkeys(a.name for a in found if a.is_text))


def score_wire_credits(expected: dict[str, Any], got: Prediction) -> float | None:
    """Set F1 of canonical wire credits, on pages whose expected authors name an agency."""
    wanted = expected_wire_credits(expected)
    return set_f1(wanted, got.wire_credits) if wanted else None


def score_photo_credits(expected: dict[str, Any], got: Prediction) -> float | None:
    """Recall of expected image credits found in the credit field itself (not the caption)."""
    wanted = [a for img in expected.get("images") or [] for a in img.get("authors") or []]
    return _recall(wanted, got.credits)


# --- image metrics ----------------------------------------------------------------------

_CREDIT_SPLIT = re.compile(r"[/|,;]")


def url_key(url: str) -> str:
    """A URL compared as a browser would fetch it: canonical query and escapes, no scheme.

    >>> url_key("https://cdn.ex.com/a.jpg?w=1,2") == url_key("http://cdn.ex.com/a.jpg?w=1%2C2")
    True
    """
    try:
        canonical = canonicalize_url(url.strip())
    except ValueError:
        canonical = url.strip()
    return canonical.split("://", 1)[-1]


def _expected_pictures(expected: dict[str, Any]) -> list[set[str]]:
    """The rendition URL keys of each expected picture."""
    return [
        {url_key(v["url"]) for v in img.get("versions") or [] if v.get("url")}
        for img in expected.get("images") or []
    ]


def _output_urls(got: Prediction) -> list[str]:
    return [url_key(url) for url, _caption, _credit in got.images if url]


def score_image_recall(expected: dict[str, Any], got: Prediction) -> float | None:
    pictures = [p for p in _expected_pictures(expected) if p]
    if not pictures:
        return None
    have = set(_output_urls(got))
    return sum(1 for keys in pictures if keys & have) / len(pictures)


def score_image_precision(expected: dict[str, Any], got: Prediction) -> float | None:
    if "images" not in expected:
        return None
    urls = _output_urls(got)
    if not urls:
        return None
    known = set().union(*_expected_pictures(expected))
    return sum(1 for url in urls if url in known) / len(urls)


def score_caption_exact(expected: dict[str, Any], got: Prediction) -> float | None:
    wanted = [
        norm(img["caption"]) for img in expected.get("images") or [] if norm(img.get("caption"))
    ]
    if not wanted:
        return None
    have = {norm(caption) for _url, caption, _credit in got.images if caption}
    return sum(1 for w in wanted if w in have) / len(wanted)


def credit_parts(credits: list[str]) -> list[str]:
    """Credit strings as their parts.

    >>> credit_parts(["AP Photo/Eric Gay, File", "dpa | Jens Kalaene"])
    ['AP Photo', 'Eric Gay', 'File', 'dpa', 'Jens Kalaene']
    """
    return [part.strip() for text in credits for part in _CREDIT_SPLIT.split(text) if part.strip()]


def score_credit_f1(expected: dict[str, Any], got: Prediction) -> float | None:
    wanted = credit_parts(
        [a for img in expected.get("images") or [] for a in img.get("authors") or []]
    )
    if not wanted:
        return None
    return set_f1(wanted, credit_parts([c for _url, _caption, c in got.images if c]))


#: name -> metric; "overall" averages the fields listed in :data:`OVERALL`.
METRICS: dict[str, Callable[[dict[str, Any], Prediction], float | None]] = {
    "headline": score_headline,
    "authors": score_authors,
    "authors_people": score_authors_people,
    "date": score_date,
    "body": score_body,
    "captions": score_captions,
    "image_credits": score_image_credits,
    "photo_credits": score_photo_credits,
    "wire_credits": score_wire_credits,
    "image_recall": score_image_recall,
    "image_precision": score_image_precision,
    "caption_exact": score_caption_exact,
    "credit_f1": score_credit_f1,
}
OVERALL: tuple[str, ...] = ("headline", "authors", "date", "body", "captions")


# --- the two extractors ---------------------------------------------------------------


def _prediction(article: Any) -> Prediction:
    return Prediction(
        headline=article.headline,
        authors=list(article.authors),
        published_at=article.published_at,
        body=article.body,
        captions=[i.caption for i in article.images if i.caption],
        credits=[i.credit for i in article.images if i.credit],
        wire_credits=list(article.wire_credits),
        images=[(i.url, i.caption, i.credit) for i in article.images],
    )


class NewscrawlRunner:
    """Extract each page once; score the raw Article and, separately, its normalized copy
    (what ``newscrawl extract`` prints)."""

    def __init__(self, fast: bool = False) -> None:
        self.last: Any = None
        self.fast = fast

    def raw(self, html: bytes, url: str) -> Prediction:
        from newscrawl.extract import extract_article

        self.last = None
        self.last = extract_article(html, url, fast=self.fast)
        return _prediction(self.last)

    def normalized(self, html: bytes, url: str) -> Prediction:
        from newscrawl.normalize import normalize_article

        if self.last is None:
            raise RuntimeError("extraction failed")
        return _prediction(normalize_article(copy.deepcopy(self.last)))


def run_trafilatura(html: bytes, url: str) -> Prediction:
    import trafilatura

    doc = trafilatura.bare_extraction(html.decode("utf-8", "replace"), url=url, with_metadata=True)
    if doc is None or isinstance(doc, dict):  # a dict only with as_dict=True
        return Prediction()
    published = None
    if doc.date:
        try:
            published = date.fromisoformat(doc.date[:10])
        except ValueError:
            published = None
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Prediction(headline=doc.title, authors=authors, published=published, body=doc.text)


# --- driver ---------------------------------------------------------------------------------


def load_cases(fixtures: Path) -> list[dict[str, Any]]:
    manifest = json.loads((fixtures / "manifest.json").read_text(encoding="utf-8"))
    cache: dict[str, dict[str, Any]] = {}
    cases = []
    for row in manifest["cases"]:
        if row["expected"] not in cache:
            cache[row["expected"]] = json.loads((fixtures / row["expected"]).read_text("utf-8"))
        expected = cache[row["expected"]].get(row["version"])
        if expected is None:
            continue
        cases.append({**row, "expected_values": expected})
    return cases


def declared_site_names(html: bytes, case: dict[str, Any]) -> list[str]:
    """The names a page gives its site (og:site_name, application-name, JSON-LD publisher),
    its host's registrable name and the Fundus publisher's name: what a byline naming the
    site itself holds (see :func:`is_organisation`)."""
    from urllib.parse import urlsplit

    from newscrawl.extract.document import parse_document
    from newscrawl.extract.fields import site_names
    from newscrawl.extract.jsonld import read_jsonld
    from newscrawl.extract.meta import meta_table
    from newscrawl.normalize.headline import host_names

    try:
        doc = parse_document(html, case["url"])
        names = site_names(meta_table(doc), read_jsonld(doc))
    except Exception:  # an unparsable page declares nothing
        names = []
    hosts = host_names(urlsplit(case["url"]).hostname)
    return [*names, *hosts, case.get("publisher") or ""]


def read_html(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def evaluate(
    fixtures: Path,
    *,
    normalize: bool = True,
    limit: int | None = None,
    baseline: bool = True,
    fast: bool = False,
) -> dict[str, Any]:
    """Run newscrawl (and trafilatura alone unless ``baseline`` is false) over every case.

    Returns per-system averages, counts, timings and per-page scores.
    """
    cases = load_cases(fixtures)[:limit]
    runner = NewscrawlRunner(fast=fast)
    systems: dict[str, Callable[[bytes, str], Prediction]] = {"newscrawl-raw": runner.raw}
    if normalize:
        systems["newscrawl"] = runner.normalized
    if baseline:
        systems["trafilatura"] = run_trafilatura
    scores: dict[str, dict[str, list[float]]] = {s: {m: [] for m in METRICS} for s in systems}
    seconds: dict[str, float] = dict.fromkeys(systems, 0.0)
    errors: dict[str, int] = dict.fromkeys(systems, 0)
    pages = []
    for case in cases:
        html = read_html(fixtures / case["html"])
        case["expected_values"] = {
            **case["expected_values"],
            "_site_names": declared_site_names(html, case),
        }
        page: dict[str, Any] = {"html": case["html"]}
        for name, system in systems.items():
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    got = system(html, case["url"])
            except Exception as err:  # a crash scores 0 on every field, and is counted
                got = Prediction(error=f"{type(err).__name__}: {err}")
                errors[name] += 1
            seconds[name] += time.perf_counter() - start
            page[name] = {}
            for metric, function in METRICS.items():
                value = function(case["expected_values"], got)
                if value is not None:
                    scores[name][metric].append(value)
                    page[name][metric] = round(value, 3)
            if got.error:
                page[name]["error"] = got.error
        pages.append(page)
    if normalize:  # normalizing starts from the raw extraction: count both
        seconds["newscrawl"] += seconds["newscrawl-raw"]
    summary: dict[str, Any] = {"fixtures": str(fixtures), "pages": len(cases), "systems": {}}
    for name in systems:
        fields_ = {m: _mean(v) for m, v in scores[name].items()}
        counts = {m: len(v) for m, v in scores[name].items()}
        overall = [score for m in OVERALL if (score := fields_[m]) is not None]
        summary["systems"][name] = {
            "scores": fields_,
            "counts": counts,
            "overall": sum(overall) / len(overall) if overall else None,
            "ms_per_page": 1000 * seconds[name] / max(len(cases), 1),
            "pages_per_s": len(cases) / seconds[name] if seconds[name] else None,
            "errors": errors[name],
        }
    summary["per_page"] = pages
    return summary


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def load_previous(path: Path | None) -> dict[str, Any] | None:
    """The previous release's summary (``--json --per-page`` output), if the file exists."""
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _cell(metric: str, data: dict[str, Any] | None) -> str:
    if data is None:
        return f"{'':>15}"
    value = data["scores"].get(metric) if metric in METRICS else data.get(metric)
    if value is None:
        return f"{'n/a':>15}"
    if metric in ("ms_per_page", "pages_per_s"):
        return f"{value:>15.1f}"
    if metric == "errors":
        return f"{value:>15d}"
    return f"{value:>15.3f}"


def format_table(summary: dict[str, Any], previous: dict[str, Any] | None = None) -> str:
    """One row per metric, one column per system (and, with ``previous``, its figures of the
    previous release beside it)."""
    columns: list[tuple[str, dict[str, Any] | None]] = []
    for name, data in summary["systems"].items():
        columns.append((name, data))
        if previous is not None and name in previous["systems"] and name != "trafilatura":
            columns.append(("previous", previous["systems"][name]))
    lines = [
        f"fixtures: {summary['fixtures']}  pages: {summary['pages']}",
        f"{'field':<15}" + "".join(f"{name:>15}" for name, _ in columns) + f"{'pages':>8}",
    ]
    for metric in [*METRICS, "overall", "ms_per_page", "pages_per_s", "errors"]:
        row = f"{metric:<15}" + "".join(_cell(metric, data) for _, data in columns)
        counts = [d["counts"][metric] for _, d in columns if d and metric in d.get("counts", {})]
        lines.append(row + f"{counts[0] if counts and metric in METRICS else '':>8}")
    lines.append(
        "newscrawl-raw: extract_article only; newscrawl: + normalize_article (the CLI output)"
    )
    if previous is not None:
        lines.append("previous: the same system at the previous release (--previous FILE)")
        lines.append(
            "authors_people: previous figures set aside agencies only, today's also the site "
            "and desks"
        )
    lines.append("trafilatura has no per-image captions: its caption/credit scores are 0 by design")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--per-page", action="store_true", help="also print per-page scores")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument("--fast", action="store_true", help="extract_article(fast=True)")
    parser.add_argument(
        "--previous",
        type=Path,
        default=DEFAULT_PREVIOUS,
        help="the previous release's --json --per-page output, shown beside today's figures",
    )
    parser.add_argument(
        "--no-normalize",
        action="store_true",
        help="score raw extraction only (no normalize column)",
    )
    args = parser.parse_args(argv)
    if not (args.fixtures / "manifest.json").is_file():
        parser.error(f"{args.fixtures} has no manifest.json")
    summary = evaluate(
        args.fixtures, normalize=not args.no_normalize, limit=args.limit, fast=args.fast
    )
    if args.json:
        if not args.per_page:
            summary.pop("per_page")
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return 0
    previous = load_previous(args.previous)
    if args.per_page:
        before = {p["html"]: p for p in (previous or {}).get("per_page", [])}
        for page in summary["per_page"]:
            if page["html"] in before:
                page["previous"] = before[page["html"]].get("newscrawl")
            print(json.dumps(page, ensure_ascii=False))
    print(format_table(summary, previous))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
