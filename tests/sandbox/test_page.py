"""The sandbox page in a real browser: a secretary reports a meeting with buttons and typed answers,
each persona keeps their own chat, and the admin's scheduler buttons reach the bot."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import openpyxl
from playwright.async_api import Locator, Page, Route, expect

from bot.devtools.sandbox import demo
from bot.devtools.sandbox.server import Sandbox
from tests.sandbox.conftest import PHONE

REPLY_WAIT = 15_000  # ms: the bot answers in well under a second; this only bounds a broken run


def chat(page: Page) -> Locator:
    """Return the chat shown now."""
    return page.locator(".log:not([hidden])")


def answers(page: Page) -> Locator:
    """Return the bot's messages since the user's last message in the chat shown now.

    Not simply the newest message: the scheduler may slip a reminder in at any moment.
    """
    return (
        chat(page)
        .locator(".msg.me")
        .last.locator("xpath=following-sibling::div[contains(concat(' ', @class, ' '), ' bot ')]")
    )


def answer(page: Page, text: str) -> Locator:
    """Return the bot's message since the user's last one that contains a text."""
    return answers(page).filter(has_text=text).last


async def say(page: Page, text: str, expected: str) -> Locator:
    """Type a message, send it with Enter, and return the bot's answer, which contains a text."""
    await page.fill("#input", text)
    await page.press("#input", "Enter")
    await expect(chat(page).locator(".msg.me .text").last).to_have_text(text)
    await expect(answer(page, expected)).to_be_visible(timeout=REPLY_WAIT)
    return answer(page, expected)


async def press(page: Page, label: str, expected: str) -> None:
    """Press an inline button of the bot's last question and wait for an answer containing a text."""
    await answers(page).locator("button.inline", has_text=label).last.click()
    await expect(answer(page, expected)).to_be_visible(timeout=REPLY_WAIT)


