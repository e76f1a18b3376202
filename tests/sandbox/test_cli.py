"""`chibo sandbox` as people start it: a command that serves the page until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.devtools.sandbox.server import READY

START_WAIT = 60.0  # seconds: the sandbox is up in about two; this only bounds a broken start


def _environment() -> dict[str, str]:
    """Return this environment without a bot token or chibo settings, as on a new machine."""
    return {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN" and not k.startswith("CHIBO_")}


async def test_chibo_sandbox_serves_the_page_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    with (tmp_path / "stderr.log").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "sandbox",
            "--port",
            "0",
            cwd=tmp_path,  # no .env of the developer's
            env=_environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
        assert process.stdout is not None
        try:
            output = []
            async with asyncio.timeout(START_WAIT):
                while not (line := (await process.stdout.readline()).decode()).startswith(READY):
                    assert line, (
                        f"chibo sandbox ended early: {output} {(tmp_path / 'stderr.log').read_text()}"
                    )
                    output.append(line)
            assert "Đảng bộ các Khu công nghiệp (13 cells, 99 members)" in "".join(output)
            url = line.removeprefix(READY).split()[0]
            assert url.startswith("http://127.0.0.1:")

            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    assert response.status == 200
                    assert response.content_type == "text/html"
                    assert response.charset == "utf-8"
                    page = await response.text()
                assert '<html lang="vi">' in page and "/sandbox/app.js" in page
                for name in ("app.js", "app.css"):
                    async with session.get(f"{url}/sandbox/{name}") as response:
                        assert response.status == 200
                async with session.get(f"{url}/sandbox/state") as response:
                    state = await response.json()
                assert [(p["name"], p["role"]) for p in state["personas"]] == [
                    ("Nguyễn Thị Lan", "secretary"),
                    ("Trần Văn Hùng", "committee"),
                    ("Phạm Minh Đức", "admin"),
                ]
                # The secretary accepted her invitation before the page opened: she has her commands.
                async with session.get(f"{url}/_emu/chats/1001/messages") as response:
                    texts = [m["text"] or "" for m in (await response.json())["messages"]]
                greeting = next(t for t in texts if t.startswith("Chào đồng chí Nguyễn Thị Lan"))
                assert "/meeting" in greeting

            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(START_WAIT):
                assert await process.wait() == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_a_taken_port_is_named_with_a_way_out(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "sandbox",
            "--port",
            str(port),
            cwd=tmp_path,
            env=_environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(START_WAIT):
            _, stderr = await process.communicate()
    assert process.returncode == 2
    message = stderr.decode()
    assert f"cannot serve the sandbox on 127.0.0.1:{port}" in message
    assert "--port" in message
