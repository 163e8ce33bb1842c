"""Reading rendered pages the way a person (or a screen reader) meets them."""

from __future__ import annotations

from html.parser import HTMLParser

# Attributes whose text is read out or shown, as opposed to ids, classes and addresses.
SPOKEN_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
VOID_ELEMENTS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


class _TextCollector(HTMLParser):
    """Collects the text of a page outside elements marked as another language (`lang="en"`)."""

    def __init__(self, skip_lang: str) -> None:
        super().__init__()
        self.skip_lang = skip_lang
        self.open_tags: list[bool] = []
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(self.open_tags)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag != "html" and values.get("lang") == self.skip_lang
        if not self._skipping() and not skip:
            self.texts.extend(values[name] or "" for name in SPOKEN_ATTRIBUTES if name in values)
        if tag not in VOID_ELEMENTS:
            self.open_tags.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_ELEMENTS and self.open_tags:
            self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.texts.append(data.strip())


def page_texts(html: str, *, except_lang: str) -> list[str]:
    """Every visible or spoken text of the page, leaving out parts written in `except_lang`."""
    collector = _TextCollector(skip_lang=except_lang)
    collector.feed(html)
    return collector.texts
