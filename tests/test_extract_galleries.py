"""Lazy galleries: pictures whose URLs are only in lazy-loading attributes of any library, in
the ``<noscript>`` copy of a placeholder, or in a gallery's inline JSON."""

from __future__ import annotations

from newscrawl.extract import extract_article

URL = "https://news.example.com/world/story.html"
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP"


def images_of(body: str, head: str = ""):
    html = (
        f"<html><head>{head}</head><body><article><h1>Title</h1><p>Text.</p>{body}"
        "</article></body></html>"
    )
    return extract_article(html, URL).images


def test_a_carousel_libraries_own_lazy_attributes():
    """Carousel scripts ("data-flickity-lazyload-srcset", "data-lazyimage-src") copy their own
    attributes to src/srcset when a slide shows: every slide is a picture with its caption."""
    slides = "".join(
        f'<div class="slide"><div class="slide-media"><picture>'
        f'<source data-flickity-lazyload-srcset="/g/{n}-800.jpg 1x, /g/{n}-1600.jpg 2x">'
        f'<img alt="Image" data-flickity-lazyload="/g/{n}-800.jpg"></picture></div>'
        f'<div class="slide-info"><span class="slide-description"><p>Slide {n} shows the'
        f" square. (AP Photo/Jane Doe)</p></span></div></div>"
        for n in (1, 2)
    )
    loose = f'<p>More.</p><img src="{PIXEL}" data-lazyimage-src="/x/loose.jpg" width="800">'
    images = images_of(f'<div class="carousel">{slides}</div>{loose}')
    assert [i.url for i in images] == [
        "https://news.example.com/g/1-1600.jpg",
        "https://news.example.com/g/2-1600.jpg",
        "https://news.example.com/x/loose.jpg",
    ]
    assert images[0].caption == "Slide 1 shows the square. (AP Photo/Jane Doe)"


def test_a_placeholder_with_a_noscript_copy_is_the_copys_picture():
    """The visible img is a placeholder (a transparent gif not named so, an empty svg); the
    <noscript> beside it holds the real picture, srcset included."""
    images = images_of(
        '<div class="media"><div class="wrap">'
        '<img src="https://cdn.example.com/index-transparent_h-3_w-4.gif" alt="Pigs.">'
        '<noscript><img src="https://cdn.example.com/pigs_w-576.jpg"></noscript></div>'
        '<div class="mediaInfo"><span class="mediaSubtitle">Pigs in the hall.</span></div></div>'
        '<figure><picture><noscript><img src="/c/1600.jpg" srcset="/c/640.jpg 640w, '
        '/c/1600.jpg 1600w"></noscript></picture><figcaption>A cover.</figcaption></figure>'
    )
    assert [(i.url, i.caption) for i in images] == [
        ("https://cdn.example.com/pigs_w-576.jpg", "Pigs in the hall."),
        ("https://news.example.com/c/1600.jpg", "A cover."),
    ]


def test_a_bare_noscript_thumbnail_is_no_article_picture():
    """A loose placeholder whose copy is the only picture, with nothing captioning or
    describing it, is a teaser's thumbnail; with an alt sentence it is kept."""
    images = images_of(
        f'<div><a href="/other"><img src="{PIXEL}" alt=""><noscript>'
        '<img src="/teaser/115x86.jpg"></noscript></a></div>'
        f'<div><img src="{PIXEL}" alt="The minister arrives at the summit in Brussels.">'
        '<noscript><img src="/p/minister.jpg"></noscript></div>'
    )
    assert [i.url for i in images] == ["https://news.example.com/p/minister.jpg"]
