"""Request paths as logs may hold them: no invitation code, council ref, key or session.

uvicorn's access log writes each request's path and query string, and paths carry what
must never reach a log: `/c/<invitation code>`, `/api/v1/people/<council ref>/erase`,
`/api/v1/invitations/<code>/qr.svg`, `/api/v1/keys/<key prefix>/revoke`. `PathMasker`
rewrites a path against the app's own routes:

    /c/K7Q2M9XD                         -> /c/{code}
    /api/v1/people/DEMO-C0020/erase     -> /api/v1/people/{council_ref}/erase
    /api/v1/campaigns/12/progress       -> /api/v1/campaigns/12/progress  (a row id stays)
    /no/such/K7Q2M9XD                   -> /no/such/{?}  (unknown words are masked)
    /api/v1/sentiment?period=2017-18&code=K7Q2 -> /api/v1/sentiment?period=2017-18&code=…

A path parameter is kept only when it is a row id (`..._id`, digits); every other value is
replaced by its name. A path that matches no route keeps only the words that are literal
parts of some route. In a query string only the values of `SAFE_QUERY` parameters are
kept (a period, a breakdown, a format), and the names of unknown parameters are masked
too. The client address loses its port and its last part (`203.0.113.0`).

`install_access_log_masking(app)` puts the filter on uvicorn's access logger; `create_app`
calls it, so however the server is started its access log is masked.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl, unquote

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

__all__ = [
    "ACCESS_LOGGER",
    "SAFE_QUERY",
    "MaskedAccessLog",
    "PathMasker",
    "ScrubSecrets",
    "install_access_log_masking",
    "install_log_scrubbing",
    "mask_client",
    "scrub",
]

ACCESS_LOGGER: Final = "uvicorn.access"
MASK: Final = "…"
UNKNOWN: Final = "{?}"
_BREAKDOWNS: Final = "form|audience|cohort|team|age_band|quarter|question|theme|language"
"""Every breakdown a board figure offers (`by=`): any other word is masked, as it could be
a name typed there."""
SAFE_QUERY: Final = {
    "period": re.compile(r"\d{4}-\d{2}(?: Q[1-4])?"),
    "by": re.compile(rf"(?:{_BREAKDOWNS})(?:,(?:{_BREAKDOWNS}))*"),
    "format": re.compile(r"json|csv"),
    "limit": re.compile(r"\d{1,4}"),
    "open": re.compile(r"true|false"),
}
"""Query parameters whose values, in these shapes, are figures' options, never a person's
details (anything else, a survey's key too, is masked: it could be a ref typed there)."""
_ROW_ID = re.compile(r"\d{1,12}")
_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


@dataclass(frozen=True, slots=True)
class _Template:
    regex: re.Pattern[str]
    path: str  # "/c/{code}"
    params: tuple[str, ...]


def _templates(routes: Iterable[BaseRoute], prefix: str = "") -> list[_Template]:
    """Every route's template, depth first. A router included whole (FastAPI keeps it as
    one entry holding the `original_router` and its include prefix) is walked too."""
    # here, not at the top: `carevoice --help` installs the log scrubbing, never routes
    from starlette.routing import Mount, Route, WebSocketRoute

    found: list[_Template] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            found += _templates(inner.routes, prefix + str(getattr(context, "prefix", "")))
        elif isinstance(route, Mount):
            if route.routes:
                found += _templates(route.routes, prefix + route.path)
            else:  # static files: keep the mount, mask the file's name
                path = prefix + route.path + "/{path:path}"
                found.append(_Template(_compile(path), prefix + route.path + "/{path}", ("path",)))
        elif isinstance(route, Route | WebSocketRoute):
            path = prefix + route.path
            params = tuple(m[1] for m in _PARAM.finditer(path))
            found.append(_Template(_compile(path), _PARAM.sub(r"{\1}", path), params))
    return found


def _compile(path: str) -> re.Pattern[str]:
    """A template's regex: `{name}` one segment, `{name:path}` any rest."""
    out, last = "", 0
    for match in _PARAM.finditer(path):
        out += re.escape(path[last : match.start()])
        kind = match[0].removeprefix("{" + match[1]).strip("}:")
        out += f"(?P<{match[1]}>.+)" if kind == "path" else f"(?P<{match[1]}>[^/]+)"
        last = match.end()
    return re.compile(out + re.escape(path[last:]) + "$")


class PathMasker:
    """Rewrites request paths against an app's routes so that no value but a row id is kept."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._templates = _templates(routes)
        self._literals = frozenset(
            segment
            for t in self._templates
            for segment in t.path.split("/")
            if segment and "{" not in segment
        )

    def mask(self, target: str) -> str:
        """`target` (a path with an optional query string) with personal parts masked."""
        path, _, query = target.partition("?")
        masked = self._path(unquote(path))
        return f"{masked}?{mask_query(query)}" if query else masked

    def _path(self, path: str) -> str:
        for template in self._templates:
            match = template.regex.match(path)
            if match is None:
                continue
            out = template.path
            for name in template.params:
                value = match[name]
                if name.endswith("_id") and _ROW_ID.fullmatch(value):
                    out = out.replace("{" + name + "}", value, 1)
            return out
        return "/".join(s if not s or s in self._literals else UNKNOWN for s in path.split("/"))


def mask_query(query: str) -> str:
    """A query string keeping only `SAFE_QUERY` values of the expected shape."""
    parts = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        shape = SAFE_QUERY.get(name)
        if shape is None:
            parts.append(MASK)
        elif shape.fullmatch(value):
            parts.append(f"{name}={value}")
        else:
            parts.append(f"{name}={MASK}")
    return "&".join(parts) if parts else MASK


def mask_client(client: str) -> str:
    """A client address ("host:port") without its port and with its host part zeroed
    (IPv4 /24, IPv6 /48): enough to tell networks apart, not to find a household."""
    host = client.rsplit(":", 1)[0]  # uvicorn writes "host:port", IPv6 without brackets
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return MASK
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


class MaskedAccessLog(logging.Filter):
    """A filter for uvicorn's access log: its path and client address, masked."""

    def __init__(self, masker: PathMasker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client, method, path, version, status)
        if isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            record.args = (
                mask_client(str(client)),
                method,
                self.masker.mask(str(path)),
                version,
                status,
            )
        elif args:  # any other shape: say nothing that might be a path
            record.msg, record.args = "access log line withheld (unknown format)", None
        return True


def install_access_log_masking(routes: Sequence[BaseRoute]) -> MaskedAccessLog:
    """Mask uvicorn's access log for an app with `routes` (replacing an earlier mask)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    for old in [f for f in logger.filters if isinstance(f, MaskedAccessLog)]:
        logger.removeFilter(old)
    masked = MaskedAccessLog(PathMasker(routes))
    logger.addFilter(masked)
    return masked


# --- a safety net for every other log line -------------------------------------------

_SECRETS = (
    (re.compile(r"\bcv_[0-9a-f]{8}_[A-Za-z0-9_-]+"), "cv_…"),  # API keys
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 …"),
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}"), "…"),  # Telegram bot tokens
    (re.compile(r"(/c/)[^/\s?#\"']+"), r"\1{code}"),
    (re.compile(r"(/invitations/)(?!\{)[^/\s?#\"']+"), r"\1{code}"),
    (
        re.compile(r"(/people/)(?!\{)[^\s?#\"']+?(?=/erase\b|/export\b|[\s?#\"']|$)"),
        r"\1{council_ref}",
    ),
    (re.compile(r"(/keys/)(?!\{)[^/\s?#\"']+"), r"\1{prefix}"),
    (
        re.compile(
            r"(?i)([?&](?:code|start|key|token|ref|council_ref|session|secret)=)[^&\s\"'#]*"
        ),
        r"\1…",
    ),
)


def scrub(text: str) -> str:
    """`text` with keys, tokens, invitation codes and refs in paths masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class ScrubSecrets(logging.Filter):
    """A handler filter: the formatted message of every record passes `scrub`. A record
    whose message cannot be formatted is replaced by a line naming its logger. uvicorn's
    access records keep their argument tuple (its formatter unpacks it), each part scrubbed;
    the coloured copy uvicorn's other records carry for a terminal is formatted and
    scrubbed with the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple):
            # uvicorn's AccessFormatter unpacks the arguments itself: scrub them in place
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: say so without its arguments
            message = f"unprintable log message from {record.name}"
        cleaned = scrub(message)
        if cleaned != message or record.args:
            coloured = record.__dict__.get("color_message")
            if isinstance(coloured, str):  # uvicorn prints it, with the args, to a terminal
                try:
                    coloured = coloured % record.args if record.args else coloured
                except Exception:
                    coloured = cleaned
                record.color_message = scrub(coloured)
            record.msg, record.args = cleaned, None
        return True


QUIET_LOGGERS: Final = (
    "aiosqlite", "asyncpg", "sqlalchemy.engine", "httpx", "httpcore", "telegram",
)  # fmt: skip
"""Libraries that log statements with their parameters or URLs with tokens when asked
for detail: never below WARNING, whatever the log level. python-telegram-bot at DEBUG
logs every Bot API call and update whole: a child's words, first name, chat id, the
`/start` code and buttons' data that carry it, and the URL with the bot's token."""


def install_log_scrubbing(
    loggers: Iterable[str] = ("", "uvicorn", "uvicorn.error", ACCESS_LOGGER),
) -> None:
    """Put `ScrubSecrets` on every handler of `loggers` (root by default and uvicorn's),
    once each, and keep `QUIET_LOGGERS` at WARNING or above."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, ScrubSecrets) for f in handler.filters):
                handler.addFilter(ScrubSecrets())
