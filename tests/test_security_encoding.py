"""Issue 7, item 6: pages in tricky encodings decode exactly, with no U+FFFD.

Cases (see ``tests.mockserver.ENCODING_CASES``): charset only in a meta tag, header
and meta disagreeing, a BOM, GB18030 labelled gb2312, Shift_JIS with Windows-31J
characters, cp1252 mislabelled as UTF-8. Checked three ways: the pure decoder, a real
crawl in this process (``response.text`` as the spiders hand it to extraction), and extraction +
normalization on that text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from newscrawl.fetch.encoding import decode_html
from tests.crawlkit import crawl_here
from tests.mockserver import ENCODING_CASES, MockServer, encoding_case_body

#: authors normalization must find in the byline (CJK bylines are not asserted here:
#: that is byline parsing, not decoding)
EXPECTED_AUTHORS = {
    "meta-only": ["Анна Шевчук"],
    "header-meta-disagree": ["Søren Ågård", "Zoë Müller"],
    "bom": ["Hélène Côté"],
    "cp1252-as-utf8": ["François Dupré"],
}


@pytest.mark.parametrize("case", sorted(ENCODING_CASES))
def test_decoder_gets_every_case_right(case: str) -> None:
    content_type, _, _, headline, byline = ENCODING_CASES[case]
    text, _codec = decode_html(encoding_case_body(case), content_type)
    assert f"<h1>{headline}</h1>" in text
    assert f'<p class="byline">{byline}</p>' in text
    assert "\ufffd" not in text


@pytest.mark.slow
def test_crawl_decodes_every_case_exactly(reactor: Any) -> None:
    with MockServer() as server:
        result = crawl_here(
            reactor,
            [server.url(f"/enc/{case}") for case in ENCODING_CASES],
            # no AutoThrottle: its 0.5 s between requests to one host is not tested here
            settings={
                "NEWSCRAWL_ALLOWED_PRIVATE_HOSTS": [server.hostport()],
                "AUTOTHROTTLE_ENABLED": False,
            },
            extract=True,
        )
    by_case = {item["url"].rsplit("/", 1)[1]: item for item in result.items}
    assert set(by_case) == set(ENCODING_CASES)
    for case, (_, _, _, headline, byline) in ENCODING_CASES.items():
        item = by_case[case]
        assert (item["h1"], item["byline"]) == (headline, byline), case
        assert not item["has_fffd"], case
        assert "extract_error" not in item, item["extract_error"]
        article = item["article"]
        assert "\ufffd" not in json.dumps(article, ensure_ascii=False), case
        assert article["headline"] == " ".join(headline.split()), case
        if case in EXPECTED_AUTHORS:
            assert article["authors"] == EXPECTED_AUTHORS[case], case
    assert result.stat("newscrawl/encoding/corrected") == 2  # header-meta, cp1252-as-utf8
