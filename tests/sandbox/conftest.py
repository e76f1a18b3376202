"""Fixtures of the sandbox tests: a running sandbox, and headless Chromium driven by Playwright.

The sandbox runs in the test's own event loop (emulator, bot and seed, on a free port) rather than
as a `chibo sandbox` subprocess: the test can then read the bot's database and the emulator's record
of rejected calls directly, needs no ready-line parsing or port guessing, and a failure shows the
bot's traceback in the test's output. test_cli.py starts the real command once to cover that path.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from bot.config import Settings
from bot.devtools.sandbox.server import Sandbox, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "sandbox"


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running(Settings(), host="127.0.0.1", port=0, folder=tmp_path) as running_sandbox:
        yield running_sandbox
        emulator = running_sandbox.emulator
        # Every call the bot made must have been one Telegram accepts, and every press answered.
        assert emulator.errors == [], emulator.errors
        assert emulator.unanswered_callbacks() == [], emulator.unanswered_callbacks()


@pytest.fixture
def chromium() -> Path:
    """Return Debian's Chromium, or fail (not skip: CI installs it, and a skipped test hides a gap)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"The sandbox's browser test needs Debian's Chromium at {CHROMIUM}: "
            "install it with `apt-get install chromium` (.ci/run does)."
        )
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path, tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=PHONE,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            # Closing the browser ends the page's long polls before the sandbox stops.
            await context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """Return the folder (under test-output/, which git ignores) for this test's screenshots."""
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
async def page(sandbox: Sandbox, browser: BrowserContext) -> AsyncIterator[Page]:
    page = await browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    await page.goto(sandbox.url)
    await page.wait_for_selector("body.ready")
    yield page
    assert problems == [], problems
