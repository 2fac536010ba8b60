"""The templates and static files keep the Content-Security-Policy honest: no inline
script or style, no event handlers, nothing loaded from another site."""

from __future__ import annotations

import re

from api.web.render import STATIC, TEMPLATES, environment, help_links

FILES = sorted([*TEMPLATES.glob("*.html"), *(p for p in STATIC.rglob("*") if p.is_file())])


def test_there_is_no_inline_script_style_or_handler() -> None:
    assert FILES
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\sstyle\s*=", text), path
        assert not re.search(r"<style", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "javascript:" not in text, path
        for tag in re.findall(r"<script[^>]*>", text):
            assert 'src="/static/' in tag, (path, tag)


def test_nothing_is_loaded_from_another_site() -> None:
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r"(?:src|href)=\"(https?:[^\"]*)\"", text):
            raise AssertionError(f"{path.name} loads {url}")
        assert "@import" not in text and "url(http" not in text, path


def test_autoescape_is_on_and_nothing_is_marked_safe() -> None:
    assert environment().autoescape is True
    for path in TEMPLATES.glob("*.html"):
        assert "|safe" not in path.read_text(encoding="utf-8").replace(" ", ""), path


def test_help_links_escape_first() -> None:
    html = str(help_links("<b>call</b> 0800 1111 or 999, childline.org.uk"))
    assert html.startswith("&lt;b&gt;call&lt;/b&gt;")
    assert '<a href="tel:08001111">0800 1111</a>' in html
    assert '<a href="tel:999">999</a>' in html
    assert 'href="https://www.childline.org.uk/"' in html
