"""Run the real app and drive it with the system Chromium, as Streamlit's own e2e suite
does: start `streamlit run` on a free localhost port, poll the health endpoint, and wait
for the script to finish (the stApp element's data-test-script-state) — never sleep.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--disable-quic"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_url: str, log_path: Path, timeout: float = 90.0) -> Iterator[str]:
    """Serve dashboard/app.py against ``db_url``; yields the base URL; stops it after."""
    port = free_port()
    env = {**os.environ, "DASHBOARD_DB_URL": db_url, "PYTHONUNBUFFERED": "1"}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited early; log: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy after {timeout}s")
            time.sleep(0.2)  # polling interval of the health check, not a wait on the app
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected, its script run has finished and no element is
    still a loading placeholder (skeleton) — e.g. after st.navigation's first rerun."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]',
                           timeout=timeout)
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                   ?.getAttribute('data-test-script-state') === 'notRunning'
              && !document.querySelector('[data-testid="stSkeleton"], '
                                         + '[data-testid="stSkeletonElement"], '
                                         + '[data-testid="stAppSkeleton"]')""",
        timeout=timeout)


def external_requests(urls: list[str]) -> list[str]:
    """Requests that left the machine (anything but the app's own host, data: and blob:)."""
    outside = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
            continue
        if parsed.hostname not in LOCAL_HOSTS:
            outside.append(url)
    return outside


@contextlib.contextmanager
def recording_tab(browser, width: int, height: int):
    """A new tab of ``width`` × ``height`` whose requested URLs are kept in
    ``tab.requested_urls`` (for :func:`external_requests`)."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1)
    tab = context.new_page()
    tab.requested_urls = []
    tab.on("request", lambda request: tab.requested_urls.append(request.url))
    try:
        yield tab
    finally:
        context.close()
