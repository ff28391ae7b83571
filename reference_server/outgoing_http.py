"""Talk's outgoing HTTP clients (signaling and recording servers): kept alive and shared, closed at shutdown.

A client per request would cost a TLS context and a new connection every time. Sharing one changes neither
the messages nor their order, only the connections they travel on. Timeouts are given per request, because
they are read from the environment each time.
"""

import asyncio

import httpx

# verify → (event loop, client): a client's connections belong to the loop that opened them.
_clients: dict[bool, tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = {}


def client(verify: bool) -> httpx.AsyncClient:
    """The shared client of this event loop that verifies (or not) the peer's certificate."""
    loop = asyncio.get_running_loop()
    held = _clients.get(verify)
    if held is None or held[0] is not loop:
        # A client of a loop that has ended is dropped: its connections cannot be used from this one.
        held = (loop, httpx.AsyncClient(verify=verify, trust_env=False))
        _clients[verify] = held
    return held[1]


async def close_all() -> None:
    """Close this loop's clients and their kept-alive connections (the app's lifespan shutdown)."""
    loop = asyncio.get_running_loop()
    for verify, (owner, shared) in list(_clients.items()):
        if owner is loop:
            del _clients[verify]
            await shared.aclose()
