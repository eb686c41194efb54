"""Every internal link and anchor of the built HTML resolves (no network: external links are
listed, not fetched)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

pytestmark = pytest.mark.book


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs and attrs["id"]:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and tag in ("a", "img", "link", "script"):
                self.links.append(attrs[key])


def _parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8", errors="replace"))
    return collector


def test_internal_links_and_anchors_resolve(built):
    html = built[0] / "_build" / "html"
    pages = sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, collector in parsed.items():
        for link in collector.links:
            scheme = urlparse(link).scheme
            if scheme in ("http", "https", "mailto", "data", "javascript") or link.startswith("//"):
                continue
            target, anchor = urldefrag(link)
            target = urlparse(target).path          # drop ?digest=… cache-busting queries
            target_path = (page.parent / unquote(target)).resolve() if target else page
            if target and not target_path.exists():
                broken.append(f"{page.relative_to(html)} -> {link} (missing file)")
                continue
            if anchor and target_path.suffix == ".html":
                ids = parsed.get(target_path, None) or _parse(target_path)
                if anchor not in ids.ids:
                    broken.append(f"{page.relative_to(html)} -> {link} (missing anchor)")
    assert not broken, "\n".join(broken[:30])
    assert len(pages) >= 12
