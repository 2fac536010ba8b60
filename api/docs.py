"""The API's docs, `/docs` (Swagger UI) and `/redoc` (ReDoc), from local files only.

FastAPI's own pages load their scripts from a CDN and start Swagger UI with an inline
script, so on a council network that blocks the CDN they are blank, and staff would paste
keys into a page running third-party code. These pages load the same two libraries from
the `fastapi-offline` package (MIT; it ships Swagger UI, Apache-2.0, and ReDoc, MIT) under
`/docs/assets/`, start Swagger UI from `api/static/docs.js`, and are served under the web
pages' Content-Security-Policy (`script-src 'self'`: no inline script, no other origin).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import APIRouter, FastAPI
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS", "install_docs"]

ASSETS: Final = "/docs/assets"
_FILES: Final = Path(fastapi_offline.__file__).parent / "static"

_SWAGGER: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/static/favicon.svg">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head><body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body></html>
"""
_REDOC: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/static/favicon.svg">
</head><body>
<redoc spec-url="{openapi}"></redoc>
<script src="{assets}/redoc.standalone.js"></script>
</body></html>
"""


def install_docs(app: FastAPI, *, openapi_url: str = "/openapi.json") -> None:
    """Serve `/docs`, `/redoc` and their assets (the app is made with docs_url=None)."""
    router = APIRouter(include_in_schema=False)
    fields = {"title": escape(f"{app.title}: API"), "assets": ASSETS,
              "openapi": escape(openapi_url)}

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        """Swagger UI: try the API with a key."""
        return HTMLResponse(_SWAGGER.format(**fields))

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        """ReDoc: the API reference."""
        return HTMLResponse(_REDOC.format(**fields))

    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-assets")
