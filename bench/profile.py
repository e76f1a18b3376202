"""Where a process's time goes, from py-spy's folded stacks (`py-spy record --format raw --threads`).

Each line of the file is a stack, outermost frame first, frames separated by ';', then a count of
samples. With --threads the first frame names the thread. The summary gives each thread's share of
the samples, and for the busiest thread the share of stacks that pass through each layer (the HTTP
client, python-telegram-bot, the database, chibo's own code), then the functions it spends most of
its own time in.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.common import table

# A layer is recognised by a part of a frame's file name (py-spy writes "function (file:line)").
LAYERS = {
    "HTTP client (httpx, httpcore, h11, anyio)": ("httpx/", "httpcore/", "h11/", "anyio/"),
    "HTTP client (aiohttp)": ("aiohttp/",),
    "python-telegram-bot": ("telegram/",),
    "database (aiosqlite, sqlite3)": ("aiosqlite/", "sqlite3/"),
    "chibo (bot, handlers, storage)": ("(bot/", "(handlers/", "(storage/"),
    "asyncio's loop": ("asyncio/base_events", "asyncio/selector_events", "selectors.py"),
    "JSON": ("json/",),
    "logging": ("logging/",),
}


def _stacks(path: Path) -> list[tuple[list[str], int]]:
    found = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdecimal():
            found.append((stack.split(";"), int(count)))
    return found


def summarize(path: Path, top: int = 15) -> str:
    """Return the summary of a folded-stacks file as Markdown tables."""
    stacks = _stacks(path)
    total = sum(n for _, n in stacks) or 1
    threads: Counter[str] = Counter()
    for frames, n in stacks:
        threads[frames[0]] += n
    lines = [
        table(["thread", "share of samples"], [[t, f"{n / total:.0%}"] for t, n in threads.most_common(6)])
    ]
    busiest = threads.most_common(1)[0][0] if threads else ""
    mine = [(frames[1:], n) for frames, n in stacks if frames[0] == busiest]
    within = sum(n for _, n in mine) or 1
    layers = []
    for layer, marks in LAYERS.items():
        n = sum(c for frames, c in mine if any(m in f for f in frames for m in marks))
        layers.append([layer, f"{n / within:.0%}"])
    lines += [
        "",
        f"{busiest}: share of its samples passing through each layer",
        table(["layer", "share"], layers),
    ]
    own: Counter[str] = Counter()
    for frames, n in mine:
        own[frames[-1] if frames else "?"] += n
    heavy = [[f.replace("|", "/")[:110], f"{n / within:.1%}"] for f, n in own.most_common(top)]
    lines += ["", table(["function (its own time)", "share"], heavy)]
    return "\n".join(lines)
