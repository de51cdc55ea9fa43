"""Markdown (notes, the weekly recap) as HTML that is safe to show: markdown-it renders it, then nh3
(a maintained sanitiser) keeps only harmless tags and attributes. A `<script>` or an `onerror=`
written in a note shows as nothing or as text, never runs."""

from __future__ import annotations

import functools

from markupsafe import Markup

TAGS = {"a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
        "code", "em", "strong", "del", "table", "thead", "tbody", "tr", "th", "td", "img"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


@functools.lru_cache(maxsize=1)
def _renderer():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")


def markdown_html(text: str) -> Markup:
    import nh3

    html = _renderer().render(text or "")
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704  (sanitised just above)
