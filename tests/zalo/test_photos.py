"""Photos kept: Zalo's photo links expire, so a deployment that keeps photos downloads an activity's
photo when it arrives, only from Zalo's hosts, within the size limits, into 0600 files of a 0700
folder; the export shows it later, and so does a signed link for the dashboard; the retention period
deletes it. A photo that cannot be kept is answered with the reason and the question again."""

import io
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.devtools.zalo_emulator import ZaloEmulator
from bot.features.photos import zalo_url
from tests.e2e.harness import FakeClock
from tests.zalo.conftest import ADMIN, AnotherBot
from tests.zalo.harness import RunningZalo, ZaloPerson, register

TO_THE_PHOTO = [
    ("/activity", "Hoạt động diễn ra ngày nào?"),
    ("hôm qua", "Loại hoạt động?"),
    ("1", "Tên hoạt động?"),
    ("Đối thoại với chủ doanh nghiệp", "Bao nhiêu người tham gia?"),
    ("12", ["Đồng chí kiểm tra lại", "3. ➕ Thêm ghi chú", "4. ➕ Thêm ảnh"]),  # asked at the review
    ("4", "Ảnh của hoạt động"),
]


def jpeg(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def noise_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("url", "taken"),
    [
        ("https://photo-stal-1.zdn.vn/abc.jpg", True),
        ("https://PHOTO-STAL-1.ZDN.VN/abc.jpg", True),
        ("https://zdn.vn/abc.jpg", True),
        ("http://photo-stal-1.zdn.vn/abc.jpg", False),  # not https
        ("https://photo-stal-1.zdn.vn:8443/abc.jpg", False),
        ("https://photo-stal-1.zdn.vn.evil.example/abc.jpg", False),
        ("https://evilzdn.vn/abc.jpg", False),
        ("https://user:pw@photo-stal-1.zdn.vn/abc.jpg", False),
        ("https://evil.example\\.zdn.vn/abc.jpg", False),  # a backslash parsers disagree on
        ("https://photo-stal-1.zdn.vn./abc.jpg", False),
        ("https://ｚdn.vn/abc.jpg", True),  # full-width: IDNA makes it zdn.vn, the host then fetched
        ("http://127.0.0.1:8080/_media/a/b.jpg", False),  # the loopback only when listed
        ("ftp://photo-stal-1.zdn.vn/abc.jpg", False),
        ("not a url", False),
    ],
)
def test_only_zalo_s_media_hosts_are_fetched(url: str, taken: bool) -> None:
    assert (zalo_url(url, ("zdn.vn",)) is not None) is taken


