"""The language a browser asks for, for young people's pages shown before anyone is known
(a link that does not work, too many tries): `Accept-Language` among the shipped ones."""

from __future__ import annotations

from starlette.requests import Request

from surveys.i18n import DEFAULT_LANGUAGE, LANGUAGES


def browser_language(request: Request) -> str:
    """The shipped language a browser asks for first (`Accept-Language`), else English:
    for pages shown before any young person is known."""
    wanted: list[tuple[float, str]] = []
    for part in request.headers.get("accept-language", "")[:200].split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag:
            wanted.append((weight, tag.split("-")[0].lower()))
    for _weight, tag in sorted(wanted, key=lambda w: -w[0]):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
