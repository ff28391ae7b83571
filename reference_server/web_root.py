"""Serving under a web root (``--web-root /nextcloud``), as a Nextcloud installed in a sub-directory is."""

import re

# What Apache answers for a path outside the directory Nextcloud is installed in.
OUTSIDE_PAGE = (
    b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
    b"</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n"
    b"</body></html>\n"
)
_WEB_ROOT = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")


def normalize(raw: str) -> str:
    """The web root as a path without trailing slash ("" for none); ValueError when it is no plain path."""
    stripped = raw.strip().rstrip("/")
    if stripped == "":
        return ""
    root = stripped if stripped.startswith("/") else "/" + stripped
    if not _WEB_ROOT.match(root) or any(part in (".", "..") for part in root.split("/")):
        raise ValueError(f"must be a path such as /nextcloud, not {raw!r}")
    return root


class WebRoot:
    """ASGI wrapper: below the web root the app gets the path without it; elsewhere a 404 page."""

    def __init__(self, app, root: str) -> None:
        self.app = app
        self.root = root

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.root or path.startswith(self.root + "/"):
            inner = dict(scope)
            inner["path"] = path[len(self.root) :] or "/"
            raw_path = scope.get("raw_path")
            if raw_path is not None and raw_path.startswith(self.root.encode()):
                inner["raw_path"] = raw_path[len(self.root) :] or b"/"
            inner["root_path"] = scope.get("root_path", "") + self.root
            await self.app(inner, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [
                    (b"content-type", b"text/html; charset=iso-8859-1"),
                    (b"content-length", str(len(OUTSIDE_PAGE)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": OUTSIDE_PAGE})
