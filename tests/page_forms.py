"""Reading a page's form as a browser would submit it untouched."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "y")
            elif kind not in ("submit", "button"):
                self.values[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_values(html: str, form_id: str) -> dict[str, str]:
    """The fields of the form ``form_id`` with the values the page put in them."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.values


def text(response) -> str:
    """What a reader sees: the page without its tags, entities read, spaces collapsed."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(response, element_id: str) -> str:
    """The words of the element ``element_id`` onwards (to its section's end)."""
    page = response.get_data(as_text=True)
    start = page.index(f'id="{element_id}"')
    end = page.find("</section>", start)
    return " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", page[start : end if end > 0 else None])).split()
    )
