"""A real headless Chromium for the tests: find it, and drive it through chromedriver (W3C WebDriver)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class WebDriver:
    """Just enough of the W3C WebDriver protocol, spoken to chromedriver over HTTP, to use a page."""

    def __init__(self, driver: str, browser: str, profile: Path, width: int = 1400) -> None:
        import socket

        import requests

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.width = width
        self.process = subprocess.Popen(
            [driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        options: dict = {
            "binary": browser,
            "args": [*BROWSER_FLAGS, f"--user-data-dir={profile}", f"--window-size={max(width, 500)},900"],
        }
        if width < 500:
            # Headless Chromium keeps a window at least 500 px wide; a phone's width is emulated instead.
            options["mobileEmulation"] = {"deviceMetrics": {"width": width, "height": 844, "pixelRatio": 1}}
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options}
        for _ in range(100):
            try:
                answer = self.http.post(
                    f"{self.url}/session", json={"capabilities": {"alwaysMatch": capabilities}}, timeout=60
                )
                break
            except requests.ConnectionError:
                import time

                time.sleep(0.1)
        else:
            raise AssertionError("chromedriver did not start")
        self.session = answer.json()["value"]["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        answer = self.http.request(method, f"{self.url}/session/{self.session}/{path}", json=body, timeout=60)
        value = answer.json()["value"]
        assert answer.ok, value
        return value

    def open(self, url: str) -> None:
        """Load a page and check the window is as wide as asked."""
        self._call("POST", "url", {"url": url})
        # An emulated phone's width is its screen's: its innerWidth grows with a page that is too wide.
        window = self.run("return window.screen.width;" if self.width < 500 else "return window.innerWidth;")
        assert window == self.width, f"the window is {window} px wide, not {self.width}"

    def run(self, script: str, *args):
        """Run JavaScript in the page and return its result."""
        return self._call("POST", "execute/sync", {"script": script, "args": list(args)})

    def type_into(self, css: str, text: str, clear: bool = False) -> None:
        """Type text into the element, key by key, as a reader would (after emptying it when asked)."""
        element = self._call("POST", "element", {"using": "css selector", "value": css})
        element_id = next(iter(element.values()))
        if clear:
            self._call("POST", f"element/{element_id}/clear", {})
        self._call("POST", f"element/{element_id}/value", {"text": text})

    def click(self, css: str) -> None:
        """Click the element."""
        element = self._call("POST", "element", {"using": "css selector", "value": css})
        self._call("POST", f"element/{next(iter(element.values()))}/click", {})

    def scroll_width(self, url: str) -> tuple[int, int]:
        """(scrollWidth, clientWidth) of the page's root element."""
        self.open(url)
        root = "document.documentElement"
        width, client = self.run(f"return [{root}.scrollWidth, {root}.clientWidth];")
        return width, client

    def close(self) -> None:
        self.http.delete(f"{self.url}/session/{self.session}", timeout=30)
        self.process.terminate()
        self.process.wait(timeout=10)
