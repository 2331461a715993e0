"""Every page reachable from every demo role's menu, walked as that role: no
server error, no English word outside a short allow-list, and no raw ``None``,
``True`` or ``False`` in what the user reads."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.demo.load import DEMO_ACCOUNTS

# Proper nouns and units of measure a Chinese page may show as they are.
ALLOWED = {"PDF", "JPG", "PNG", "Excel", "KB", "MB", "API", "ID", "JSON", "YYYY", "MM", "DD",
           "HH", "English", "CSV", "XLSX", "ECharts", "Rison", "OpenAPI", "Swagger", "REST",
           "Bearer", "JWT", "B", "A", "S", "Q", "x"}
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
RAW = re.compile(r"(?<![\w.])(None|True|False)(?![\w.])")


class Text(HTMLParser):
    """Visible text, plus the text of titles, placeholders and button values."""

    def __init__(self):
        super().__init__()
        self.parts, self.links, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"])
        for key in ("title", "placeholder"):
            if attrs.get(key):
                self.parts.append(attrs[key])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


MENU_SKIP = ("/logout", "/lang/", "/swagger", "/api/", "/static/", "/attachments/")


def _menu_links(html: str) -> list[str]:
    nav = html.split('class="navbar', 1)[-1].split("</nav>", 1)[0]
    parser = Text()
    parser.feed(nav)
    return sorted({href.split("#")[0] for href in parser.links
                   if href != "/" and not href.startswith(MENU_SKIP)})


@pytest.mark.parametrize("mobile", [acc.mobile for acc in DEMO_ACCOUNTS])
def test_every_menu_page_is_chinese(app, login_as, mobile):
    c = login_as(mobile)
    home = c.get("/")
    assert home.status_code == 200
    pages = ["/", *_menu_links(home.get_data(as_text=True))]
    problems = []
    for path in pages:
        resp = c.get(path, follow_redirects=True)
        if resp.status_code >= 500:
            problems.append(f"{path}: {resp.status_code}")
            continue
        if "text/html" not in resp.content_type:
            continue
        parser = Text()
        parser.feed(resp.get_data(as_text=True))
        text = EMAIL.sub("", "\n".join(parser.parts))  # addresses are data, not words
        english = sorted({w for w in WORD.findall(text) if w not in ALLOWED})
        if english:
            problems.append(f"{path}: English {english[:12]}")
        raw = sorted(set(RAW.findall(text)))
        if raw:
            problems.append(f"{path}: raw {raw}")
    assert not problems, "\n".join(problems)
