"""/import on Zalo, which carries no files: the admin gets a link, signed as the answer goes out and
valid for an hour, to an upload page; the file sent there goes through the importer's dry run, shown
in Zalo, and is imported only once the admin confirms there. Altered or expired links, other people,
other files and a restart are tried too."""

import io
import re
import sqlite3

import aiohttp

from bot.devtools.zalo_emulator import ZaloEmulator
from bot.features import importer
from bot.i18n import translator
from tests.e2e.harness import FakeClock
from tests.e2e.test_data import PERSON, fill
from tests.zalo.conftest import ADMIN, AnotherBot, Cells
from tests.zalo.harness import RunningZalo, Said

VI = translator("vi")


def upload_link(said: Said) -> str:
    match = re.search(r"http://\S+/zalo/upload/\d+\?exp=\d+&sig=\w+", said.text)
    assert match is not None, said.text
    return match.group(0)


async def post_file(link: str, content: bytes, name: str = "ds.xlsx") -> tuple[int, str]:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(content), filename=name)
    async with aiohttp.ClientSession() as session, session.post(link, data=form) as response:
        return response.status, await response.text()


def count(bot: RunningZalo, sql: str) -> int:
    with sqlite3.connect(bot.db_path) as db:
        return int(db.execute(sql).fetchone()[0])


async def test_the_upload_page_feeds_the_dry_run_and_the_import_waits_for_the_confirmation(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    said = await cells.admin.send("/import")
    assert "Zalo không gửi được tệp" in said and "chỉ dành cho đồng chí" in said
    assert "Đường dẫn dùng được đến 24/11/2026 11:00" in said  # an hour from now (10:00 in Hà Nội)
    link = upload_link(said)
    async with aiohttp.ClientSession() as session, session.get(link) as page:
        html = await page.text()
        assert page.status == 200 and 'type="file"' in html and "Gửi tệp Excel" in html
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy and "<script" not in html
    content = fill(importer.template(VI), [["cb-lg", "kcn-a", "Chi bộ Công ty LG"]], [PERSON])
    marker = cells.admin.user.marker()
    status, html = await post_file(link, content)
    assert status == 200 and "Đã nhận tệp ds.xlsx" in html
    # The page answered once the dry run was in Zalo.
    dry_run = "\n".join(m.text or "" for m in cells.admin.user.bot_messages_since(marker))
    assert "Đã kiểm tra ds.xlsx (chưa nhập gì)" in dry_run and "1. ✅ Nhập" in dry_run
    assert count(bot, "SELECT COUNT(*) FROM people") == 0  # nothing until the confirmation
    await bot.restart()  # the upload waits in the database
    done = await cells.admin.send("1")
    assert "✅ Đã nhập từ ds.xlsx: 1 đơn vị, 1 người và 1 bước kết nạp." in done
    assert count(bot, "SELECT COUNT(*) FROM people") == 1
    assert count(bot, "SELECT COUNT(*) FROM uploads") == 0  # used up
    assert zalo.errors == []


async def test_altered_or_expired_links_and_other_files_are_refused(
    bot: RunningZalo, cells: Cells, clock: FakeClock
) -> None:
    link = upload_link(await cells.admin.send("/import"))
    content = fill(importer.template(VI), [], [PERSON])
    for altered in (
        link.replace("sig=", "sig=0"),
        re.sub(r"/upload/\d+", "/upload/2", link),  # another user's id under the admin's signature
        re.sub(r"exp=(\d+)", lambda m: f"exp={int(m.group(1)) + 3600}", link),  # stretched
        re.sub(r"exp=\d+", "exp=" + "9" * 5000, link),  # more digits than int() reads
        re.sub(r"sig=\w+", "sig=%E2%82%AC", link),  # a signature that is not ASCII
        re.sub(r"/upload/\d+", "/upload/" + "9" * 25, link),  # no user can have that id
    ):
        status, html = await post_file(altered, content)
        assert status == 403 and "Đường dẫn này đã hết hạn hoặc không hợp lệ" in html
    status, html = await post_file(link, b"not a workbook", "ds.csv")
    assert status == 400 and "xlsx" in html
    status, html = await post_file(link, b"PK" + b"\0" * (importer.MAX_BYTES + 1))
    assert status == 413 and "Tệp quá lớn" in html
    clock.advance(hours=1, seconds=1)
    status, html = await post_file(link, content)
    assert status == 403
    assert count(bot, "SELECT COUNT(*) FROM uploads") == 0
    # A secretary gets no link: /import is for admins.
    assert "Gửi tệp Excel" not in (await cells.lan.send("/import")).text


async def test_without_a_public_address_import_says_why_it_cannot_take_a_file(
    another_bot: AnotherBot,
) -> None:
    async with another_bot(public=False) as bot:
        said = await bot.person(ADMIN, "Hà").send("/import")
        assert "chưa có địa chỉ web để mở trang gửi tệp (CHIBO_PUBLIC_URL)" in said
