"""Routes and the request pipeline: route → login (401) → admin (403) → CSRF (412) → controller."""

import logging
import re
import time
from dataclasses import dataclass

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from reference_server import (
    absolute_url,
    backend_api,
    kept_alive_post,
    nextcloud_api,
    ocs,
    outgoing_http,
    recording_api,
    recording_server_client,
    signaling_notifier,
    store_api,
    talk_api,
    webdav,
)
from reference_server.latency import Latency
from reference_server.pipeline import (
    BodyTooLarge,
    Call,
    authenticate,
    body_params,
    csrf_failed,
    multipart_fields,
    passes_csrf,
    query_params,
    read_body,
)
from reference_server.server_state import ServerState
from reference_server.web_root import WebRoot

log = logging.getLogger("reference_server.requests")
errors = logging.getLogger("reference_server.errors")

TOKEN = r"(?P<token>[a-z0-9]{4,30})"  # noqa: S105 (a route pattern)
RECORDING = "/ocs/v2.php/apps/spreed/api/(?P<api>v1)/recording"
TALK_V4 = "/ocs/v2.php/apps/spreed/api/v4"
APP_CONFIG = "/ocs/v2.php/apps/provisioning_api/api/v1/config/apps"
NOTIFICATIONS = "/ocs/v2.php/apps/notifications/api/v2/notifications"
WEBDAV_FILES = "/remote.php/dav/files"


@dataclass(frozen=True)
class Route:
    """One endpoint: method, full-path regex, handler and the security attributes."""

    method: str
    pattern: re.Pattern
    handler: object
    public: bool = False
    admin: bool = False
    streamed: bool = False
    csrf: bool = True


def _route(method, path, handler, **flags) -> Route:
    return Route(method, re.compile(f"^{path}$"), handler, **flags)


# Concrete paths come before the {token} patterns that would also match them (e.g. recording/backend).
ROUTES = (
    _route("POST", f"{RECORDING}/backend", backend_api.backend, public=True),
    # Talk's route requires serverId to be digits: "-1" is a route miss (404, OCS 998), not a 400.
    _route("GET", f"{RECORDING}/welcome/(?P<server_id>[0-9]+)", recording_api.welcome, admin=True),
    _route("POST", f"{RECORDING}/{TOKEN}/store", store_api.store, public=True, streamed=True),
    _route("DELETE", f"{RECORDING}/{TOKEN}/notification", recording_api.dismiss_notification),
    _route("POST", f"{RECORDING}/{TOKEN}/share-chat", recording_api.share_to_chat),
    _route("POST", f"{RECORDING}/{TOKEN}", recording_api.start),
    _route("DELETE", f"{RECORDING}/{TOKEN}", recording_api.stop),
    _route(
        "GET",
        "/ocs/v2.php/apps/spreed/api/v3/signaling/welcome/(?P<server_id>[^/]+)",
        signaling_notifier.welcome,
        admin=True,
    ),
    _route("GET", "/ocs/v2.php/apps/spreed/api/v1/chat/" + TOKEN, talk_api.list_chat, public=True),
    _route("POST", f"{TALK_V4}/room", talk_api.create_room),
    _route("GET", f"{TALK_V4}/room", talk_api.list_rooms),
    _route("GET", f"{TALK_V4}/room/{TOKEN}", talk_api.get_room, public=True),
    _route("DELETE", f"{TALK_V4}/room/{TOKEN}", talk_api.delete_room, public=True),
    _route("POST", f"{TALK_V4}/room/{TOKEN}/participants/active", talk_api.join_room, public=True),
    _route("DELETE", f"{TALK_V4}/room/{TOKEN}/participants/active", talk_api.leave_room, public=True),
    _route("POST", f"{TALK_V4}/room/{TOKEN}/participants", talk_api.add_participant),
    _route("GET", f"{TALK_V4}/room/{TOKEN}/participants", talk_api.list_participants, public=True),
    _route("POST", f"{TALK_V4}/room/{TOKEN}/moderators", talk_api.promote, public=True),
    _route("DELETE", f"{TALK_V4}/room/{TOKEN}/moderators", talk_api.demote, public=True),
    _route("POST", f"{TALK_V4}/room/{TOKEN}/public", talk_api.make_public, public=True),
    _route("DELETE", f"{TALK_V4}/room/{TOKEN}/public", talk_api.make_private, public=True),
    _route("PUT", f"{TALK_V4}/room/{TOKEN}/webinar/lobby", talk_api.set_lobby, public=True),
    _route("PUT", f"{TALK_V4}/room/{TOKEN}/recording-consent", talk_api.set_recording_consent),
    _route("POST", f"{TALK_V4}/call/{TOKEN}", talk_api.join_call, public=True),
    _route("DELETE", f"{TALK_V4}/call/{TOKEN}", talk_api.leave_call, public=True),
    _route("GET", f"{APP_CONFIG}/(?P<app>[a-z0-9_]+)", nextcloud_api.list_app_keys),
    _route("GET", f"{APP_CONFIG}/(?P<app>[a-z0-9_]+)/(?P<key>[^/]+)", nextcloud_api.get_app_value),
    _route("POST", f"{APP_CONFIG}/(?P<app>[a-z0-9_]+)/(?P<key>[^/]+)", nextcloud_api.set_app_value),
    _route("DELETE", f"{APP_CONFIG}/(?P<app>[a-z0-9_]+)/(?P<key>[^/]+)", nextcloud_api.delete_app_value),
    _route("POST", "/ocs/v2.php/cloud/users", nextcloud_api.create_user),
    _route("GET", "/ocs/v2.php/cloud/users/(?P<user_id>[^/]+)", nextcloud_api.get_user),
    _route("DELETE", "/ocs/v2.php/cloud/users/(?P<user_id>[^/]+)", nextcloud_api.delete_user),
    _route("GET", "/ocs/v2.php/cloud/capabilities", nextcloud_api.capabilities, public=True, csrf=False),
    _route("GET", NOTIFICATIONS, nextcloud_api.list_notifications),
    _route("DELETE", NOTIFICATIONS, nextcloud_api.delete_all_notifications),
    _route("DELETE", f"{NOTIFICATIONS}/(?P<id>[0-9]+)", nextcloud_api.delete_notification),
    _route("DELETE", "/ocs/v2.php/apps/talk_reference/api/v1/bruteforce", nextcloud_api.reset_bruteforce),
    # WebDAV answers a missing login itself (Sabre's 401), and needs no OCS-APIRequest header.
    _route("DELETE", f"{WEBDAV_FILES}/(?P<user>[^/]+)/(?P<path>.+)", webdav.delete, public=True, csrf=False),
)


