"""The HTTP API Talk calls: the welcome check and the signed start/stop of a room's recording."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reference_recording_server import __version__, protocol
from reference_recording_server.config import Settings
from reference_recording_server.protocol import Refusal, RoomRequest, StartRequest, StopRequest
from reference_recording_server.recordings import Recordings

# Bodies larger than this are never read, whatever maxmessagesize says: the size check refuses them anyway.
READ_LIMIT_BYTES = 1 << 20
logger = logging.getLogger("reference_recording_server")


def welcome_document() -> dict[str, Any]:
    """What `GET /api/v1/welcome` answers: the server's version."""
    return {"version": __version__}


def refused(refusal: Refusal) -> JSONResponse:
    """An error answer: JSON saying why (upstream answers HTML pages; Talk reads only the status, R3)."""
    return JSONResponse({"error": refusal.reason}, status_code=refusal.status)


def accepted() -> JSONResponse:
    """The answer to every start and stop that was acted on."""
    return JSONResponse({})


async def welcome(request: Request) -> JSONResponse:
    return JSONResponse(welcome_document())


async def room(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    room_request = RoomRequest(
        token=request.path_params["token"],
        headers=request.headers,
        body=b"",
        declared_length=_declared_length(request),
    )
    if room_request.declared_length is not None and room_request.declared_length <= READ_LIMIT_BYTES:
        room_request.body = await request.body()
    refusal = protocol.first_refusal(room_request, settings)
    if refusal is not None:
        logger.info("POST %s refused: %d %s", request.url.path, refusal.status, refusal.reason)
        return refused(refusal)
    message = protocol.parse_message(room_request.body)
    if isinstance(message, Refusal):
        return refused(message)
    recordings: Recordings = request.app.state.recordings
    assert room_request.secret is not None
    if message["type"] == "start":
        start = protocol.start_request(room_request, message)
        if isinstance(start, Refusal):
            return refused(start)
        return do_start(recordings, start, room_request.secret)
    if message["type"] == "stop":
        stop = protocol.stop_request(room_request, message)
        if isinstance(stop, Refusal):
            return refused(stop)
        return do_stop(recordings, stop)
    return unknown_type(message)


def unknown_type(message: dict[str, Any]) -> JSONResponse:
    """Only start and stop are understood."""
    return refused(Refusal(400, "unknown type"))


def do_start(recordings: Recordings, start: StartRequest, secret: str) -> JSONResponse:
    """A start is answered at once; the recording reports `started` or `failed` later."""
    recordings.start(start, secret)
    return accepted()


def do_stop(recordings: Recordings, stop: StopRequest) -> JSONResponse:
    """A stop for a recording this server does not have is 404, which Talk turns into the failed status."""
    if not recordings.stop(stop):
        return refused(Refusal(404, "no such recording"))
    return accepted()


def _declared_length(request: Request) -> int | None:
    with contextlib.suppress(ValueError):
        value = request.headers.get("content-length")
        return None if value is None else max(0, int(value))
    return None


async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return refused(Refusal(404, "not found"))


async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return refused(Refusal(405, "method not allowed"))


def create_app(settings: Settings) -> Starlette:
    """The application, with one set of recordings for its lifetime."""
    recordings = Recordings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await recordings.close()

    app = Starlette(
        routes=[
            Route("/api/v1/welcome", welcome, methods=["GET"]),
            Route("/api/v1/room/{token}", room, methods=["POST"]),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.recordings = recordings
    return app
