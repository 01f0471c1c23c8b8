"""nmref's web pages in a real browser: the system's Chromium, driven by Playwright, against
`nmref serve` on loopback. Without a browser the tests are skipped with the reason; under CI
(CI=true) a missing browser is a failure, never a skip."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# The flags a headless Chromium needs on a closed machine as root: no sandbox, no network of its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright is not installed (pip install -e '.[test]')")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        missing("no Chromium on this machine (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def start_server() -> tuple[subprocess.Popen, str] | None:
    """`nmref serve` on a free loopback port; None if another process took the port first."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = Path(sys.executable).parent / "nmref"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "nmref"]
    server = subprocess.Popen([*command, "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return None  # it could not listen (the port was taken meanwhile)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            urllib.request.urlopen(f"{url}/-/nmref", timeout=5).close()
        except OSError:
            time.sleep(0.2)
            continue
        time.sleep(0.3)
        if server.poll() is None:  # still ours: the answer came from it
            return server, url
        return None
    server.kill()
    server.wait()
    pytest.fail("nmref serve did not answer within 60 s")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """`nmref serve` on a free loopback port, for the module's tests."""
    for _ in range(3):
        started = start_server()
        if started:
            break
    else:
        pytest.fail("nmref serve could not listen on a free port three times")
    server, url = started
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_drug_page_shows_the_vagotonia_contraindication_with_its_quote_and_line(
    browser, site: str, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(f"{site}/-/nmref/drug/ceraxon")
    contraindications = page.locator("#contraindications")
    assert "Severe vagotonia" in contraindications.inner_text()
    assert "[ceraxon-article, line 74]" in contraindications.inner_text()
    assert "never calculates a dose" in page.locator("#nmref-notice").inner_text()
    page.screenshot(path=str(tmp_path / "ceraxon.png"))
    page.close()


def test_a_check_of_ceraxon_and_acefen_through_the_form_finds_meclofenoxate(browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/-/nmref/check")
    boxes = page.locator("#check-form input[name=drug]")
    boxes.nth(0).fill("Ceraxon")
    boxes.nth(1).fill("Acefen")
    page.locator("#check-submit").click()
    page.wait_for_selector(".nmref-verdict")
    # The evidence stands one step below each verdict, folded: read it whole.
    findings = page.locator(".finding").all_text_contents()
    assert any("meclofenoxate" in finding for finding in findings)
    page.close()


def test_a_search_for_quincke_finds_the_facts(browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/-/nmref")
    page.locator("#search-box").fill("Quincke")
    page.locator("#search-submit").click()
    page.wait_for_selector(".hit")
    assert any("Quincke" in hit for hit in page.locator(".hit").all_inner_texts())
    page.close()


def test_screenshots_the_drug_page_reads_safety_first_and_a_check_strictest_first(
    browser, site: str, tmp_path: Path
) -> None:
    """The drug page's contraindications start within its first 1,200 pixels; a check's first
    verdict is its strictest. Both pages are saved as PNG files for a person to look at."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{site}/-/nmref/drug/ceraxon")
    top = page.locator("#contraindications").bounding_box()["y"]
    page.screenshot(path=str(tmp_path / "drug-ceraxon.png"), full_page=True)
    assert top < 1200, f"the contraindications start {top:.0f} px down the drug page"
    page.goto(f"{site}/-/nmref/check?drug=glycine&drug=warfarin&drug=aspirin")
    levels = page.locator(".nmref-verdict .nmref-level").all_inner_texts()
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)
    assert levels[0] == "contraindicated" and "no fact stated" in levels
    assert (tmp_path / "drug-ceraxon.png").stat().st_size > 10_000
    page.close()
