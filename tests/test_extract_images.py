"""Images: largest srcset rendition, lazy attributes, relative URLs, captions and credits."""

from __future__ import annotations

from newscrawl.extract import extract_article

URL = "https://news.example.com/world/story.html"


def images_of(body: str, head: str = ""):
    html = f"<html><head>{head}</head><body><article><p>Text.</p>{body}</article></body></html>"
    return extract_article(html, URL).images


def test_srcset_largest_rendition_wins():
    (image,) = images_of(
        '<figure><img src="/i/s.jpg" srcset="/i/m.jpg 640w, /i/l.jpg 1600w, /i/s.jpg 320w">'
        "<figcaption>A caption</figcaption></figure>"
    )
    assert image.url == "https://news.example.com/i/l.jpg"
    assert image.width == 1600
    assert image.caption == "A caption"


def test_lazy_attributes_beat_a_placeholder_src():
    (image,) = images_of(
        '<figure><img src="data:image/gif;base64,R0lGOD" data-src="pic.jpg"></figure>'
    )
    assert image.url == "https://news.example.com/world/pic.jpg"


def test_picture_sources_and_data_srcset():
    (image,) = images_of(
        '<figure><picture><source data-srcset="//cdn.example.com/a-400.webp 400w, '
        '//cdn.example.com/a-1200.webp 1200w"><img src="/placeholder.png"></picture></figure>'
    )
    assert image.url == "https://cdn.example.com/a-1200.webp"


def test_credit_element_is_split_from_the_caption():
    (image,) = images_of(
        '<figure><img src="/x.jpg"><figcaption>Troops near Bakhmut '
        '<span class="credit">Photo: Reuters</span></figcaption></figure>'
    )
    assert image.caption == "Troops near Bakhmut"
    assert image.credit == "Photo: Reuters"


def test_lead_image_comes_first_under_the_url_its_figure_shows():
    """og:image is another rendition of a figure: one entry, the figure's URL, first."""
    images = images_of(
        '<figure><img src="/other.jpg"><figcaption>Second</figcaption></figure>'
        '<figure><img src="/lead-1024x768.jpg"><figcaption>Lead caption</figcaption></figure>',
        head='<meta property="og:image" content="https://news.example.com/lead.jpg">',
    )
    assert [i.url for i in images] == [
        "https://news.example.com/lead-1024x768.jpg",
        "https://news.example.com/other.jpg",
    ]
    assert images[0].caption == "Lead caption"


def test_teasers_and_asides_are_not_article_images():
    images = images_of(
        '<figure><img src="/a.jpg"></figure>'
        '<aside><figure><img src="/b.jpg"></figure></aside>'
        '<div class="related-stories"><figure><img src="/c.jpg"></figure></div>'
    )
    assert [i.url for i in images] == ["https://news.example.com/a.jpg"]


def test_captions_never_reach_the_body():
    html = (
        "<html><body><article><h1>Title</h1><p>First paragraph of the story is long enough to "
        "count as text for the extractor, with several words in it.</p><figure><img src='/a.jpg'>"
        "<figcaption>A tank on the road (Reuters)</figcaption></figure><p>Second paragraph of "
        "the story, again long enough to be kept as body text by the extractor.</p>"
        "<p>Sign up to our daily newsletter</p></article></body></html>"
    )
    article = extract_article(html, URL)
    assert "(Reuters)" not in article.body
    assert "newsletter" not in article.body
    assert article.body.count("\n\n") == 1


LONG = "<p>" + "A paragraph of the story that is long enough to be article text. " * 40 + "</p>"


def test_pictures_of_sign_up_boxes_and_walls_are_not_article_images():
    """A newsletter box (a form beside its picture) and a registration wall inside the article
    are promos; the article's own pictures stay, a comment form and a share bar's read-only
    field notwithstanding."""
    images = images_of(
        '<figure><img src="/a.jpg"><figcaption>Our picture</figcaption></figure>'
        '<div><div class="box"><img src="/newsletter.png" alt="Daily">'
        '<form><p>Get our daily email</p><input type="email" name="email">'
        "<button>Sign up</button></form></div></div>"
        '<div id="x-reg-wall" class="hide"><div class="reg-wall-new-user"><div>'
        '<p>Create a free account to continue reading</p><img src="/mascot.png"></div>'
        "<p>Registration is free.</p></div></div>"
        f'<div class="story"><figure><img src="/b.jpg"></figure>{LONG}'
        '<div class="share"><input type="text" readonly value="https://x"></div>'
        '<form class="comments"><textarea></textarea><input type="text" name="n"></form></div>'
    )
    assert [i.url for i in images] == [
        "https://news.example.com/a.jpg",
        "https://news.example.com/b.jpg",
    ]


def test_a_subscribers_container_keeps_its_pictures():
    """A "paywall" class also names the container of a subscriber's article (long text)."""
    images = images_of(f'<div class="paywall"><figure><img src="/a.jpg"></figure>{LONG}</div>')
    assert [i.url for i in images] == ["https://news.example.com/a.jpg"]


def test_a_description_block_after_the_picture_is_its_caption_with_its_credit():
    """A block right after a picture holding the description and a credit part is the
    picture's caption and credit, not a credit as a whole."""
    (image,) = images_of(
        '<div class="gallery"><div class="wrap"><img src="/a.jpg"></div>'
        '<div class="item__description"><div>Ministers at the press conference. '
        '<span class="item__copyright">Photo: Jane Doe/dpa</span></div></div></div>'
    )
    assert image.caption == "Ministers at the press conference."
    assert image.credit == "Photo: Jane Doe/dpa"


def test_a_caption_box_with_a_noscript_copy_of_its_lazy_picture():
    (image,) = images_of(
        '<p class="caption"><span><img src="" data-src="/a.jpg">'
        '<noscript><img src="/a.jpg"></noscript></span>'
        '<span class="bu">We expect new foldables.</span></p>'
    )
    assert (image.url, image.caption) == (
        "https://news.example.com/a.jpg",
        "We expect new foldables.",
    )


def test_alt_text_is_the_caption_of_last_resort():
    """A picture nothing captions takes its alt sentence; a caption printed for another
    rendition of it wins; a file name or the standfirst repeated is no caption."""
    images = images_of(
        '<figure><img src="/a.jpg" alt="Parcels from China are popular but risky."></figure>'
        '<div><img src="/b-800x600.jpg" alt="An alt text that is not the caption"></div>'
        '<div class="image-caption"><img src="/b.jpg">The printed caption of b</div>'
        '<figure><img src="/c.jpg" alt="DSC_0042.JPG of the day"></figure>'
        '<figure><img src="/d.jpg" alt="The standfirst of this story, word for word"></figure>',
        head='<meta name="description" content="The standfirst of this story, word for word. '
        'And more of it.">',
    )
    assert [i.caption for i in images] == [
        "Parcels from China are popular but risky.",
        "The printed caption of b",
        None,
        None,
    ]
