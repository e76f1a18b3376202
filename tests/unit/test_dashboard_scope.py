"""The dashboard shows each person only their part of the tree, and nothing without valid credentials.

Through the real web server (aiohttp's test client): every route of the dashboard, with every unit
of the database as its `unit`, read as a committee member of a sibling subtree and as a secretary of
another cell, over Telegram's initData and over a Zalo link. What they may not see must never appear:
no name of a unit, a person or a topic outside their scope, and a 404 for a unit outside it. Then the
ways in that must fail: no initData, a wrong hash, an old auth_date, another user's id with the
original hash, a link altered, expired, or of a user whose access was revoked.

Each cell has records sent back for revision (issue 17), with comments and the names of who sent them
back and who corrected them: a cell's page shows them to its own side only, and the way from a record
to the chat (a Telegram deep link, or the code to type behind a Zalo link) names records of the
viewer's scope only, and is offered to committee members, not to secretaries.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.web.dashboard import Dashboard
from bot.channels.web.server import WebServer
from bot.channels.web.signed import DashboardLinks
from bot.config import Settings
from bot.devtools.telegram_emulator.models import User as TelegramUser
from bot.devtools.telegram_emulator.webapps import init_data, sign
from bot.rules.pipeline import Step
from storage import enterprises, records, reviews, units, users
from storage.database import Database
from storage.models import Role

TOKEN = "123456:dashboard-test-token-abcdefghijklmnop"
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
PUBLIC = "https://chibo.example.org"

# Names that belong to one side only; each viewer must never see the other side's.
A_NAMES = (
    "Đảng bộ KCN Anh Đào",
    "Chi bộ Alpha Riêng",
    "Nguyễn Văn Ẩn Danh",
    "Chủ đề kín của Alpha",
    "Ý kiến trả lại kín của Alpha",  # a comment on a record of Alpha sent back
    "Cấp ủy Anh Đào Kín",  # the committee member of A who sent it back
)
A2_NAMES = ("Chi bộ Beta Riêng", "Lê Thị Beta Người", "Chủ đề kín của Beta", "Ý kiến trả lại kín của Beta")
B_NAMES = (
    "Đảng bộ KCN Bạch Đằng",
    "Chi bộ Samsung Bí Mật",
    "Trần Thị Bí Mật",
    "Chủ đề kín của Samsung",
    "Khu công nghiệp Riêng Của B",  # a zone of B's enterprise register
    "Ý kiến trả lại kín của Samsung",
    "Bí thư Samsung Đã Sửa",  # the secretary of B's cell who corrected a record sent back
)
BOT = "chibo_test_bot"
DEEP_LINK = re.compile(r"https://t\.me/" + BOT + r"\?start=record-([a-z])(\d+)")
CODE = re.compile(r"(?:code|mã) ([a-z])(\d+)")
ROOT_NAME = "Tỉnh ủy Gốc Chung"


@dataclass
class World:
    db: Database
    ids: dict[str, int]
    links: DashboardLinks
    client: TestClient[Any, Any]
    zalo_b: int  # the user id of the Zalo committee member of B
    revoked: int


def clock() -> datetime:
    return NOW


async def _send_back(db: Database, unit: int, comment: str, by: int, corrected_by: int | None = None) -> None:
    """Send the cell's meeting back with a comment (and have it corrected), as review.py does."""
    meeting = await db.fetchval("SELECT id FROM meetings WHERE unit_id = ?", (unit,))
    returned = await reviews.add(db, "meeting", meeting, unit, comment, by, NOW - timedelta(days=2))
    assert returned is not None
    if corrected_by is not None:
        closed = await reviews.get(db, returned)
        assert closed is not None
        await reviews.close(db, closed, reviews.CORRECTED, corrected_by, NOW - timedelta(days=1))
        # Sent back again, and still open: both comments are kept.
        await reviews.add(db, "meeting", meeting, unit, comment + " (lần 2)", by, NOW - timedelta(hours=5))


async def _cell_records(db: Database, unit: int, person: str, topic: str) -> None:
    at = NOW - timedelta(days=3)
    values = {
        "full_name": person,
        "birth_year": 1995,
        "gender": "female",
        "position": "worker",
        "youth_union": 1,
        "helper1": "Một",
        "helper2": "Hai",
    }
    person_id = await records.insert(db, "person", unit, values, None, at)
    for step, day in ((Step.SOURCE, "2026-06-01"), (Step.ADMISSION_DECISION, "2026-11-20")):
        await records.insert(
            db, "step", unit, {"person_id": person_id, "step": step, "on_date": day}, None, at
        )
    meeting = {
        "on_date": "2026-12-03",
        "kind": "both",
        "minutes": 120,
        "total": 9,
        "present": 8,
        "absent_with_reason": 1,
        "absent_without_reason": 0,
        "topic": topic,
    }
    await records.insert(db, "meeting", unit, meeting, None, at)


