"""A real headless Chromium driven over the DevTools protocol, for the browser tests.

Chromium speaks the protocol on a pipe (`--remote-debugging-pipe`: commands in on fd 3,
answers out on fd 4, each a JSON text ended by a NUL byte), so no WebSocket library and
no driver binary is needed: Debian's `chromium` is the whole browser. Clicks are mouse
events at the element's place on the page, as a user's would be; downloads land in a
directory of the test's choosing.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

POLL_SECONDS = 0.1


class DevToolsError(Exception):
    """Chromium answered a command with an error, or stopped answering."""


class Chromium:
    """One browser process; `page()` opens a tab in it."""

    def __init__(self, workdir: Path, *, width: int = 1400, height: int = 1000) -> None:
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            pytest.fail(
                "Debian's chromium is not installed (apt-get install chromium)", pytrace=False
            )
        self.downloads = workdir / "downloads"
        self.downloads.mkdir(parents=True, exist_ok=True)
        self.size = (width, height)
        to_browser, self._commands = os.pipe()
        self._answers, from_browser = os.pipe()
        # Above 9, so that placing them on 3 and 4 in the child cannot overwrite each other.
        child_in = fcntl.fcntl(to_browser, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_browser, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser)
        os.close(from_browser)

        def pipes_on_3_and_4() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._log = (workdir / "chromium.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--remote-debugging-pipe",
                f"--user-data-dir={workdir / 'profile'}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            preexec_fn=pipes_on_3_and_4,  # noqa: PLW1509 - single dup2 calls, no locks taken
            close_fds=False,  # Python's own descriptors are close-on-exec already
        )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.call(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(self.downloads), "eventsEnabled": True},
        )

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Send one command and wait (bounded) for its answer; events met meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") != self._next_id:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise DevToolsError(f"{method}: {answer['error']}")
            result: dict[str, Any] = answer["result"]
            return result

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError("Chromium did not answer in time")
            ready, _, _ = select.select([self._answers], [], [], left)
            if ready:
                chunk = os.read(self._answers, 1 << 20)
                if not chunk:
                    raise DevToolsError("Chromium closed the protocol pipe")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def page(self) -> Page:
        """A new tab, the size given to the browser."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        width, height = self.size
        page.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call("Log.enable")
        return page

    def close(self) -> None:
        """Stop the browser (a polite close, then a kill if it lingers)."""
        with contextlib.suppress(DevToolsError):
            self.call("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._commands)
        os.close(self._answers)
        self._log.close()


class Page:
    """One tab: navigate, evaluate, wait for a condition, click, capture."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, self.session)

    def errors(self) -> list[str]:
        """Uncaught exceptions, console errors and browser errors (a refused request, a
        Content-Security-Policy violation) of this tab so far."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(str(params["exceptionDetails"]))
            elif event.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
                found.append(str(params["args"]))
            elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                found.append(f"{entry['text']} {entry.get('url', '')}".strip())
        return found

    def goto(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (promises are awaited)."""
        answer = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in answer:
            raise DevToolsError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 90) -> Any:
        """Poll until the expression is truthy (bounded); its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                state = self.evaluate("document.body && document.body.dataset.state")
                error = self.evaluate("document.getElementById('error')?.textContent")
                raise DevToolsError(f"never true: {expression} (state {state!r}, error {error!r})")
            time.sleep(POLL_SECONDS)

    def click(self, selector: str) -> None:
        """A left click in the middle of the element, as a mouse would."""
        box = self.evaluate(
            f"(() => {{ const n = document.querySelector({json.dumps(selector)});"
            " n.scrollIntoView({block: 'center'}); const r = n.getBoundingClientRect();"
            " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1},
            )

    def choose(self, selector: str, value: str) -> None:
        """Set a form control's value and tell the page, as picking from it does."""
        self.evaluate(
            f"(() => {{ const n = document.querySelector({json.dumps(selector)});"
            f" n.value = {json.dumps(value)};"
            " n.dispatchEvent(new Event('input', {bubbles: true}));"
            " n.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    def screenshot(self, path: Path) -> None:
        """The whole page (beyond the window's height) as PNG."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path.write_bytes(base64.b64decode(shot["data"]))


def wait_for_file(directory: Path, name: str, timeout: float = 30) -> Path:
    """A finished download (Chromium writes `name.crdownload` first, then renames it)."""
    deadline = time.monotonic() + timeout
    path = directory / name
    while not path.exists():
        if time.monotonic() > deadline:
            raise DevToolsError(f"no download {name} in {sorted(os.listdir(directory))}")
        time.sleep(POLL_SECONDS)
    return path
