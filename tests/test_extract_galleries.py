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


def _json(value: object) -> str:
    import html
    import json

    return html.escape(json.dumps(value), quote=True)


def test_a_gallery_known_only_from_an_article_elements_json_prop():
    """A lazy gallery prints no slide: its pictures, captions and credits are a data-* prop."""
    slides = [
        {"src": "/media/photos/a-1200.jpg", "caption": "<p>The harbour at dawn.</p>",
         "credit": "Jane Doe/dpa", "width": 1200},
        {"image": {"url": "https://cdn.example.com/photos/b.jpg"}, "caption": "The market.",
         "copyright": {"name": "Reuters"}},
    ]  # fmt: skip
    images = images_of(
        f'<div class="gallery" data-gallery="{_json(slides)}"><button>Open</button></div>'
    )
    assert [(i.url, i.caption, i.credit) for i in images] == [
        (
            "https://news.example.com/media/photos/a-1200.jpg",
            "The harbour at dawn.",
            "Jane Doe/dpa",
        ),
        ("https://cdn.example.com/photos/b.jpg", "The market.", "Reuters"),
    ]


def test_a_gallery_in_the_pages_hydration_state_and_not_its_teasers():
    """A framework's state holds the article's slideshow and, beside it, teasers, an author
    and a logo: only the captioned gallery array is read; its renditions by size name give
    the widest; a picture the markup shows too stays one entry, in the markup's place."""
    state = {
        "article": {
            "elements": [{"type": "slideshow", "slides": [
                {"caption": "Ministers arrive.", "credit": "AP",
                 "image": {"variants": {"400px": {"src": "https://img.example.com/p/1-400.jpg",
                                                  "width": 400},
                                        "1600px": {"src": "https://img.example.com/p/1-1600.jpg",
                                                   "width": 1600}}}},
                {"caption": "The vote.", "credit": "AFP",
                 "url": "https://img.example.com/p/2.jpg"},
            ]}],
            "author": {"images": [{"url": "https://img.example.com/p/author.jpg"}]},
        },
        "related": [{"url": "https://news.example.com/other.html", "title": "Other story",
                     "images": [{"url": "https://img.example.com/p/teaser.jpg"}]}],
        "logo": {"url": "https://img.example.com/logo.png"},
    }  # fmt: skip
    body = (
        '<figure><img src="https://img.example.com/p/2.jpg"><figcaption>The vote.'
        "</figcaption></figure>"
    )
    script = f"<script>window.__STATE__ = {_json(state).replace('&quot;', chr(34))};</script>"
    images = images_of(body + script)
    assert [(i.url, i.caption, i.credit) for i in images] == [
        ("https://img.example.com/p/2.jpg", "The vote.", "AFP"),
        ("https://img.example.com/p/1-1600.jpg", "Ministers arrive.", "AP"),
    ]
    typed = f'<script type="application/json">{_json({"gallery": state["related"]})}</script>'
    assert images_of("<p>No pictures.</p>" + typed.replace("&quot;", '"')) == []


def test_json_pictures_that_are_no_gallery_are_left_out():
    """An author box's one picture, an uncaptioned list, small sizes, icons and URL templates
    are not a gallery's pictures."""
    author = [{"url": "https://img.example.com/p/jones.jpg", "description": "Jones is editor"}]
    bare = [{"url": f"https://img.example.com/p/{n}.jpg"} for n in range(3)]
    small = [{"url": f"https://img.example.com/p/s{n}.jpg", "width": 120, "caption": "Small"}
             for n in range(3)]  # fmt: skip
    templates = [
        {"url": "https://img.example.com/p/{size}/t.jpg", "caption": "Template"},
        {"url": "https://img.example.com/icons/share.svg", "caption": "Share"},
    ]
    images = images_of(
        f'<div data-props="{_json({"images": author})}"></div>'
        f'<div data-gallery="{_json(bare)}"></div>'
        f'<div data-slides="{_json(small)}"></div>'
        f'<div data-gallery="{_json(templates)}"></div>'
    )
    assert images == []


def test_a_gallery_styled_with_a_teaser_typography_class_is_the_articles():
    """A typography class that borrows a teaser's style ("typo-teaser-info-medium") does not
    make an inline gallery a teaser box; a teaser box still is one."""
    images = images_of(
        '<div class="inline-gallery"><div class="gallery typo-teaser-info-medium">'
        '<figure><img src="/g/paulson.jpg"><figcaption>John Paulson, host.</figcaption>'
        '</figure></div></div><div class="article-teaser"><figure><img src="/t/other.jpg">'
        "<figcaption>Another story.</figcaption></figure></div>"
    )
    assert [(i.url, i.caption) for i in images] == [
        ("https://news.example.com/g/paulson.jpg", "John Paulson, host.")
    ]
