"""Import golden pages from the Fundus test pages and the inkl fixtures (run by hand, once).

    .venv/bin/python tests/golden/import_fixtures.py FUNDUS_DIR [KEY...]

FUNDUS_DIR is a copy of Fundus' parser test data with its ``manifest.json`` (see its README).
Each page is copied to ``tests/golden/<country>/<key>/<crawl date>.html.gz`` with its expected
values converted into the Article contract's terms (title -> headline, publishing_date ->
published_at, body -> text, topics -> tags, images -> picture URLs, caption, credit) and pinned
to the fields the current extraction matches (:func:`newscrawl.golden.repin`). The inkl pages
come from ``tests/fixtures/inkl``. Publishers of the catalogue only; KEY... limits the import.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

from newscrawl.golden import GoldenPage, extract_golden, repin, write_expected
from newscrawl.publishers import bundled_catalogue

GOLDEN = Path(__file__).resolve().parent
FIXTURES = GOLDEN.parent / "fixtures"
FUNDUS_COMMIT = "18da6e53592f99cf0ac5770dc63d6ba99ba63ae8"

#: Fundus' country folders and publisher names where the catalogue's differ.
COUNTRIES = {"uk": "gb", "ind": "in"}
KEYS = {"TheGuardian": "guardian", "TheIndependent": "independent"}

FUNDUS_NOTE = """\
# Golden pages of {name}

Saved pages from the Fundus project's parser test data: github.com/flairNLP/fundus (MIT
licence), `tests/resources/parser/test_data/{country}/`, commit {commit}. The pages were
saved from the publisher's site by Fundus contributors; they are third-party content, used
here only as test data.

