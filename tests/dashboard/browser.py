"""Headless Chromium (Debian's package) driven over the DevTools protocol: no browser download.

``Browser(url)`` starts Chromium on a fresh profile with the page open, connects to the page's
DevTools websocket, and offers ``evaluate`` (a JavaScript expression's value) and ``screenshot``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.support.ci import under_ci

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> None:
    """On CI a missing Chromium is a failure; on a laptop without it, a skip."""
    if chromium() is None:
        message = (
            "chromium is not installed: `make test-services` (scripts/setup.sh --test-services) installs it"
        )
        if under_ci():
            pytest.fail(message)
        pytest.skip(message)


class Browser:
    def __init__(self, url: str, width: int = 1400, height: int = 1200) -> None:
        binary = chromium()
        if binary is None:
            raise RuntimeError("chromium is not installed (scripts/setup.sh --test-services installs it)")
        self._profile = Path(tempfile.mkdtemp(prefix="dashboard-chromium-"))
        self._process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()
        try:
            self._socket: ClientConnection = self._stack.enter_context(
                connect(self._page_socket(url), max_size=64 * 1024 * 1024, open_timeout=10)
            )
            self._wait_loaded(url)
        except BaseException:
            self.close()
            raise

    def _wait_loaded(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        check = f"location.href.startsWith({json.dumps(url)}) && document.readyState === 'complete'"
        while not self.evaluate(check):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not load within {timeout:.0f} s")
            time.sleep(0.1)

    def _page_socket(self, url: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        active_port = self._profile / "DevToolsActivePort"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self._process.returncode}")
            if active_port.exists() and active_port.read_text().strip():
                port = active_port.read_text().split()[0]
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                    targets = json.load(response)
                for target in targets:
                    if target.get("type") == "page" and target.get("url", "").startswith(url):
                        return str(target["webSocketDebuggerUrl"])
            time.sleep(0.2)
        raise RuntimeError(f"chromium did not open {url} within {timeout:.0f} s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ws = self._socket
        message_id = next(self._ids)
        ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            answer = json.loads(ws.recv(timeout=30))
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """The whole page as PNG."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        width = int(self.evaluate("document.documentElement.scrollWidth"))
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self._stack.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