async def test_a_secretary_reports_a_meeting_and_each_persona_keeps_their_chat(
    page: Page, sandbox: Sandbox, shots: Path
) -> None:
    # The page opens on the secretary's chat, where the scheduler has put the demo's reminders.
    await expect(page.locator(".persona")).to_have_count(3)
    await expect(page.locator(".persona.active")).to_contain_text("Lan")
    await expect(chat(page)).to_contain_text("Chào đồng chí Nguyễn Thị Lan")
    reminder = chat(page).locator(".msg.bot", has_text="Lê Thị Hồng")
    await expect(reminder).to_contain_text("lễ kết nạp", timeout=REPLY_WAIT)
    await expect(reminder.locator("button.inline")).to_have_count(1)
    await say(page, "/whoami", demo.demo_cell(demo.SECRETARY_CELL).name)
    await page.screenshot(path=shots / "01-open.png")

    await say(page, "/meeting", "Buổi sinh hoạt diễn ra ngày nào?")
    await page.screenshot(path=shots / "02-meeting-date-buttons.png")
    await press(page, "Hôm qua", "Hình thức sinh hoạt?")
    # The pressed question shows the answer chosen, in place of its buttons.
    date_question = chat(page).locator(".msg.bot", has_text="Buổi sinh hoạt diễn ra ngày nào?").last
    await expect(date_question).to_contain_text("➜ Hôm qua")
    await expect(date_question.locator("button.inline")).to_have_count(0)
    # Nothing changed since last month: kind, length and members in one press.
    await expect(answer(page, "Như tháng trước:")).to_contain_text("12 đảng viên")
    await page.screenshot(path=shots / "03-meeting-as-last-month.png")
    await press(page, "Như tháng trước", "có mặt")
    await say(page, "11", "vắng có lý do")
    review = await say(page, "1", "kiểm tra lại")
    await expect(review).to_contain_text("Vắng không lý do: 0 (tự tính)")
    await press(page, "Thêm chủ đề", "Chủ đề buổi sinh hoạt")
    review = await say(page, "Kết nạp <b>đảng viên</b> & Đoàn", "kiểm tra lại")
    # What the secretary typed is shown as typed: the page renders only the bot's own tags.
    await expect(review).to_contain_text("Chủ đề: Kết nạp <b>đảng viên</b> & Đoàn")
    await expect(review.locator("b", has_text="Kết nạp")).to_have_count(1)
    await expect(review.locator("b b")).to_have_count(0)
    await page.screenshot(path=shots / "04-meeting-review.png")
    await press(page, "Lưu", "Đã lưu: Sinh hoạt chi bộ")
    await page.screenshot(path=shots / "05-meeting-saved.png")

    db = sandbox.app.bot_data.db
    assert db is not None
    minutes = await db.fetchval(
        "SELECT m.minutes FROM meetings m JOIN units u ON u.id = m.unit_id"
        " WHERE u.code = ? AND m.topic NOT LIKE 'Kết nạp%' ORDER BY m.on_date DESC LIMIT 1",
        (demo.SECRETARY_CELL,),
    )
    stored = await db.fetchall(
        "SELECT m.* FROM meetings m JOIN units u ON u.id = m.unit_id"
        " WHERE u.code = ? AND m.topic LIKE 'Kết nạp%'",
        (demo.SECRETARY_CELL,),
    )
    assert [(m["kind"], m["minutes"], m["total"], m["present"], m["topic"]) for m in stored] == [
        ("regular", minutes, 12, 11, "Kết nạp <b>đảng viên</b> & Đoàn")
    ]

    # The committee member has a chat of his own, without the secretary's form.
    await page.click(".persona[data-role=committee]")
    await expect(page.locator(".persona.active")).to_contain_text("Hùng")
    await expect(chat(page)).to_contain_text("Chào đồng chí Trần Văn Hùng")
    await expect(chat(page)).not_to_contain_text("Sinh hoạt chi bộ")
    whoami = await say(page, "/whoami", "Trần Văn Hùng")
    await expect(whoami).to_contain_text(demo.COMMITTEE_NAME)
    await page.screenshot(path=shots / "06-committee-member.png")

    # Back to the secretary: her chat is as she left it.
    await page.click(".persona[data-role=secretary]")
    await expect(answer(page, "Đã lưu: Sinh hoạt chi bộ")).to_be_visible()
    await expect(chat(page)).not_to_contain_text("Trần Văn Hùng")

    # The admin runs the weekly digest now; it reaches the committee member, chart and all.
    await page.click(".persona[data-role=admin]")
    await expect(chat(page)).to_contain_text("Chào đồng chí Phạm Minh Đức")
    await page.click("#run-digest")
    await expect(chat(page).locator(".msg.me .text").last).to_have_text("/digest all")
    await expect(answers(page).first).to_be_visible(timeout=REPLY_WAIT)
    await expect(answers(page).first).not_to_contain_text("Không có lệnh này")
    badge = page.locator(".persona[data-role=committee] .badge")
    await expect(badge).to_be_visible(timeout=REPLY_WAIT)
    await page.screenshot(path=shots / "07-admin-runs-the-digest.png")

    await page.click(".persona[data-role=committee]")
    await expect(badge).to_be_hidden()
    chart = chat(page).locator(".msg.bot img.photo")
    await expect(chart).to_have_count(1, timeout=REPLY_WAIT)
    await expect(chart).to_be_visible()
    assert await chart.evaluate("img => img.complete && img.naturalWidth") > 0
    digest = chat(page).locator(".msg.bot", has=page.locator("img.photo"))
    await expect(digest).to_contain_text(demo.COMMITTEE_NAME)
    # The digest opens with what needs action, its buttons on the same screen; the chart comes last.
    actions = chat(page).locator(".msg.bot", has_text="Cần xử lý").last
    await expect(actions).to_be_in_viewport()
    await expect(chat(page).locator("button.inline", has_text="Nhắc").last).to_be_in_viewport()
    await page.screenshot(path=shots / "08-committee-member-gets-the-digest.png")
    await chart.scroll_into_view_if_needed()
    await expect(chart).to_be_in_viewport()
    await page.screenshot(path=shots / "08b-the-chart.png")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.screenshot(path=shots / "09-desktop.png")
    await page.set_viewport_size(PHONE)

    # And the reminders: they went out when the sandbox started, so the run finds none new.
    await page.click("#run-reminders")
    await expect(page.locator(".persona.active")).to_contain_text("Đức")
    await expect(chat(page).locator(".msg.me .text").last).to_have_text("/remind")
    await expect(answers(page).first).to_be_visible(timeout=REPLY_WAIT)
    await expect(answers(page).first).not_to_contain_text("Không có lệnh này")
    await page.screenshot(path=shots / "10-admin-runs-the-reminders.png")


