"""IURLGenerator::getAbsoluteURL(''): the base of every absolute URL Talk writes (headers, links, icons).

While serving a request Nextcloud derives it from that request: the scheme it was served with, the Host header
(port included) and the web root. ``overwrite*`` in config.php replaces that; here ``base_url`` is the
overwrite. X-Forwarded-Proto/-Host count only from a configured trusted proxy, and Nextcloud trusts none by
default, so they are ignored. Without a request being served (a background job) Nextcloud uses
``overwrite.cli.url``: ``base_url``, else the URL the server listens on.
"""

import contextvars
import re

from starlette.requests import Request

# A host name, an IPv4 address or a bracketed IPv6 address, with an optional port. Nextcloud answers a Host
# outside its trusted domains with its first trusted domain; this server, trusting every well-formed host,
# falls back to the address it was reached on.
_HOST = re.compile(r"^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$")

_serving: contextvars.ContextVar[str | None] = contextvars.ContextVar("absolute_url_serving", default=None)


def _host(request: Request) -> str:
    given = request.headers.get("host", "")
    if _HOST.match(given):
        return given
    host, port = request.scope.get("server") or ("localhost", None)
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def of_request(request: Request, overwrite: str | None) -> str:
    """The base URL (ending in "/") while serving ``request``."""
    if overwrite:
        return overwrite
    scheme = "https" if request.scope.get("scheme") == "https" else "http"
    return f"{scheme}://{_host(request)}{request.scope.get('root_path', '')}/"


def serve(request: Request, overwrite: str | None) -> contextvars.Token:
    """Mark ``request`` as the one being served (until ``done``)."""
    return _serving.set(of_request(request, overwrite))


def done(token: contextvars.Token) -> None:
    """The request is answered."""
    _serving.reset(token)


def base(cli_url: str) -> str:
    """getAbsoluteURL(''): from the request being served, else ``cli_url`` (overwrite.cli.url)."""
    return _serving.get() or cli_url


def file_link(base_url: str, file_id) -> str:
    """The ``link`` of a file rich object: Nextcloud's ``files.viewcontroller.showFile`` route."""
    return f"{base_url}index.php/f/{file_id}"


def with_file_link(parameters: dict, base_url: str) -> dict:
    """Rich parameters whose ``file`` links through ``base_url``: Talk renders it for each listing."""
    file = parameters.get("file")
    if not isinstance(file, dict) or "id" not in file:
        return parameters
    return {**parameters, "file": {**file, "link": file_link(base_url, file["id"])}}