async def _user(db: Database, channel: str, external: str, role: Role, unit: int, name: str = "") -> int:
    user = await users.upsert_contact(db, channel, external, name or f"Người {external}", NOW)
    await users.set_role(db, user.id, role, unit, NOW)
    return user.id


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    path = tmp_path / "dash.db"
    async with Database(path) as db:
        await db.migrate()
        await units.rename(db, units.ROOT_ID, ROOT_NAME)
        setup = NOW - timedelta(days=400)
        ids = {"root": units.ROOT_ID}
        ids["a"] = (await units.add(db, "kcn-a", A_NAMES[0], units.ROOT_ID, setup)).id
        ids["b"] = (await units.add(db, "kcn-b", B_NAMES[0], units.ROOT_ID, setup)).id
        ids["a1"] = (await units.add(db, "cb-a1", A_NAMES[1], ids["a"], setup)).id
        ids["a2"] = (await units.add(db, "cb-a2", A2_NAMES[0], ids["a"], setup)).id
        ids["b1"] = (await units.add(db, "cb-b1", B_NAMES[1], ids["b"], setup)).id
        await _cell_records(db, ids["a1"], A_NAMES[2], A_NAMES[3])
        await _cell_records(db, ids["a2"], A2_NAMES[1], A2_NAMES[2])
        await _cell_records(db, ids["b1"], B_NAMES[2], B_NAMES[3])
        register = {
            "unit_id": ids["b"],
            "name": "Công ty Riêng",
            "zone": B_NAMES[4],
            "ownership": "foreign",
            "workers": 300,
            "young_workers": 120,
            "youth_union_members": 10,
            "party_members": 2,
            "members_elsewhere": 1,
        }
        await enterprises.insert(db, register, None, None, NOW)
        member_b = await _user(db, "telegram", "2001", Role.COMMITTEE, ids["b"])
        await _user(db, "telegram", "2002", Role.SECRETARY, ids["a1"])
        member_a = await _user(db, "telegram", "2003", Role.COMMITTEE, ids["a"], A_NAMES[5])
        secretary_b = await _user(db, "telegram", "2004", Role.SECRETARY, ids["b1"], B_NAMES[6])
        await _send_back(db, ids["a1"], A_NAMES[4], member_a)
        await _send_back(db, ids["a2"], A2_NAMES[3], member_a)
        await _send_back(db, ids["b1"], B_NAMES[5], member_b, corrected_by=secretary_b)
        zalo_b = await _user(db, "zalo", "zb", Role.COMMITTEE, ids["b"])
        revoked = await _user(db, "zalo", "zr", Role.COMMITTEE, ids["a"])
        links = DashboardLinks(PUBLIC, clock=clock)
        await links.load_key(db)
        settings = Settings(token=TOKEN, public_url=PUBLIC)
        dashboard = Dashboard(Database(path), settings, links, clock=clock, bot_username=lambda: BOT)
        server = WebServer(secret="s", dashboard=dashboard)
        await server.dashboard.db.open()  # type: ignore[union-attr]
        client = TestClient(TestServer(server.application()))
        await client.start_server()
        try:
            yield World(db, ids, links, client, zalo_b, revoked)
        finally:
            await client.close()
            await server.dashboard.db.close()  # type: ignore[union-attr]


def _init(user_id: int, auth: datetime = NOW) -> str:
    return init_data(TelegramUser(user_id, f"U{user_id}", language_code="en"), TOKEN, int(auth.timestamp()))


def _auth(user_id: int) -> dict[str, str]:
    return {"Authorization": f"tma {_init(user_id)}"}


def _routes(ids: dict[str, int]) -> list[str]:
    """Every page of the dashboard, with each unit of the database (and none)."""
    views = ["", "view=cells", "view=deadlines", "view=charts", "view=cell"]
    found = []
    for view in views:
        found.append(f"?{view}")
        found += [f"?{view}&unit={unit}" for unit in ids.values()]
        found += [f"?{view}&unit={unit}&period=year&sort=deadlines&dir=desc" for unit in ids.values()]
    return found


async def _read_all(world: World, fetch: Any) -> dict[str, tuple[int, str]]:
    pages = {}
    for route in _routes(world.ids):
        response = await fetch(route)
        pages[route] = (response.status, await response.text())
    return pages


def _assert_hidden(pages: dict[str, tuple[int, str]], hidden: tuple[str, ...], seen: tuple[str, ...]) -> None:
    shown = 0
    for route, (status, text) in pages.items():
        assert status in (200, 404), (route, status)
        for name in hidden:
            assert name not in text, (route, name)
        shown += status == 200
    assert shown, "no page was shown at all"
    everything = "".join(text for _, text in pages.values())
    for name in seen:
        assert name in everything, name


