"""Body rules from issue 16, on small pages: what stays in the body and what goes."""

from __future__ import annotations

from newscrawl.extract import extract_article
from newscrawl.extract.body import clean_paragraphs

SENTENCE = "The council met on Tuesday evening to discuss the budget for the next year, "


def _page(article: str) -> str:
    return (
        "<html><head><title>Budget news</title></head><body>"
        f"<article><h1>Council passes the budget</h1>{article}</article></body></html>"
    )


def test_paragraphs_a_paywall_script_hides_stay_in_the_body():
    hidden = f'<p aria-hidden="true">{SENTENCE * 3}and the hidden part ends here.</p>'
    html = _page(f"<p>{SENTENCE * 4}</p>{hidden}<p>{SENTENCE * 4}</p>")
    body = extract_article(html, "https://example.com/a").body or ""
    assert "the hidden part ends here." in body


def test_short_repeats_stay_long_repeats_go():
    promo = "The views expressed here are those of the writer and not of the paper"
    paragraphs = [
        "Season with salt and pepper.",
        "Add the eggs.",
        "Season with salt and pepper.",
        promo,
        "Bake it.",
        promo,
    ]
    assert clean_paragraphs(paragraphs) == [
        "Season with salt and pepper.",
        "Add the eggs.",
        "Season with salt and pepper.",
        promo,
        "Bake it.",
    ]


def test_the_article_ends_at_a_paywall_notice():
    paragraphs = [
        "The council met on Tuesday.",
        "この記事は会員限定です。 紙の新聞の定期購読者の方は、無料で会員登録できます。",
        "Register now to read every article",
    ]
    assert clean_paragraphs(paragraphs) == ["The council met on Tuesday."]
    notice_first = ["Cet article est réservé aux abonnés", "Le conseil s'est réuni mardi."]
    assert clean_paragraphs(notice_first) == ["Le conseil s'est réuni mardi."]


def test_text_outside_paragraphs_is_neither_lost_nor_glued():
    from lxml import etree

    from newscrawl.extract.body import blocks_of

    body = etree.fromstring(
        "<body>Dateline text.<p>First paragraph.</p>Loose sentence between blocks."
        "<quote><p>Quoted one.</p><p>Quoted two.</p></quote></body>"
    )
    assert [text for text, _share in blocks_of(body)] == [
        "Dateline text.",
        "First paragraph.",
        "Loose sentence between blocks.",
        "Quoted one.",
        "Quoted two.",
    ]


def test_a_menu_is_no_article_and_an_unclosed_aside_still_gives_the_body():
    menu = "".join(f'<li><a href="/s{i}">Section {i} news</a></li>' for i in range(150))
    paragraphs = "".join(
        f"<p>Paragraph {i}: the council met on Tuesday evening to discuss the budget for year "
        f"{2000 + i}, and the members argued about schools, roads and the library.</p>"
        for i in range(12)
    )
    html = (
        "<html><head><title>Budget</title></head><body><div class='top'><ul>"
        f"{menu}</ul></div><h1>Council passes the budget</h1><aside class='main'>{paragraphs}"
        "</body></html>"
    )
    body = extract_article(html, "https://example.com/a").body or ""
    assert "Section 0 news" not in body
    assert "Paragraph 0: the council met" in body and "Paragraph 11:" in body


def test_bylines_and_bios_glued_into_the_text_stay_out_of_the_body():
    paragraphs = [
        "Jane Doepublished 3 hours ago",
        "The council met on Tuesday.",
        "Jane Doe: what did the council decide that night?",
        "Jane Doe is a reporter at the Daily Planet covering city hall.",
    ]
    assert clean_paragraphs(paragraphs, authors=["Jane Doe"]) == [
        "The council met on Tuesday.",
        "Jane Doe: what did the council decide that night?",
    ]
