"""The ID-number guard: a table of what must be refused and what must pass, however it is typed.

Every "refuse" row but the plain ones passed the guard before issue 14; every "accept" row is
ordinary text a secretary writes, which a guard reading through separators must still let pass.
"""

import sys
import unicodedata

import pytest

from bot.rules.privacy import DIGIT_LIKE, cell_looks_like_id_number, looks_like_id_number, normalise

ZWSP, NBSP, SHY, NNBSP, WJ = "\u200b", "\u00a0", "\u00ad", "\u202f", "\u2060"

MUST_REFUSE = [
    # plain, as before
    "CCCD 001203004567",
    "so 123456789",
    # separated by spaces, dots or dashes
    "CCCD 079 123 456 789",
    "001.234.567.890",
    "001-234-567-890",
    "0012 3456 7890",
    "079 - 123 - 456 - 789",
    "CMND 123 456 789",
    "123.456.789",
    "0 7 9 1 2 3 4 5 6 7 8 9",
    "079,123,456,789",
    "079/123/456/789",
    "079–123–456–789",  # en dashes
    # invisible and special spaces between the digits
    f"001{NBSP}234{NBSP}567{NBSP}890",
    f"001{NNBSP}234{NNBSP}567{NNBSP}890",
    f"001{ZWSP}234{ZWSP}567{ZWSP}890",
    f"0012{SHY}3456{SHY}7890",
    f"00123{WJ}4567890",
    "\u202e987654321100\u202c",  # a right-to-left override around it
    # digits of other forms
    "００１２３４５６７８９０",  # fullwidth
    "⁰⁰¹²³⁴⁵⁶⁷⁸⁹⁰",  # superscript
    "⓪⓪①②③④⑤⑥⑦⑧⑨⓪",  # circled
    "❶❷❸❹❺❻❼❽❾",  # dingbat
    "١٢٣٤٥٦٧٨٩",  # Arabic-Indic
    "1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣9️⃣",  # keycaps
    # an ID hidden beside something that passes
    "079 123 456 789 1",
    "2023-2024 079 123 456 789",
    "ngày 12.05.2025 079123456789",
    "079.123.456.789 đồng",  # no amount starts with 0
    "+84 79 123 456 789",  # not a phone number: 13 digits
    "Số thẻ đảng 123.456.789",  # thousands groups, but no currency
    # what a list of numbers typed with spaces does not excuse
    "CMND 111 111 111",  # does not go up
    "CCCD 123 456 789 012",  # does not go up by a small or round step
    "1 2 3 4 5 6 7 8 9",  # one digit a group
    "Phòng 101 102 104",  # not one step
    "101.102.103",  # dots: not a list typed with spaces
]

MUST_ACCEPT = [
    # money
    "100.000.000 đồng",
    "1.500.000đ",
    "300.000.000đ",
    "Kinh phí 100 000 000 VND",
    "VND 100.000.000",
    "ủng hộ 250.000.000 d",
    "1,5 tỷ đồng",
    "Thu 1.200.000, chi 350.000",
    "Vốn đầu tư 150.000.000.000 đồng",  # 12 digits: each 9 of them is part of the amount
    "Doanh thu 1.234.567.890.000 VND",
    "Kinh phí hỗ trợ: 100.000.000",  # round amounts, without their currency
    "Quyên góp được 150 000 000, đã trao 120.500.000",
    # dates and times
    "12.05.2025 14.30",
    "05/11/2026",
    "Họp ngày 12/5/2025 - 15/5/2025",
    "Quyết định 125-QĐ/ĐU ngày 2025-05-12",
    "từ 7.30-11.30 ngày 05.11.2026",
    "Học từ 12/05/25 - 14/06/25",  # two-digit years, as the forms' dates take them
    "Họp các ngày 5.11.26 - 6.11.26 - 7.11.26",
    # years
    "2023-2024-2025",
    "nhiệm kỳ 2020 – 2025",
    "Năm học 2024-2025, 2025-2026",
    "Nguyễn Văn A 1990",
    # phone numbers and phone-like counts
    "phone 0912345678",
    "0912 345 678",
    "0912.345.678",
    "ĐT 0912 345 678 - 0987 654 321",
    "+84 912 345 678",
    "+84 28 3823 4567",
    "(028) 3823 4567",
    "Tổng đài 1800 599 920",
    "Mã số thuế 0101234567-001",
    # counts
    "15.000 công nhân trẻ, 575 đoàn viên",
    "99 đảng viên trong 13 chi bộ",
    "Tổ 1, 2, 3: 120, 140, 160 người",
    "Phòng 101, 102, 103",
    # lists typed with spaces, going up by one small or round step
    "Phòng 101 102 103",
    "Số lượng: 100 200 300",
    "Dây chuyền 10 20 30 40 50",
    "Lô 2201 2202 2203",
    "Có mặt 25/27, vắng 2",
]


@pytest.mark.parametrize("text", MUST_REFUSE)
def test_id_numbers_are_refused_however_they_are_written(text: str) -> None:
    assert looks_like_id_number(text)


@pytest.mark.parametrize("text", MUST_ACCEPT)
def test_ordinary_text_passes(text: str) -> None:
    assert not looks_like_id_number(text)


def test_the_normalisation_reads_every_digit_and_drops_what_shows_nothing() -> None:
    assert normalise(f"０①²{ZWSP}3{SHY}4") == "01234"
    assert normalise(f"a{NBSP}b") == "a b"
    assert normalise("Nguyễn") == "Nguyễn"


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        (1234567890, True),  # 001234567890 typed in a number cell: the zeros are gone
        (79123456789, True),  # 079123456789
        (1.23456789012e11, True),  # 12 digits, shown by Excel in scientific notation
        (123456789, True),
        (912345678.0, True),
        ("001.234.567.890", True),
        (1996, False),
        (15000, False),
        (12345678, False),
        (1234567890123, False),
        (True, False),
        (None, False),
        ("0912345678", False),  # a phone number kept as text keeps its zero: 10 digits
    ],
)
def test_spreadsheet_cells(value: object, refused: bool) -> None:
    assert cell_looks_like_id_number(value) is refused


def test_long_texts_are_read_in_one_pass() -> None:
    # Many digit groups in a row: each start looks at 12 digits at most, not at the whole run.
    assert not looks_like_id_number("12345 " * 2000)
    assert looks_like_id_number("12345 " * 2000 + "x 123456789")


def test_the_quick_count_of_digits_misses_no_character_that_reads_as_one() -> None:
    # Texts with fewer than 9 digit-like characters skip the full reading: none may be missed.
    missed = []
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        if unicodedata.digit(char, None) is None:
            continue
        composed = unicodedata.normalize("NFKC", char)
        if not any(DIGIT_LIKE.match(c) for c in composed):
            missed.append(f"U+{code_point:04X}")
    assert missed == []