The expected values in each `<page>.json` are Fundus' (`{publisher}.json`, the version named
in `source`), converted into the Article contract's terms by `tests/golden/import_fixtures.py`:
`title` -> `headline`, `authors`, `publishing_date` -> `published_at`, `body` (summary, then
each section's headlines and paragraphs) -> `body`, `topics` -> `tags`, `images` -> `images`
(every srcset URL of a picture, its caption and its credits). `pinned` lists the fields
newscrawl's extraction gets right; the others are kept, unpinned, for `newscrawl golden
refresh` to pin when extraction gets them right.

{pages}
"""


def body_text(body: dict[str, Any] | None) -> str:
    """Summary, then each section's headlines and paragraphs, one paragraph each."""
    body = body or {}
    lines = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        lines.extend(section.get("headline") or [])
        lines.extend(section.get("paragraphs") or [])
    return "\n\n".join(lines)


def pictures(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for image in images:
        urls = [v["url"] for v in image.get("versions") or [] if v.get("url")]
        if urls:
            credit = ", ".join(image.get("authors") or []) or None
            out.append({"urls": urls, "caption": image.get("caption"), "credit": credit})
    return out


def converted(values: dict[str, Any]) -> dict[str, Any]:
    """Fundus' expected values in the contract's terms (only the keys Fundus gives)."""
    out: dict[str, Any] = {}
    if "title" in values:
        out["headline"] = values["title"]
    if "authors" in values:
        out["authors"] = values["authors"]
    if values.get("publishing_date"):
        out["published_at"] = values["publishing_date"].replace(" ", "T", 1)
    if "body" in values:
        out["body"] = body_text(values["body"])
    if "topics" in values:
        out["tags"] = values["topics"]
    if values.get("images"):
        out["images"] = pictures(values["images"])
    return out


def save(page: GoldenPage, html: bytes, url: str, source: str, expected: dict) -> list[str]:
    page.page.parent.mkdir(parents=True, exist_ok=True)
    page.page.write_bytes(gzip.compress(html, mtime=0))
    record: dict[str, Any] = {"url": url, "source": source, "expected": expected, "pinned": []}
    record["pinned"] = repin(record, extract_golden(page, url))
    write_expected(page.expected_file, record)
    return record["pinned"]


def import_fundus(fundus: Path, only: set[str]) -> None:
    catalogue = bundled_catalogue()
    manifest = json.loads((fundus / "manifest.json").read_text())
    notes: dict[Path, list[str]] = {}
    for case in manifest["cases"]:
        country = COUNTRIES.get(case["country"], case["country"])
        key = KEYS.get(case["publisher"], case["publisher"].lower())
        if key not in catalogue or (only and key not in only):
            continue
        date = re.search(r"(\d{4})_(\d{2})_(\d{2})", case["html"])
        stem = "-".join(date.groups()) if date else Path(case["html"]).name.split(".")[0]
        page = GoldenPage(GOLDEN / country / key / f"{stem}.html.gz", country, key)
        values = json.loads((fundus / case["expected"]).read_text())[case["version"]]
        source = (
            f"fundus {case['html']} (crawled {case['crawl_date'][:10]}), expected values "
            f"{case['expected']} {case['version']}"
        )
        saved = fundus / case["html"]
        if not saved.exists() and "page" in case:  # tests/fixtures/fundus: the golden page
            saved = fundus / case["page"]
        html = gzip.decompress(saved.read_bytes())
        pinned = save(page, html, case["url"], source, converted(values))
        print(f"{page.id}: {len(pinned)}/{len(converted(values))} pinned ({', '.join(pinned)})")
        notes.setdefault(page.page.parent, []).append(
            f"- `{page.page.name}`: {case['url']} (saved {case['crawl_date'][:10]}; "
            f"expected values: version {case['version']})"
        )
    for folder, lines in notes.items():
        publisher = catalogue[folder.name]
        fundus_name = next((k for k, v in KEYS.items() if v == folder.name), publisher.key)
        fundus_files = {c["publisher"] for c in manifest["cases"]}
        fundus_name = next((f for f in fundus_files if f.lower() == folder.name), fundus_name)
        country = next(
            (k for k, v in COUNTRIES.items() if v == folder.parent.name), folder.parent.name
        )
        (folder / "SOURCE.md").write_text(
            FUNDUS_NOTE.format(
                name=publisher.name,
                country=country,
                commit=FUNDUS_COMMIT,
                publisher=fundus_name,
                pages="\n".join(sorted(lines)),
            ),
            encoding="utf-8",
        )


INKL_NOTE = """\
# Golden pages of inkl

The four inkl pages of `tests/fixtures/inkl/` (see its README): built from the seed text of
a real inkl page (`tests/fixtures/seed/`), with markup modelled on inkl's article pages; not
saved copies of live pages. The expected values are the fixtures' (`<page>.json` there),
converted into the golden format (the picture URLs as `images[].urls`); `pinned` lists the
fields newscrawl's extraction gets right.
"""


def import_inkl() -> None:
    for html_file in sorted((FIXTURES / "inkl").glob("*.html")):
        values = json.loads(html_file.with_suffix(".json").read_text())
        expected = {k: values[k] for k in ("headline", "authors", "published_at", "body")}
        expected["images"] = [
            {"urls": [i["url"]], "caption": i.get("caption"), "credit": i.get("credit")}
            for i in values.get("images") or []
            if i.get("url")
        ]
        page = GoldenPage(GOLDEN / "au" / "inkl" / f"{html_file.stem}.html.gz", "au", "inkl")
        source = f"tests/fixtures/inkl/{html_file.name} and {html_file.stem}.json"
        pinned = save(page, html_file.read_bytes(), values["url"], source, expected)
        print(f"{page.id}: {len(pinned)}/{len(expected)} pinned ({', '.join(pinned)})")
    (GOLDEN / "au" / "inkl" / "SOURCE.md").write_text(INKL_NOTE, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    import_fundus(Path(sys.argv[1]), set(sys.argv[2:]))
    if not sys.argv[2:] or "inkl" in sys.argv[2:]:
        import_inkl()
