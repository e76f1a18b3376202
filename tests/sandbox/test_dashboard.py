"""The dashboard in Debian's Chromium: opened from the sandbox as Telegram opens a Mini App, sorted,
a cell opened; another committee's member sees only their subtree; forged initData and altered or
expired Zalo links get 403. Screenshots at 390x844 go to test-output/sandbox/<test>/."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit

from playwright.async_api import BrowserContext, FrameLocator, Page, expect

from bot.channels.web.signed import DashboardLinks
from bot.devtools.sandbox import demo
from bot.devtools.sandbox.server import SANDBOX_COMMITTEE, Sandbox
from bot.text import short_unit_name
from storage import records, units, users
from storage.database import Database
from storage.models import Role

WAIT = 15_000  # ms: pages come in well under a second; this only bounds a broken run
OTHER_COMMITTEE = "Đảng ủy Cụm công nghiệp Thử Nghiệm"
OTHER_CELL = "Chi bộ Công ty Riêng Của Cụm"
OTHER_MEMBER = 1003


def dashboard(page: Page) -> FrameLocator:
    return page.frame_locator("#webapp-frame")


async def names_in_column(frame: FrameLocator) -> list[str]:
    return [n.strip() for n in await frame.locator("table.cells tbody th").all_inner_texts()]


async def test_a_committee_member_opens_the_dashboard_sorts_it_and_opens_a_cell(
    page: Page, sandbox: Sandbox, shots: Path
) -> None:
    await page.click(f'.persona[data-id="{SANDBOX_COMMITTEE}"]')
    # Telegram's menu button of a committee member's chat opens the dashboard; "/" still lists commands.
    await expect(page.locator("#menu-button")).to_have_text("Bảng theo dõi")
    await page.click("#menu-button")
    await expect(page.locator("#webapp")).to_be_visible()
    frame = dashboard(page)
    await expect(frame.locator("h1")).to_have_text(demo.COMMITTEE_NAME, timeout=WAIT)
    rows = frame.locator("table.cells tbody tr")
    await expect(rows).to_have_count(len(demo.CELLS))
    await expect(frame.locator("section.charts svg").first).to_be_visible(timeout=WAIT)
    await page.screenshot(path=shots / "01-dashboard.png")

    # Sort by members, largest first: the column's figures come in order.
    await frame.locator("thead th", has_text="Đảng viên").locator("a").click()
    await expect(frame.locator("thead th[aria-sort='descending']")).to_contain_text("Đảng viên", timeout=WAIT)
    members = [int(x) for x in await frame.locator("table.cells tbody td.num").all_inner_texts()]
    assert members == sorted(members, reverse=True)
    by_name = sorted(await names_in_column(frame), key=str.casefold)
    await frame.locator("thead th", has_text="Chi bộ").locator("a").click()
    await expect(frame.locator("thead th[aria-sort='ascending']")).to_contain_text("Chi bộ", timeout=WAIT)
    assert await names_in_column(frame) == by_name
    await page.screenshot(path=shots / "02-sorted.png")

    # The table shows short names (what every cell's name repeats left out), the whole name in a title.
    first = frame.locator("table.cells tbody th a").first
    whole = await first.get_attribute("title")
    assert (
        whole is not None and whole.startswith("Chi bộ") and not (await first.inner_text()).startswith("Chi")
    )
    # Open a cell: its page, with its pipeline and its meetings by month.
    await first.click()
    await expect(frame.locator("h1")).to_have_text(whole, timeout=WAIT)
    await expect(frame.locator("h2", has_text="Sinh hoạt theo tháng")).to_be_visible()
    await page.screenshot(path=shots / "03-cell.png")
    # The page never scrolls sideways at 390 px; only the tables do.
    inner = page.frames[1]
    assert await inner.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The deadlines of the next 30 days, then the period filter.
    await frame.locator(".back a").click()
    await frame.locator(".tabs a", has_text="Thời hạn").click()
    await expect(frame.locator("table.deadlines")).to_be_visible(timeout=WAIT)
    await page.screenshot(path=shots / "04-deadlines.png")
    await frame.locator(".tabs a", has_text="Chi bộ").click()
    await frame.locator("select[name=period]").select_option("year")
    await frame.locator("form.period button").click()
    await expect(frame.locator(".tile", has_text="Sinh hoạt đủ các tháng")).to_be_visible(timeout=WAIT)
    await page.screenshot(path=shots / "05-this-year.png")

    # The close button takes the Mini App away, as Telegram's does.
    await page.click("#webapp-close")
    await expect(page.locator("#webapp")).to_be_hidden()


async def _other_committee(sandbox: Sandbox) -> None:
    """Add a committee with one cell and a member of it, who must see that cell and nothing else."""
    now = sandbox.runtime.clock()
    async with Database(sandbox.settings.db_path) as db:
        committee = await units.add(db, "ccn-thu", OTHER_COMMITTEE, units.ROOT_ID, now)
        cell = await units.add(db, "cb-rieng", OTHER_CELL, committee.id, now)
        meeting = {
            "on_date": now.astimezone(sandbox.settings.timezone).date().isoformat(),
            "kind": "regular",
            "minutes": 90,
            "total": 4,
            "present": 4,
            "absent_with_reason": 0,
            "absent_without_reason": 0,
            "topic": None,
        }
        await records.insert(db, "meeting", cell.id, meeting, None, now)
        user = await users.upsert_contact(db, "telegram", str(OTHER_MEMBER), "Đỗ Văn Cụm", now)
        await users.set_role(db, user.id, Role.COMMITTEE, committee.id, now)
    sandbox.emulator.user(OTHER_MEMBER, "Đỗ Văn Cụm", language_code="vi")


async def test_a_member_of_another_committee_sees_only_their_subtree(
    browser: BrowserContext, sandbox: Sandbox, shots: Path
) -> None:
    await _other_committee(sandbox)
    page = await browser.new_page()
    await page.goto(sandbox.emulator.handle(OTHER_MEMBER).open_web_app(sandbox.dashboard_url))
    await expect(page.locator("h1")).to_have_text(OTHER_COMMITTEE, timeout=WAIT)
    await expect(page.locator("table.cells tbody tr")).to_have_count(1)
    assert await page.locator("table.cells tbody th a").get_attribute("title") == OTHER_CELL
    body = await page.content()  # the HTML: the whole names are in the links' titles
    for cell in demo.CELLS:
        assert cell.name not in body and short_unit_name(cell.name) not in body
    assert demo.COMMITTEE_NAME not in body
    await page.screenshot(path=shots / "01-other-committee.png")
    # Naming a unit of the demo committee in the address finds nothing.
    first_demo_cell = await _demo_cell_id(sandbox)
    await page.goto(
        sandbox.emulator.handle(OTHER_MEMBER).open_web_app(
            f"{sandbox.dashboard_url}?view=cell&unit={first_demo_cell}"
        )
    )
    await expect(page.locator(".error")).to_be_visible(timeout=WAIT)
    assert demo.CELLS[0].name not in await page.locator("body").inner_text()
    await page.close()


async def _demo_cell_id(sandbox: Sandbox) -> int:
    async with Database(sandbox.settings.db_path) as db:
        unit = await units.by_code(db, demo.CELLS[0].code)
    assert unit is not None
    return unit.id


async def test_forged_init_data_gets_403(browser: BrowserContext, sandbox: Sandbox, shots: Path) -> None:
    launch = sandbox.emulator.handle(SANDBOX_COMMITTEE).open_web_app(sandbox.dashboard_url)
    good = parse_qs(urlsplit(launch).fragment)["tgWebAppData"][0]
    fields = dict(parse_qsl(good))
    user = json.loads(fields["user"])
    other = urlencode(
        {**fields, "user": json.dumps({**user, "id": 1001}, separators=(",", ":"))}, quote_via=quote
    )
    wrong_hash = urlencode({**fields, "hash": "f" * 64}, quote_via=quote)
    old = parse_qs(
        urlsplit(
            sandbox.emulator.handle(SANDBOX_COMMITTEE).open_web_app(
                sandbox.dashboard_url, auth_date=int(sandbox.runtime.clock().timestamp()) - 25 * 3600
            )
        ).fragment
    )["tgWebAppData"][0]
    page = await browser.new_page()
    api = page.request
    ok = await api.get(f"{sandbox.dashboard_url}/tg", headers={"Authorization": f"tma {good}"})
    assert ok.status == 200
    for forged in (wrong_hash, old, other):
        response = await api.get(f"{sandbox.dashboard_url}/tg", headers={"Authorization": f"tma {forged}"})
        assert response.status == 403
        assert demo.COMMITTEE_NAME not in await response.text()
    # In the page itself: the Mini App opened with another user's id gets nothing, not even a name.
    await page.goto(f"{sandbox.dashboard_url}#tgWebAppData={quote(other)}")
    await expect(page.locator(".error")).to_contain_text("403", timeout=WAIT)
    assert demo.COMMITTEE_NAME not in await page.locator("body").inner_text()
    await page.screenshot(path=shots / "01-forged.png")
    await page.close()


async def test_zalo_links_altered_or_expired_get_403(
    browser: BrowserContext, sandbox: Sandbox, shots: Path
) -> None:
    links = sandbox.runtime.links
    assert links is not None
    now = sandbox.runtime.clock()
    async with Database(sandbox.settings.db_path) as db:
        zalo = await users.upsert_contact(db, "zalo", "zalo-member", "Vũ Thị Zalo", now)
        await users.set_role(db, zalo.id, Role.COMMITTEE, units.ROOT_ID, now)
    page = await browser.new_page()
    good = links.link(zalo.id)
    response = await page.goto(good)
    assert response is not None and response.status == 200
    await expect(page.locator("h1")).to_have_text(demo.COMMITTEE_NAME)
    await expect(page.locator(".note")).to_contain_text("không chuyển tiếp")
    await expect(page.locator("section.charts svg").first).to_be_visible(timeout=WAIT)
    await page.screenshot(path=shots / "01-zalo-link.png", full_page=True)
    # The link works without the script too: sorting is a plain link.
    await page.locator("thead th a").nth(1).click()
    await expect(page.locator("thead th[aria-sort='descending']")).to_be_visible()

    token = good.rsplit("/", 1)[1]
    user_id, expires, signature = token.split(".")
    past = DashboardLinks(links.public_url, clock=lambda: now - timedelta(hours=25))
    past._key = links._key
    for bad in (
        f"{links.public_url}/dashboard/link/{user_id}.{int(expires) + 60}.{signature}",
        f"{links.public_url}/dashboard/link/{int(user_id) + 1}.{expires}.{signature}",
        past.link(zalo.id),
    ):
        response = await page.goto(bad)
        assert response is not None and response.status == 403, bad
        assert demo.COMMITTEE_NAME not in await page.locator("body").inner_text()
    await page.screenshot(path=shots / "02-zalo-link-expired.png")
    await page.close()


async def test_a_committee_member_sends_a_record_back_from_the_dashboard(
    page: Page, sandbox: Sandbox, shots: Path
) -> None:
    """The dashboard is read-only: a record's "Open in the chat" is a deep link to the bot, which shows
    the record there with its button that sends it back; the dashboard then shows it sent back."""
    cell = demo.demo_cell(demo.SECRETARY_CELL)  # Lan's: a cell whose secretary can get the comment
    await page.click(f'.persona[data-id="{SANDBOX_COMMITTEE}"]')
    await page.click("#menu-button")
    frame = dashboard(page)
    await frame.locator("select[name=period]").select_option("quarter")
    await frame.locator("form.period button").click()
    await page.frames[1].wait_for_url("**period=quarter**", timeout=WAIT)
    row = frame.locator("table.cells tbody tr", has=page.locator(f'a[title="{cell.name}"]'))
    await expect(row.locator("td").nth(5)).to_have_text("0", timeout=WAIT)  # nothing sent back yet
    await row.locator("th a").click()
    await expect(frame.locator("h1")).to_have_text(cell.name, timeout=WAIT)
    await expect(frame.locator("#returns + p")).to_contain_text("Không có bản ghi nào bị trả lại")
    first = frame.locator("ul.records:not(.returns) li").first
    headline = (await first.inner_text()).split("Mở trong cuộc trò chuyện")[0].strip()
    await first.scroll_into_view_if_needed()
    await page.screenshot(path=shots / "01-cell-records.png")

    # One touch: the Mini App gives way to the chat, where the bot shows the record and its button.
    await first.locator("a.to-chat").click()
    await expect(page.locator("#webapp")).to_be_hidden(timeout=WAIT)
    log = page.locator(".log:not([hidden])")
    await expect(log.locator(".msg.me .text").last).to_have_text(re.compile(r"^/start record-[a-z]\d+$"))
    shown = log.locator(".msg.bot").filter(has_text="Người nhập").last
    await expect(shown).to_be_visible(timeout=WAIT)
    await page.screenshot(path=shots / "02-record-in-the-chat.png")
    await shown.locator("button.inline", has_text="Trả lại để sửa").click()
    await expect(log.locator(".msg.bot").filter(has_text="Chi bộ cần sửa gì?").last).to_be_visible(
        timeout=WAIT
    )
    comment = "Ghi rõ số đảng viên vắng mặt và lý do."
    await page.fill("#input", comment)
    await page.press("#input", "Enter")
    review = log.locator(".msg.bot").filter(has_text="kiểm tra lại").last
    await expect(review).to_be_visible(timeout=WAIT)
    await review.locator("button.inline", has_text="Lưu").click()
    await expect(log.locator(".msg.bot").filter(has_text="Đã trả lại").last).to_be_visible(timeout=WAIT)

    # The dashboard counts it for the cell and shows the comment, waiting for the cell's correction.
    await page.click("#menu-button")
    await expect(frame.locator("h1")).to_have_text(demo.COMMITTEE_NAME, timeout=WAIT)
    await expect(frame.locator(".tile", has_text="Đã trả lại, chưa sửa").locator("b")).to_have_text("1")
    await expect(row.locator("td").nth(5)).to_have_text("1")
    await frame.locator("select[name=period]").select_option("quarter")  # the record's period
    await frame.locator("form.period button").click()
    await page.frames[1].wait_for_url("**period=quarter**", timeout=WAIT)
    await row.locator("th a").click()
    returned = frame.locator("ul.returns li.open")
    await expect(returned).to_have_count(1, timeout=WAIT)
    await expect(returned).to_contain_text(comment)
    await expect(returned).to_contain_text("Đã trả lại, chi bộ chưa sửa")
    assert headline.split(" ", 1)[1][:20] in await returned.inner_text()
    await expect(frame.locator("ul.records:not(.returns) li").first).to_contain_text("↩️ đã trả lại")
    await returned.scroll_into_view_if_needed()
    await page.screenshot(path=shots / "03-sent-back.png")