# The table of each kind of record, by the letter of its code (bot/features/review.CODE_LETTERS).
TABLES = {
    "m": "meetings",
    "a": "activities",
    "s": "pipeline_steps",
    "t": "transfers",
    "e": "enterprise_snapshots",
    "p": "people",
    "n": "mentor_notes",
}


async def _cells_named(world: World, pages: dict[str, tuple[int, str]], pattern: re.Pattern[str]) -> set[int]:
    """Return the cells of the records that the pages' deep links (or codes) name."""
    found = set()
    for _, text in pages.values():
        for letter, number in pattern.findall(text):
            table = TABLES[letter]  # a letter of the code, never user input
            found.add(await world.db.fetchval(f"SELECT unit_id FROM {table} WHERE id = ?", (int(number),)))
    return found


async def test_a_committee_member_of_a_sibling_subtree_sees_only_their_own(world: World) -> None:
    async def fetch(route: str) -> Any:
        return await world.client.get(
            "/dashboard/tg" + route, headers={"Authorization": f"tma {_init(2001)}"}
        )

    pages = await _read_all(world, fetch)
    _assert_hidden(pages, (*A_NAMES, *A2_NAMES, ROOT_NAME), B_NAMES)
    # A unit of the other subtree is "not found", exactly as a unit that does not exist.
    assert pages[f"?view=cell&unit={world.ids['a1']}"][0] == 404
    assert pages[f"?&unit={world.ids['a']}"][0] == 404
    assert pages[f"?view=deadlines&unit={world.ids['root']}"][0] == 404
    # Their cell's page: both comments, who sent it back, who corrected it, and each state.
    status, cell = pages[f"?view=cell&unit={world.ids['b1']}"]
    assert status == 200 and B_NAMES[5] in cell and f"{B_NAMES[5]} (lần 2)" in cell
    assert "Sent back, not corrected yet" in cell and f"Corrected on 06/12/2026 by {B_NAMES[6]}" in cell
    # Each record leads to the chat through a deep link, and only records of their subtree.
    assert await _cells_named(world, pages, DEEP_LINK) == {world.ids["b1"]}


async def test_a_secretary_sees_only_her_cell(world: World) -> None:
    async def fetch(route: str) -> Any:
        return await world.client.get(
            "/dashboard/tg" + route, headers={"Authorization": f"tma {_init(2002)}"}
        )

    pages = await _read_all(world, fetch)
    _assert_hidden(pages, (A_NAMES[0], *A2_NAMES, *B_NAMES, ROOT_NAME), A_NAMES[1:])
    assert pages[f"?view=cell&unit={world.ids['a2']}"][0] == 404
    # She sees what was sent back to her cell, but no way to send anything back: that is the committee's.
    assert await _cells_named(world, pages, DEEP_LINK) == set()
    assert await _cells_named(world, pages, CODE) == set()


async def test_a_zalo_link_shows_its_recipients_subtree_only(world: World) -> None:
    token = world.links.token(world.zalo_b)

    async def fetch(route: str) -> Any:
        return await world.client.get(f"/dashboard/link/{token}{route}")

    pages = await _read_all(world, fetch)
    _assert_hidden(pages, (*A_NAMES, *A2_NAMES, ROOT_NAME), B_NAMES)
    _, text = pages["?"]
    assert "do not forward it" in text or "không chuyển tiếp" in text
    # Zalo has no deep link to a bot's chat: each record shows its code, to send as /record <code>.
    assert await _cells_named(world, pages, DEEP_LINK) == set()
    assert await _cells_named(world, pages, CODE) == {world.ids["b1"]}
    assert "/record" in pages[f"?view=cell&unit={world.ids['b1']}"][1]


async def test_the_committee_member_of_a_sees_both_cells_and_the_deadlines(world: World) -> None:
    response = await world.client.get("/dashboard/tg", headers={"Authorization": f"tma {_init(2003)}"})
    text = await response.text()
    assert response.status == 200
    assert A_NAMES[1] in text and A2_NAMES[0] in text and B_NAMES[1] not in text
    # Each of A's cells has one record sent back and not corrected: the table counts it in its column.
    returned = re.findall(r'<td class="count"><span class="bad">(\d+)</span></td>', text)
    assert returned == ["1", "1"]
    response = await world.client.get(
        "/dashboard/tg?view=deadlines", headers={"Authorization": f"tma {_init(2003)}"}
    )
    text = await response.text()
    # Decisions of 20/11 are due for their ceremony within 30 working days: both people are listed.
    assert A_NAMES[2] in text and A2_NAMES[1] in text


