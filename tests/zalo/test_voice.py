"""Voice notes (message.voice.received, with a voice_url): never silence, never a crash. In a form
the question comes again with "please type"; outside one the bot says what it reads."""

from bot.devtools.zalo_emulator import ZaloEmulator
from tests.zalo.conftest import Cells
from tests.zalo.harness import RunningZalo

AAC = b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(64)  # an ADTS header and silence, as Zalo's voice notes


async def _voice(bot: RunningZalo, zalo: ZaloEmulator, who: Cells, person: str) -> str:
    user = zalo.users[person]
    marker = user.marker()
    url = zalo.host_media(AAC, "audio/aac", "voice.aac")
    await bot.processed(await user.send_voice(url))
    return "\n".join(m.text or "" for m in user.bot_messages_since(marker))


async def test_a_voice_note_in_a_form_gets_the_question_again_and_please_type(
    bot: RunningZalo, zalo: ZaloEmulator, cells: Cells
) -> None:
    await cells.lan.dialog([("/meeting", "Buổi sinh hoạt diễn ra ngày nào?")])
    said = await _voice(bot, zalo, cells, cells.lan.id)
    assert "Tôi không nghe được tin nhắn thoại" in said
    assert "Buổi sinh hoạt diễn ra ngày nào?" in said
    await cells.lan.dialog([("hôm qua", "Hình thức sinh hoạt?")])  # the form goes on where it was
    assert zalo.media_fetches == []  # the voice note is never fetched


async def test_a_voice_note_outside_a_form_says_what_the_bot_reads(
    bot: RunningZalo, zalo: ZaloEmulator, cells: Cells
) -> None:
    said = await _voice(bot, zalo, cells, cells.minh.id)
    assert "I cannot listen to voice messages" in said and "/report" in said and "/help" in said
    committee = await _voice(bot, zalo, cells, cells.binh.id)
    assert "Tôi không nghe được tin nhắn thoại" in committee


async def test_a_stranger_s_voice_note_gets_the_invitation_text(bot: RunningZalo, zalo: ZaloEmulator) -> None:
    stranger = zalo.user("5a5b5c5d5e5f50515253", "Khách")
    marker = stranger.marker()
    await bot.processed(await stranger.send_voice(zalo.host_media(AAC, "audio/aac", "v.aac")))
    said = "\n".join(m.text or "" for m in stranger.bot_messages_since(marker))
    assert "mã Zalo của mình: 5a5b5c5d5e5f50515253" in said
