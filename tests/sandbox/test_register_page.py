"""The enterprise register on the sandbox page at phone width: the committee member's own list, a
card and a contact logged, the register by zone and in the digest; the admin founds a cell."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

from bot.devtools.sandbox.server import Sandbox
from tests.sandbox.test_page import REPLY_WAIT, answer, answers, chat, press, say

VIET_TRI = "Công ty TNHH Điện tử Việt Trì"


async def test_the_working_group_and_the_admin_on_the_register(
    page: Page, sandbox: Sandbox, shots: Path
) -> None:
    await page.click(".persona[data-role=committee]")
    await expect(chat(page)).to_contain_text("Chào đồng chí Trần Văn Hùng")

    mine = await say(page, "/myenterprises", "Doanh nghiệp đồng chí phụ trách trong tổ công tác: 10")
    await expect(mine).to_contain_text("Chưa tiếp xúc từ 60 ngày trở lên: 5")
    await expect(mine).to_contain_text("Đủ điều kiện thành lập chi bộ: 2")
    await page.screenshot(path=shots / "01-committee-own-list.png")

    await answers(page).locator("button.inline", has_text=VIET_TRI).last.click()
    await expect(answer(page, "🏭 " + VIET_TRI)).to_be_visible(timeout=REPLY_WAIT)
    card = answer(page, "🏭 " + VIET_TRI)
    await expect(card).to_contain_text("Doanh nghiệp đã đủ điều kiện thành lập chi bộ.")
    await expect(card).to_contain_text("Tổ công tác: Trần Văn Hùng")
    await card.scroll_into_view_if_needed()
    await page.screenshot(path=shots / "02-committee-card.png")

    await press(page, "Ghi tiếp xúc", "Tiếp xúc ngày nào?")
    await say(page, "hôm nay", "Hình thức tiếp xúc?")
    await press(page, "Thăm, làm việc tại doanh nghiệp", "Kết quả, ghi ngắn gọn?")
    review = await say(page, "Bàn ngày ra mắt chi bộ với ban giám đốc.", "kiểm tra lại")
    await expect(review).to_contain_text(VIET_TRI)
    await page.screenshot(path=shots / "03-contact-review.png")
    await press(page, "Lưu", "Đã ghi lần tiếp xúc")

    zones = await say(page, "/enterprises", "Danh sách doanh nghiệp")
    await expect(zones).to_contain_text("31 doanh nghiệp ở 2 khu/cụm công nghiệp")
    await page.screenshot(path=shots / "04-register-by-zone.png")
    await press(page, "KCN Phú Hà (14)", "KCN Phú Hà: 14 doanh nghiệp")
    await page.screenshot(path=shots / "05-zone-page.png")

    await page.fill("#input", "/digest")
    await page.press("#input", "Enter")
    register = chat(page).locator(".msg.bot", has_text="Doanh nghiệp trong danh sách").last
    await expect(register).to_contain_text("Có chi bộ: 13/31 doanh nghiệp", timeout=REPLY_WAIT)
    await expect(register).to_contain_text("Lao động trẻ (dưới 30 tuổi): 15.000")
    await expect(register).to_contain_text("Đoàn viên Đoàn TNCS Hồ Chí Minh: 575")
    await register.get_by_text("Tổ công tác", exact=False).first.scroll_into_view_if_needed()
    await page.screenshot(path=shots / "06-digest-register.png")

    # The admin founds the cell of the enterprise ready for it, from its card.
    await page.click(".persona[data-role=admin]")
    await say(page, "/enterprises điện tử việt trì", "🏭 " + VIET_TRI)
    await page.screenshot(path=shots / "07-admin-card.png")
    await press(page, "Thành lập chi bộ", "Chi bộ được thành lập ngày nào?")
    review = await say(page, "hôm nay", "kiểm tra lại")
    await expect(review).to_contain_text("cb-dientuviettri")
    await press(page, "Lưu", "Mời bí thư chi bộ: /invite cb-dientuviettri bí thư")
    await page.screenshot(path=shots / "08-admin-founds-the-cell.png")

    db = sandbox.app.bot_data.db
    assert db is not None
    linked = await db.fetchall(
        "SELECT u.code FROM enterprises e JOIN units u ON u.id = e.cell_id WHERE e.name = ?", (VIET_TRI,)
    )
    assert [r["code"] for r in linked] == ["cb-dientuviettri"]
