"""One pool of kept-alive connections per process, shared by the suite's requests sessions to the target.

A scenario's actors, the next scenario's, and the recording server's callbacks reuse the target's connections
instead of opening and closing a few per scenario. Cookies, headers and credentials stay with each session;
urllib3 keys its pools by host and TLS settings and replaces connections the target dropped.
"""

from __future__ import annotations

import requests

_SHARED = requests.adapters.HTTPAdapter()


class PooledSession(requests.Session):
    """A session of its own (cookies, headers, auth) whose connections come from the shared pool."""

    def __init__(self) -> None:
        super().__init__()
        self.mount("http://", _SHARED)
        self.mount("https://", _SHARED)

    def close(self) -> None:
        """Drop the cookies; the connections stay in the pool (closing them would end every session's)."""
        self.cookies.clear()
