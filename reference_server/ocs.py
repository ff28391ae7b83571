"""The OCS v2 envelope and Nextcloud's JSON/XML format negotiation."""

from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from reference_server.php_values import json_encode

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
ROUTE_MISS_MESSAGE = (
    "Invalid query, please check the syntax. API specifications are here: "
    "http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n"
)
STATUS_MESSAGES = {401: "Current user is not logged in"}
# OCSController::RESPOND_NOT_FOUND and RESPOND_SERVER_ERROR, which v2.php maps to HTTP 404 and 500.
ROUTE_MISS_STATUSCODE = 998
SERVER_ERROR_STATUSCODE = 996


class OcsError(Exception):
    """A middleware-style OCS failure: envelope with ``data: []``."""

    def __init__(self, status: int, message: str = "", statuscode: int | None = None, data=None):
        super().__init__(message or str(status))
        self.status = status
        self.message = message
        self.statuscode = statuscode if statuscode is not None else status
        self.data = [] if data is None else data


def http_status_for(statuscode: int) -> int:
    """Map an OCS status code to the HTTP status v2.php answers with."""
    special = {997: 401, 998: 404, 996: 500, 999: 500}
    if statuscode in special:
        return special[statuscode]
    if statuscode < 200 or statuscode > 600:
        return 400
    return statuscode


def _format_param(request: Request, params: dict | None) -> str | None:
    value = request.query_params.get("format")
    if value is None and params:
        candidate = params.get("format")
        value = candidate if isinstance(candidate, str) else None
    if value in ("json", "xml"):
        return value
    return None


def negotiate(request: Request, params: dict | None = None) -> str:
    """``format`` parameter first, then the first Accept entry that is application/json or /xml, else XML."""
    chosen = _format_param(request, params)
    if chosen:
        return chosen
    for entry in request.headers.get("accept", "").split(","):
        media = entry.split(";", 1)[0].strip().lower()
        if media == "application/json":
            return "json"
        if media == "application/xml":
            return "xml"
    return "xml"


def _xml_value(value, indent: str) -> str:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = (("element", v) for v in value)
    else:
        return escape(_xml_scalar(value))
    parts = []
    for key, child in items:
        name = str(key)
        if (
            not name
            or not (name[0].isalpha() or name[0] == "_")
            or not all(c.isalnum() or c in "_-." for c in name)
        ):
            name = "element"
        if isinstance(child, dict | list | tuple):
            if not child:
                parts.append(f"{indent}<{name}/>\n")
            else:
                parts.append(f"{indent}<{name}>\n{_xml_value(child, indent + ' ')}{indent}</{name}>\n")
        elif child is None:
            parts.append(f"{indent}<{name}/>\n")
        else:
            parts.append(f"{indent}<{name}>{escape(_xml_scalar(child))}</{name}>\n")
    return "".join(parts)


def _xml_scalar(value) -> str:
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return str(value)


def render(
    status: int,
    statuscode: int,
    message: str,
    data,
    fmt: str,
    headers: dict | None = None,
    meta_status: str | None = None,
) -> Response:
    """Build the OCS v2 response in the chosen format (``meta_status`` overrides meta.status)."""
    meta = {
        "status": meta_status or ("ok" if 200 <= status < 300 else "failure"),
        "statuscode": statuscode,
        "message": message,
    }
    if fmt == "json":
        body = json_encode({"ocs": {"meta": meta, "data": data}}, hex_tag=True)
        return Response(
            body, status_code=status, media_type=None, headers={**(headers or {}), "content-type": JSON_TYPE}
        )
    data_xml = "" if data is None or data == [] else _xml_value(data, "  ")
    data_part = f" <data>\n{data_xml} </data>\n" if data_xml else " <data/>\n"
    body = (
        '<?xml version="1.0"?>\n<ocs>\n <meta>\n'
        f"  <status>{meta['status']}</status>\n  <statuscode>{statuscode}</statuscode>\n"
        f"  <message>{escape(message)}</message>\n </meta>\n{data_part}</ocs>\n"
    )
    return Response(body, status_code=status, headers={**(headers or {}), "content-type": XML_TYPE})


def ok(request: Request, data=None, params: dict | None = None, status: int = 200, headers=None) -> Response:
    """A 2xx controller response."""
    return render(status, status, "OK", data, negotiate(request, params), headers)


def error(request: Request, status: int, data, params: dict | None = None, headers=None) -> Response:
    """A controller-produced error (``DataResponse``): ``message`` is empty."""
    meta_status = error_meta_status()
    return render(
        status, error_statuscode(status), "", data, negotiate(request, params), headers, meta_status
    )


def error_statuscode(status: int) -> int:
    """meta.statuscode of a controller error equals its HTTP status."""
    return status


def error_meta_status() -> str:
    """meta.status of an error is "failure"."""
    return "failure"


def error_data(reason: str) -> dict:
    """Error body shape E1: ``data: {"error": reason}``."""
    return {"error": reason}


def error_reason(request: Request, reason: str, params: dict | None = None, status: int = 400) -> Response:
    """A controller error of shape E1 (see error_data)."""
    return error(request, status, error_data(reason), params)


def error_typed(
    request: Request, status: int, code: str, message: str, params: dict | None = None, headers=None
):
    """Error body shape E2: ``data: {"type": "error", "error": {"code", "message"}}``."""
    return error(
        request, status, {"type": "error", "error": {"code": code, "message": message}}, params, headers
    )


def middleware_error(request: Request, exc: OcsError, params: dict | None = None, headers=None) -> Response:
    """Error body shape M, as OCSMiddleware renders an OCSException."""
    return render(
        http_status_for(exc.statuscode),
        exc.statuscode,
        exc.message,
        exc.data,
        negotiate(request, params),
        headers,
    )


def route_miss(request: Request) -> Response:
    """What ocs/v1.php answers when no route matches: HTTP 404 with OCS statuscode 998 and ``data: []``."""
    return render(404, ROUTE_MISS_STATUSCODE, ROUTE_MISS_MESSAGE, [], negotiate(request))


def internal_error(request: Request, params: dict | None = None, detail: str = "") -> Response:
    """ocs/v1.php's answer to an uncaught exception: HTTP 500, OCS statuscode 996, ``data: []``.

    Talk 22 appends the exception's message after the newline; clients must not rely on that text.
    """
    return render(
        500, SERVER_ERROR_STATUSCODE, "Internal Server Error\n" + detail, [], negotiate(request, params)
    )