def match(method: str, path: str) -> tuple[Route | None, dict, bool]:
    """The route for a request, its path parameters, and whether the path exists under another method."""
    path_known = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is None:
            continue
        if route.method == method or (method == "HEAD" and route.method == "GET"):
            return route, found.groupdict(), True
        path_known = True
    return None, {}, path_known


class TalkApp:
    """The ASGI application."""

    def __init__(self, state: ServerState):
        self.state = state

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        started = time.monotonic()
        serving = absolute_url.serve(request, self.state.config.base_url)
        try:
            response = await self.handle(request)
        except ClientDisconnect:
            log.info("%s %s client disconnected", request.method, request.url.path)
            return
        except Exception:
            errors.exception("unhandled error for %s %s", request.method, request.url.path)
            response = ocs.internal_error(request)
        finally:
            absolute_url.done(serving)
        await response(scope, receive, send)
        log.info(
            "%s %s %s %s %.1fms",
            request.client.host if request.client else "-",
            request.method,
            request.url.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await outgoing_http.close_all()
                await kept_alive_post.close_all()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, request: Request) -> Response:
        """Route, run the shared middleware checks, call the controller."""
        route, path_params, path_known = match(request.method, request.url.path)
        if route is None:
            return Response(status_code=405) if path_known else ocs.route_miss(request)
        call = Call(request=request, state=self.state, path_params=path_params, params=query_params(request))
        if not route.streamed:
            try:
                call.raw_body = await read_body(request)
            except BodyTooLarge:
                return ocs.middleware_error(request, ocs.OcsError(413, "Request body too large"), call.params)
            content_type = request.headers.get("content-type", "")
            extra = body_params(content_type, call.raw_body) or await multipart_fields(request, call.raw_body)
            call.params.update({k: v for k, v in extra.items() if isinstance(k, str)})
        authenticate(call)
        try:
            return await run_controller(call, route)
        except ocs.OcsError as exc:
            return call.finish(ocs.middleware_error(request, exc, call.params))
        except recording_server_client.RecordingServerError as exc:
            # The one registered 5xx: Talk lets the HTTP client's exception escape (OCS 996 → HTTP 500).
            return ocs.internal_error(request, call.params, detail=str(exc))
        except signaling_notifier.SignalingServerError as exc:
            # Like upstream's BackendNotifier: an unusable signaling server fails the request (X40).
            signaling_notifier.log.warning("%s %s: %s", request.method, request.url.path, exc)
            return ocs.internal_error(request, call.params, detail=str(exc))


def require_login(route: Route, call: Call) -> None:
    """A non-public endpoint refuses a caller who is not logged in: 401 with OCS statuscode 997."""
    if not route.public and call.user is None:
        raise ocs.OcsError(401, ocs.STATUS_MESSAGES[401], statuscode=997)


def require_admin(route: Route, call: Call) -> None:
    """An admin-only endpoint refuses a logged-in user who is not an admin: 403."""
    if route.admin and not call.is_admin:
        raise ocs.OcsError(403, "Logged in account must be an admin")


def csrf_required(route: Route) -> bool:
    """The endpoint needs `OCS-APIRequest: true` (or a Bearer token) to pass the CSRF check."""
    return route.csrf


async def run_controller(call: Call, route: Route) -> Response:
    """Nextcloud's middleware order: login, admin, CSRF, and only then the controller."""
    require_login(route, call)
    require_admin(route, call)
    if csrf_required(route) and not passes_csrf(call.request):
        return csrf_failed()
    return await run_handler(call, route)


async def run_handler(call: Call, route: Route) -> Response:
    """The controller; the signaling server hears of what it changed only once it succeeded."""
    notifications = signaling_notifier.begin()
    try:
        response = await route.handler(call)
    except BaseException:
        signaling_notifier.discard(notifications)
        raise
    await signaling_notifier.deliver(call.state, notifications)
    return response


def create_app(state: ServerState, web_root: str = ""):
    """The ASGI app serving ``state``, below ``web_root`` when one is given (e.g. "/nextcloud")."""
    app = TalkApp(state)
    if state.config.latency_ms:
        app = Latency(app, state.config.latency_ms)
    return WebRoot(app, web_root) if web_root else app