def rows(bot: RunningZalo, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as db:
        return [tuple(r) for r in db.execute(sql)]


class Keeping:
    def __init__(self, bot: RunningZalo, lan: ZaloPerson, admin: ZaloPerson) -> None:
        self.bot, self.lan, self.admin = bot, lan, admin

    async def send_photo(self, url: str) -> str:
        user = self.lan.user
        marker = user.marker()
        await self.bot.processed(await user.send_image(url))
        return "\n".join(m.text or "" for m in user.bot_messages_since(marker))


async def cells_of(bot: RunningZalo) -> Keeping:
    admin = bot.person(ADMIN, "Hà")
    await admin.send("/addunit kcn-a Đảng bộ KCN A")
    await admin.send("/addunit kcn-a/cb-honda Chi bộ Công ty Honda")
    lan = bot.person("e4ea2cd5189df1c3a88c", "Lan Nguyễn")
    await register(admin, lan, "cb-honda", "bithu")
    return Keeping(bot, lan, admin)


@pytest.fixture
async def keeping(another_bot: AnotherBot) -> AsyncIterator[Keeping]:
    async with another_bot(keep_photos=True) as bot:
        yield await cells_of(bot)


async def test_a_kept_photo_outlives_its_zalo_link_in_the_export_and_behind_a_signed_link(
    keeping: Keeping, zalo: ZaloEmulator, tmp_path: Path
) -> None:
    picture = jpeg()
    url = zalo.host_media(picture, "image/jpeg")
    await keeping.lan.dialog(TO_THE_PHOTO)
    review = await keeping.send_photo(url)
    assert "Ảnh: đã đính kèm ảnh" in review
    zalo.expire_media(url)  # Zalo's link dies; the bot has its own copy
    await keeping.lan.dialog([("1", "✅ Đã lưu: Hoạt động.")])
    assert rows(keeping.bot, "SELECT photo_file_id FROM activities") == [("kept:1",)]
    folder = tmp_path / "photos"
    (kept,) = list(folder.iterdir())
    assert kept.read_bytes() == picture and kept.suffix == ".jpg"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(kept.stat().st_mode) == 0o600
    # The export shows it: a Photos sheet with the picture beside its activity.
    said = await keeping.admin.send("/export")
    link = next(word for word in said.text.split() if "/zalo/files/" in word)
    async with aiohttp.ClientSession() as session, session.get(link) as response:
        workbook = load_workbook(io.BytesIO(await response.read()))
    sheet = workbook["Ảnh"]
    assert sheet["E2"].value == "Đối thoại với chủ doanh nghiệp"
    assert len(sheet._images) == 1  # openpyxl keeps a sheet's pictures there
    # The dashboard's way: a short-lived signed link serves the photo, an altered one nothing.
    assert keeping.bot.runtime is not None and keeping.bot.runtime.photo_links is not None
    signed = keeping.bot.runtime.photo_links.link(1)
    async with aiohttp.ClientSession() as session:
        async with session.get(signed) as response:
            assert response.status == 200 and await response.read() == picture
            assert response.headers["Content-Type"] == "image/jpeg"
        async with session.get(signed.replace("/photos/1?", "/photos/2?")) as other:
            assert other.status == 404
    assert zalo.errors == []


async def test_a_photo_that_cannot_be_fetched_or_is_not_from_zalo_is_answered(
    keeping: Keeping, zalo: ZaloEmulator
) -> None:
    await keeping.lan.dialog(TO_THE_PHOTO)
    gone = zalo.host_media(jpeg(), "image/jpeg")
    zalo.expire_media(gone)
    said = await keeping.send_photo(gone)
    assert "Tôi không tải được ảnh này từ Zalo" in said and "Ảnh của hoạt động" in said
    fetched = len(zalo.media_fetches)
    for foreign in (
        "https://evil.example.com/p.jpg",
        "https://photo-stal-1.zdn.vn.evil.example/p.jpg",  # Zalo's name, someone else's host
        "http://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
    ):
        said = await keeping.send_photo(foreign)
        assert "không đến từ máy chủ của Zalo" in said, foreign
    assert len(zalo.media_fetches) == fetched  # none of them was fetched
    said = await keeping.send_photo(zalo.host_media(b"<html>not a picture</html>", "image/jpeg"))
    assert "không phải ảnh tôi lưu được" in said
    await keeping.lan.dialog([("/skip", "Đồng chí kiểm tra lại"), ("1", "✅ Đã lưu")])
    assert rows(keeping.bot, "SELECT photo_file_id FROM activities") == [(None,)]
    assert rows(keeping.bot, "SELECT COUNT(*) FROM photos") == [(0,)]


async def test_the_size_of_a_photo_and_of_all_photos_is_limited(
    zalo: ZaloEmulator, another_bot: AnotherBot
) -> None:
    async with another_bot(keep_photos=True, photo_max_mb=1, photos_max_mb=1) as bot:
        keeping = await cells_of(bot)
        await keeping.lan.dialog(TO_THE_PHOTO)
        big = noise_png(800, 600)  # about 1.4 MB: noise does not compress
        assert len(big) > 2**20
        said = await keeping.send_photo(zalo.host_media(big, "image/png", "big.png"))
        assert "Ảnh quá lớn, không lưu được (tối đa 1 MB)" in said
        half = noise_png(440, 420)  # about 0.55 MB each: one fits, two do not
        assert 2**19 < len(half) < 2**20
        assert "đã đính kèm ảnh" in await keeping.send_photo(zalo.host_media(half, "image/png", "a.png"))
        await keeping.lan.dialog([("1", "✅ Đã lưu")])
        await keeping.lan.dialog(TO_THE_PHOTO)
        said = await keeping.send_photo(zalo.host_media(noise_png(440, 420), "image/png", "b.png"))
        assert "Kho ảnh của Đảng ủy đã đầy" in said
        assert rows(keeping.bot, "SELECT COUNT(*) FROM photos") == [(1,)]


async def test_kept_photos_are_deleted_after_the_retention_period_and_with_their_record(
    keeping: Keeping, zalo: ZaloEmulator, clock: FakeClock, tmp_path: Path
) -> None:
    for _ in range(2):
        await keeping.lan.dialog(TO_THE_PHOTO)
        await keeping.send_photo(zalo.host_media(jpeg(), "image/jpeg"))
        await keeping.lan.dialog([("1", "✅ Đã lưu")])
    await keeping.lan.dialog(
        [("/mine", "trong 30 ngày qua"), ("1", "Sửa"), ("2", "Xóa bản ghi này?"), ("1", "Đã xóa")]
    )
    await keeping.bot.tick()  # the daily pass deletes the deleted record's photo
    stray = tmp_path / "photos" / ".left-by-a-crash.jpg.part"
    stray.write_bytes(b"half a photo")
    kept = "SELECT COALESCE(deleted_why, 'kept') FROM photos ORDER BY 1"
    assert rows(keeping.bot, kept) == [("kept",), ("record deleted",)]
    assert sorted(p.suffix for p in (tmp_path / "photos").iterdir()) == [".jpg", ".part"]  # a new stray stays
    clock.advance(days=366)
    await keeping.bot.tick()
    assert rows(keeping.bot, kept) == [("record deleted",), ("retention",)]
    assert list((tmp_path / "photos").iterdir()) == []  # the stray file of a crash went too