async def test_the_page_renders_only_telegrams_tags(page: Page) -> None:
    html = (
        '<b>đậm</b> <i>nghiêng</i> <a href="https://example.org/x">liên kết</a> '
        '<a href="javascript:alert(1)">xấu</a> <img src=x onerror="window.pwned=1"> '
        "<script>window.pwned=2</script> &lt;b&gt;chữ&lt;/b&gt; &amp; <code>/meeting</code> /help "
        "<b>5</b>/12"
    )
    shown = await page.evaluate(
        """html => {
            const box = document.createElement("div");
            renderHtml(html, box);
            return {
                text: box.textContent,
                tags: [...box.querySelectorAll("*")].map(e => e.tagName.toLowerCase()),
                hrefs: [...box.querySelectorAll("a")].map(a => a.getAttribute("href")),
                commands: [...box.querySelectorAll("button.command")].map(b => b.textContent),
                pwned: window.pwned ?? null,
            };
        }""",
        html,
    )
    assert shown["tags"] == ["b", "i", "a", "a", "code", "button", "b"]
    assert shown["hrefs"] == ["https://example.org/x", None]
    # A command in <code> is text, as in Telegram, and so is a fraction after a bold number.
    assert shown["commands"] == ["/help"]
    assert '<img src=x onerror="window.pwned=1">' in shown["text"]
    assert "<script>window.pwned=2</script>" in shown["text"]
    assert "<b>chữ</b> &" in shown["text"] and shown["text"].endswith("/help 5/12")
    assert shown["pwned"] is None


async def test_each_persona_has_their_menu_and_the_admin_downloads_an_export(
    page: Page, sandbox: Sandbox, shots: Path
) -> None:
    # The secretary's menu holds the forms and no admin command.
    await page.click("#menu-button")
    items = page.locator(".menu-item .menu-command")

    def item(command: str) -> Locator:
        return items.filter(has_text=re.compile(f"^{command}$"))

    await expect(item("/meeting")).to_have_count(1)
    await expect(item("/export")).to_have_count(0)
    await page.screenshot(path=shots / "01-secretary-menu.png")
    await page.keyboard.press("Escape")

    # The admin's menu has /export; picking it sends it, and the bot answers with an Excel file.
    await page.click(".persona[data-role=admin]")
    await page.click("#menu-button")
    await item("/export").click()
    await expect(chat(page).locator(".msg.me .text").last).to_have_text("/export")
    document = chat(page).locator(".msg.bot a.document")
    await expect(document).to_have_count(1, timeout=REPLY_WAIT)
    await expect(document).to_contain_text(".xlsx")
    await page.screenshot(path=shots / "02-admin-export.png")
    async with page.expect_download() as download_info:
        await document.click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = shots / download.suggested_filename
    await download.save_as(saved)
    workbook = openpyxl.load_workbook(saved, read_only=True)
    try:
        assert len(workbook.sheetnames) > 1
    finally:
        workbook.close()


async def test_at_phone_width_the_language_switches_and_suggestions_stay_closed_once_sent(
    page: Page, shots: Path
) -> None:
    # The command list answers slowly: a list that comes back after the message went must stay shut.
    async def slow(route: Route) -> None:
        await asyncio.sleep(0.8)
        await route.continue_()

    await page.route("**/_emu/commands*", slow)
    await page.fill("#input", "/settin")
    await page.type("#input", "gs")
    await page.press("#input", "Enter")
    settings = answer(page, "Khung giờ không gửi tin")
    await expect(settings).to_contain_text("không có", timeout=REPLY_WAIT)
    await expect(settings).not_to_contain_text("00:00")
    await page.wait_for_timeout(1500)  # every slow list has come back by now
    await expect(page.locator("#menu")).to_be_hidden()
    await page.screenshot(path=shots / "01-suggestions-closed.png")
    await page.unroute("**/_emu/commands*")

    # The language switch is on screen at phone width, and works.
    switch = page.locator("#lang-phone")
    await expect(switch).to_be_visible()
    await expect(switch).to_be_in_viewport()
    await switch.click()
    await expect(page.locator("#run-digest .short")).to_have_text("Run the digest")
    await expect(switch).to_have_text("VI")
    await page.screenshot(path=shots / "02-english.png")
    await switch.click()
    await expect(page.locator("#run-digest .short")).to_have_text("Chạy bản tin tuần")
