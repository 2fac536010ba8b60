"""Templates: one Jinja2 environment with autoescape on, and the filters pages use."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from api.web import labels
from storage.alerts import alert_categories, categories_label
from surveys import i18n
from surveys.i18n import DEFAULT_LANGUAGE
from surveys.insights.disclosure import SUPPRESSED
from surveys.model import FLAG_TEXT

TEMPLATES: Final = Path(__file__).resolve().parent.parent / "templates"
STATIC: Final = Path(__file__).resolve().parent.parent / "static"

UK: Final = ZoneInfo("Europe/London")

_HELP_LINKS: Final = re.compile(r"\b(0800 1111|999)\b|\b(childline\.org\.uk)\b")


def help_links(text: str) -> Markup:
    """Escape `text`, then make Childline's and the emergency numbers tappable links."""

    def link(match: re.Match[str]) -> str:
        number, site = match.group(1), match.group(2)
        if number:
            return f'<a href="tel:{number.replace(" ", "")}">{number}</a>'
        return f'<a href="https://www.{site}/" rel="noreferrer">{site}</a>'

    return Markup(_HELP_LINKS.sub(link, str(escape(text))))


def with_phone(text: str, number: str) -> Markup:
    """Escape `text` (a translated sentence), then put a tappable `number` where it says
    `{number}`: "If you are in danger, call {number}." in any language."""
    link = Markup('<a href="tel:{}">{}</a>').format(number.replace(" ", ""), number)
    return Markup(escape(text).replace("{number}", link))


def with_span(text: str, name: str, value: str, css: str) -> Markup:
    """Escape `text`, then put `value` in a `<span class=css>` where it says `{name}`."""
    span = Markup('<span class="{}">{}</span>').format(css, value)
    return Markup(escape(text).replace("{" + name + "}", span))


def uk_time(moment: datetime | None, style: str = "%-d %b %Y, %H:%M") -> str:
    """A moment in UK local time (GMT or BST, as the clock on the wall says)."""
    if moment is None:
        return ""
    return moment.astimezone(UK).strftime(style)


def uk_date(day: date | datetime | str | None) -> str:
    """A day as people write it: 2 Dec 2026 (a moment is taken in UK local time; an ISO
    text, as an export holds it, is read first)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        text = day
        try:
            day = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            return text
        if isinstance(day, datetime) and day.tzinfo is None:
            day = day.replace(tzinfo=UTC)
    if isinstance(day, datetime):
        day = day.astimezone(UK).date()
    return day.strftime("%-d %b %Y")


def paragraphs(text: str) -> list[str]:
    """Lines of a message, without empty ones."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment (autoescape on for every template)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        percent=labels.percent,
        count=labels.count,
        help_links=help_links,
        with_phone=with_phone,
        with_span=with_span,
        paragraphs=paragraphs,
        form_label=labels.form_label,
        audience_label=labels.audience_label,
        theme_label=labels.theme_label,
        channel_label=labels.channel_label,
        quote_about=lambda q: labels.quote_about(q.text, q.theme),
        sentiment_words=labels.sentiment_words,
        uk=uk_time,
        uk_date=uk_date,
        staff_name=lambda name: re.sub(r"\s*\([0-9a-f]{8}\)$", "", name or ""),  # no key prefix
        alert_label=lambda alert: categories_label(alert_categories(alert)),
    )
    env.globals.update(
        RAG_TEXT={str(k): v for k, v in labels.RAG_TEXT.items()},
        DIRECTION_TEXT={str(k): v for k, v in labels.DIRECTION_TEXT.items()},
        SUPPRESSED=SUPPRESSED,
        FLAG_TEXT={str(k): v for k, v in FLAG_TEXT.items()},
        # staff pages rendered outside `render` read English, left to right
        _=i18n.translations(DEFAULT_LANGUAGE).gettext,
        ngettext=i18n.translations(DEFAULT_LANGUAGE).ngettext,
        language=DEFAULT_LANGUAGE,
        html_lang=i18n.html_lang(DEFAULT_LANGUAGE),
        text_dir=i18n.direction(DEFAULT_LANGUAGE),
    )
    return env


def render(
    template: str, status_code: int = 200, *, language: str | None = None, **context: Any
) -> HTMLResponse:
    """A page from a template; a young person's page in their `language` (`_` in the
    template is that language's gettext, and the page carries its `lang` and `dir`)."""
    code = language or DEFAULT_LANGUAGE
    translations = i18n.translations(code)
    html = (
        environment()
        .get_template(template)
        .render(
            _=translations.gettext,
            ngettext=translations.ngettext,
            language=code,
            html_lang=i18n.html_lang(code),
            text_dir=i18n.direction(code),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code)