def _forged_other_user(original: str, other: int) -> str:
    fields = dict(parse_qsl(original))
    user = json.loads(fields["user"])
    user["id"] = other
    fields["user"] = json.dumps(user, separators=(",", ":"))
    return urlencode(fields, quote_via=quote)


async def test_forged_or_old_init_data_gets_403_and_no_name(world: World) -> None:
    good = _init(2001)
    fields = dict(parse_qsl(good))
    wrong_hash = urlencode({**fields, "hash": "0" * 64}, quote_via=quote)
    old = _init(2001, NOW - timedelta(hours=25))
    other = _forged_other_user(good, 2003)  # another user's id, the original hash
    signed_by_another_bot = sign({k: v for k, v in fields.items() if k != "hash"}, "999:another-bot-token-xx")
    for header in (
        None,
        "tma ",
        f"tma {wrong_hash}",
        f"tma {old}",
        f"tma {other}",
        f"tma {signed_by_another_bot}",
    ):
        response = await world.client.get(
            f"/dashboard/tg?unit={world.ids['b']}", headers={"Authorization": header} if header else {}
        )
        text = await response.text()
        assert response.status == 403, header
        for name in (*A_NAMES, *B_NAMES, ROOT_NAME):
            assert name not in text
    # The shell itself holds no data at all.
    shell = await world.client.get("/dashboard")
    text = await shell.text()
    assert shell.status == 200 and all(n not in text for n in (*A_NAMES, *B_NAMES, ROOT_NAME))
    # 23 hours old is still fine (the limit is 24 hours).
    fine = await world.client.get(
        "/dashboard/tg", headers={"Authorization": f"tma {_init(2001, NOW - timedelta(hours=23))}"}
    )
    assert fine.status == 200


async def test_altered_expired_or_revoked_links_get_403(world: World) -> None:
    token = world.links.token(world.zalo_b)
    user, expires, signature = token.split(".")
    altered = [
        f"{world.revoked}.{expires}.{signature}",  # another recipient
        f"{user}.{int(expires) + 3600}.{signature}",  # a longer life
        f"{user}.{expires}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        "nonsense",
    ]
    for bad in altered:
        response = await world.client.get(f"/dashboard/link/{bad}")
        assert response.status == 403, bad
    later = DashboardLinks(PUBLIC, clock=lambda: NOW + timedelta(hours=24, seconds=1))
    later._key = world.links._key
    assert later.user_of(token) is None
    # A link of someone whose access was revoked stops at once.
    revoked_token = world.links.token(world.revoked)
    assert (await world.client.get(f"/dashboard/link/{revoked_token}")).status == 200
    await users.set_active(world.db, world.revoked, False, NOW)
    assert (await world.client.get(f"/dashboard/link/{revoked_token}")).status == 403


async def test_every_answer_has_a_strict_content_security_policy(world: World) -> None:
    for path in (
        "/dashboard",
        "/dashboard/static/dashboard.js",
        f"/dashboard/link/{world.links.token(world.zalo_b)}",
    ):
        response = await world.client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy.split("frame-ancestors")[0]
        assert response.headers["Referrer-Policy"] == "no-referrer"
    page = await (await world.client.get(f"/dashboard/link/{world.links.token(world.zalo_b)}")).text()
    assert "<script>" not in page and "style=" not in page and " on" not in page.split("<body")[1][:200]


async def test_malformed_ids_get_a_404_never_a_server_error(world: World) -> None:
    headers = {"Authorization": f"tma {_init(2003)}"}
    for route in (
        "?unit=" + "9" * 5000,  # more digits than int() reads
        "?unit=" + "9" * 25,  # more than SQLite's INTEGER holds
        "?unit=%D9%A3",  # an Arabic-Indic digit
        "?page=" + "9" * 5000,
        "?view=deadlines&page=" + "9" * 25,
    ):
        response = await world.client.get("/dashboard/tg" + route, headers=headers)
        assert response.status == 404, route
    for token in ("9" * 5000 + ".1.ab", "1." + "9" * 5000 + ".ab", "9" * 25 + ".1.ab"):
        assert (await world.client.get(f"/dashboard/link/{token}")).status == 403


async def test_a_range_from_the_first_day_of_time_is_refused_with_a_word(world: World) -> None:
    headers = {"Authorization": f"tma {_init(2003)}"}
    route = f"?view=cell&unit={world.ids['a1']}&period=range&from=0001-01-01&to=0005-12-31"
    response = await world.client.get("/dashboard/tg" + route, headers=headers)
    text = await response.text()
    # The cell's page for this month, with the reason the range was not taken.
    assert response.status == 200 and A_NAMES[1] in text
    assert "This date is too far in the past. Check the year." in text
