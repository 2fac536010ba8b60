"""The easy survey's symbols on Telegram: each OpenMoji SVG the web chat shows, as a PNG.

Telegram shows photos, not SVG, so a question's symbol is rendered with CairoSVG (PyPI,
over Debian's libcairo) the first time it is needed and kept in memory: a few dozen
symbols of about 10 KB. The SVGs are the ones shipped with the web chat
(`api/static/pictures`, OpenMoji, CC BY-SA 4.0), read as files, not imported.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)
PICTURES = Path(__file__).resolve().parent.parent / "api" / "static" / "pictures"
SIZE = 256  # pixels a side: sharp on a phone, small to send
_NAME = re.compile(r"[a-z0-9-]{1,64}")


@cache
def picture_png(name: str) -> bytes | None:
    """The symbol `name` as PNG, or None if there is no such symbol or it cannot be drawn
    (the question is then sent without it, never held up)."""
    if not _NAME.fullmatch(name):
        return None
    path = PICTURES / f"{name}.svg"
    if not path.is_file():
        return None
    try:
        import cairosvg  # type: ignore[import-untyped]

        png = cairosvg.svg2png(url=str(path), output_width=SIZE, output_height=SIZE)
    except Exception as error:  # libcairo missing or a bad file: no picture, no failure
        log.warning("could not draw a picture: %s", type(error).__name__)
        return None
    return bytes(png) if png else None
