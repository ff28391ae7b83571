"""Simulated latency (config ``latency_ms``): every HTTP request waits before it is handled."""

import asyncio


class Latency:
    """ASGI middleware: sleep ``milliseconds`` before each HTTP request, like a slow target would take."""

    def __init__(self, app, milliseconds: int):
        self.app = app
        self.seconds = milliseconds / 1000

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)
