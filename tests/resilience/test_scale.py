"""Parsing the reference server's request log into per-endpoint server time."""

from bench.scale import server_time_by_endpoint

STAMP = "2026-11-23 08:36:50,478"
ROOM = "/ocs/v2.php/apps/spreed/api/v4/room"
BACKEND = "/ocs/v2.php/apps/spreed/api/v1/recording/backend"
LOG = [
    f"{STAMP} reference_server.requests 127.0.0.1 GET {ROOM}/ab12cd34 200 0.5ms",
    f"{STAMP} reference_server.requests 127.0.0.1 GET {ROOM}/zz99yy88 200 1.5ms",
    f"{STAMP} reference_server.requests 127.0.0.1 GET {ROOM}/zz99yy88 200 0.7ms",
    f"{STAMP} uvicorn.error Application startup complete.",
    f"{STAMP} reference_server.requests 127.0.0.1 POST {BACKEND} 400 0.2ms",
    f"{STAMP} reference_server.requests 127.0.0.1 POST /x client disconnected",
]


def test_tokens_are_folded_and_medians_taken():
    assert server_time_by_endpoint(LOG) == {
        "GET /ocs/v2.php/apps/spreed/api/v4/room/{token}": 0.7,
        "POST /ocs/v2.php/apps/spreed/api/v1/recording/backend": 0.2,
    }
