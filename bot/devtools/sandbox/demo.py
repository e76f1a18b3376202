"""Demo data for the sandbox, shaped like the source article of DOMAIN.md (Phú Thọ, 2017).

A committee, "Đảng bộ các Khu công nghiệp", with 13 cells in enterprises of two industrial zones and
99 party members in all. chibo keeps no list of members, so the 99 show where the bot would see them:
as the totals of the cells' meetings (each cell's latest meeting counts its members). Around them:
people in the admission pipeline whose deadlines fall a few days or weeks from today (one of each
kind, two of them already overdue), a few weeks of meetings and activities, transfers, and a snapshot
of each enterprise. The enterprise register holds those 13 enterprises and 18 more of the two zones
without a cell, six of them with party members, two of which could found a cell: about 15,000 young
workers and 575 Youth Union members in all, as in the article. Once the committee member is
registered, `seed_working_group` gives them ten enterprises with their contacts, some overdue.
Every date is counted from `today`, so the reminders and the digest always have something to say.
The enterprises and people are invented; the zones' names are real places.

Everything is written through the storage layer in one transaction: a failure leaves an empty
database, never half a demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.features import enterprises
from bot.rules.calendar import WorkingCalendar, add_months, quarter_start
from bot.rules.deadlines import CEREMONY_WORKING_DAYS, eligible_age, vote_passes
from bot.rules.enterprises import Stage
from bot.rules.pipeline import PROBATION_MONTHS, Pipeline, Step, refusal
from storage import audit, records, units
from storage import enterprises as register
from storage.database import Database, Queryable
from storage.models import Unit

COMMITTEE_NAME = "Đảng bộ các Khu công nghiệp"
ZONE_THUY_VAN = "KCN Thụy Vân"
ZONE_PHU_HA = "KCN Phú Hà"
SECRETARY_CELL = "cb-saomai"  # the cell of the sandbox's secretary
ADMISSION_TARGET = 12  # admissions the committee aims for this year (the sandbox's admin sets it)


@dataclass(frozen=True)
class DemoCell:
    """A cell and the enterprise it lives in."""

    code: str
    enterprise: str
    zone: str
    members: int  # party members: the total of the cell's meetings
    workers: int
    young_workers: int  # under 30
    union_members: int
    youth_union_members: int
    members_elsewhere: int  # members working here but registered where they live

    @property
    def name(self) -> str:
        """Return the cell's name."""
        return f"Chi bộ {self.enterprise}"


CELLS: tuple[DemoCell, ...] = (
    DemoCell("cb-saomai", "Công ty TNHH Điện tử Sao Mai", ZONE_THUY_VAN, 12, 2400, 1650, 2180, 96, 3),
    DemoCell("cb-bachhac", "Công ty CP Giấy Bạch Hạc", ZONE_THUY_VAN, 11, 860, 410, 820, 52, 2),
    DemoCell("cb-hungvuong", "Công ty TNHH May Hùng Vương", ZONE_THUY_VAN, 10, 3100, 2300, 2950, 88, 4),
    DemoCell("cb-songlo", "Công ty CP Phân bón Sông Lô", ZONE_THUY_VAN, 9, 640, 250, 610, 35, 1),
    DemoCell("cb-tienkien", "Công ty TNHH Cơ khí Tiên Kiên", ZONE_THUY_VAN, 9, 520, 260, 470, 28, 2),
    DemoCell("cb-minhphat", "Công ty TNHH Bao bì Minh Phát", ZONE_THUY_VAN, 8, 450, 280, 400, 21, 1),
    DemoCell("cb-phongchau", "Công ty CP Dược phẩm Phong Châu", ZONE_THUY_VAN, 8, 380, 190, 365, 30, 2),
    DemoCell("cb-haphu", "Công ty TNHH Linh kiện Hà Phú", ZONE_PHU_HA, 7, 2800, 2100, 2500, 64, 3),
    DemoCell("cb-thanhminh", "Công ty TNHH May mặc Thanh Minh", ZONE_PHU_HA, 6, 1900, 1400, 1780, 47, 1),
    DemoCell("cb-hahoa", "Công ty CP Gốm sứ Hạ Hòa", ZONE_PHU_HA, 6, 540, 230, 500, 24, 1),
    DemoCell("cb-nhuaphuha", "Công ty TNHH Nhựa Phú Hà", ZONE_PHU_HA, 5, 420, 260, 380, 19, 2),
    DemoCell("cb-datto", "Công ty TNHH Thực phẩm Đất Tổ", ZONE_PHU_HA, 4, 350, 200, 310, 15, 1),
    DemoCell("cb-viethung", "Công ty TNHH Kính Việt Hưng", ZONE_PHU_HA, 4, 300, 170, 260, 12, 0),
)


@dataclass(frozen=True)
class DemoPerson:
    """Someone in a cell's admission pipeline, with the dates of the steps reached."""

    cell: str
    full_name: str
    birth_year: int
    gender: str
    position: str
    youth_union: bool
    helpers: tuple[str, str]
    steps: tuple[tuple[Step, date], ...]
    note: str | None = None
    vote: tuple[int, int] = (0, 0)  # votes in favour, official members (for the cell vote)
    decision_number: str | None = None


@dataclass(frozen=True)
class DemoSummary:
    """What seed() wrote."""

    committee: Unit
    cells: dict[str, Unit]
    members: int  # the sum of the cells' latest meeting totals
    counts: dict[str, int]  # records written, by kind: people, steps, meetings, ...
    enterprises: int  # in the register, with a cell or not


def counted_back(calendar: WorkingCalendar, due: date, working_days: int) -> date:
    """Return the latest day from which `working_days` working days end on or before `due`."""
    start = due
    while calendar.add_working_days(start, working_days) > due:
        start -= timedelta(days=1)
    return start


def admitted(ceremony: date) -> tuple[tuple[Step, date], ...]:
    """Return the steps of someone admitted at a ceremony, the earlier ones spaced as they usually are."""
    return (
        (Step.SOURCE, ceremony - timedelta(days=420)),
        (Step.AWARENESS_CLASS, ceremony - timedelta(days=350)),
        (Step.APPLICATION, ceremony - timedelta(days=230)),
        (Step.CELL_VOTE, ceremony - timedelta(days=100)),
        (Step.ADMISSION_DECISION, ceremony - timedelta(days=24)),
        (Step.CEREMONY, ceremony),
    )


def people(today: date, calendar: WorkingCalendar) -> list[DemoPerson]:
    """Return the people of the demo, their steps dated so that their deadlines fall around today."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    def months_ago(months: int) -> date:
        return add_months(today, -months)

    # The ceremony is due within 6 days (the 7-day reminder has come).
    hong_decision = counted_back(calendar, today + timedelta(days=6), CEREMONY_WORKING_DAYS)
    # The ceremony was due about 3 weeks ago and has not been held: overdue.
    thu_decision = counted_back(calendar, today - timedelta(days=21), CEREMONY_WORKING_DAYS)
    # Probation ends 20 days from today; recognition is due 30 working days after that.
    tuan_ceremony = add_months(today + timedelta(days=20), -PROBATION_MONTHS)
    # Probation ended 9 weeks ago and the cell has not considered recognition: overdue.
    long_ceremony = add_months(today - timedelta(days=63), -PROBATION_MONTHS)
    # The awareness certificate (valid 60 months) runs out 25 days from today.
    khai_class = add_months(today + timedelta(days=25), -60)
    male, female = "male", "female"

    return [
        # The secretary's cell: a ceremony due within the week, a probation ending this month, and
        # two people earlier in the pipeline.
        DemoPerson(
            "cb-saomai",
            "Lê Thị Hồng",
            1995,
            female,
            "team_leader",
            True,
            ("Nguyễn Văn Thắng", "Phạm Thị Hoa"),
            (
                (Step.SOURCE, months_ago(15)),
                (Step.AWARENESS_CLASS, months_ago(13)),
                (Step.APPLICATION, months_ago(9)),
                (Step.CELL_VOTE, months_ago(4)),
                (Step.ADMISSION_DECISION, hong_decision),
            ),
            note="Tổ trưởng chuyền SMT, Bí thư Chi đoàn",
            vote=(10, 11),
            decision_number="215-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-saomai",
            "Đỗ Minh Tuấn",
            1991,
            male,
            "technician",
            False,
            ("Nguyễn Văn Thắng", "Trần Quốc Bảo"),
            admitted(tuan_ceremony),
            vote=(9, 10),
            decision_number="188-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-saomai",
            "Hoàng Văn Nam",
            1998,
            male,
            "worker",
            True,
            ("Phạm Thị Hoa", "Trần Quốc Bảo"),
            (
                (Step.SOURCE, months_ago(5)),
                (Step.AWARENESS_CLASS, months_ago(3)),
                (Step.APPLICATION, ago(20)),
            ),
        ),
        DemoPerson(
            "cb-saomai",
            "Vũ Thị Mai",
            2001,
            female,
            "worker",
            True,
            ("Nguyễn Văn Thắng", "Lê Văn Cường"),
            ((Step.SOURCE, ago(40)),),
            note="Công nhân giỏi năm nay",
        ),
        # Overdue elsewhere: a recognition the cell has not considered, a ceremony not held.
        DemoPerson(
            "cb-bachhac",
            "Phan Văn Long",
            1987,
            male,
            "manager",
            False,
            ("Đinh Thị Nga", "Hà Văn Sơn"),
            admitted(long_ceremony),
            vote=(10, 11),
            decision_number="142-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-hungvuong",
            "Bùi Thị Thu",
            1993,
            female,
            "worker",
            True,
            ("Lương Thị Hạnh", "Kiều Văn Toàn"),
            admitted(thu_decision + timedelta(days=24))[:-1],
            vote=(8, 9),
            decision_number="201-QĐ/ĐU",
        ),
        # A director as a source (the article asks for them), whose certificate runs out soon.
        DemoPerson(
            "cb-songlo",
            "Ngô Văn Khải",
            1985,
            male,
            "director",
            False,
            ("Tạ Quang Vinh", "Nguyễn Thị Thanh"),
            (
                (Step.SOURCE, khai_class - timedelta(days=90)),
                (Step.AWARENESS_CLASS, khai_class),
                (Step.APPLICATION, months_ago(2)),
            ),
            note="Phó giám đốc sản xuất",
        ),
        # New sources of the last weeks.
        DemoPerson(
            "cb-tienkien",
            "Đặng Thị Yến",
            1997,
            female,
            "technician",
            True,
            ("Lại Văn Hùng", "Triệu Thị Mơ"),
            ((Step.SOURCE, months_ago(3)), (Step.AWARENESS_CLASS, ago(30))),
        ),
        DemoPerson(
            "cb-haphu",
            "Trịnh Văn Đức",
            1994,
            male,
            "team_leader",
            False,
            ("Đoàn Văn Tùng", "Hồ Thị Liên"),
            ((Step.SOURCE, ago(12)),),
        ),
        DemoPerson(
            "cb-thanhminh",
            "Lý Thị Ngọc",
            2000,
            female,
            "worker",
            True,
            ("Vương Thị Hằng", "Mạc Văn Quý"),
            ((Step.SOURCE, ago(4)),),
            note="Chi đoàn đề nghị",
        ),
        # Probationary members admitted over the last months, one of them this week.
        DemoPerson(
            "cb-minhphat",
            "Hà Thị Thúy",
            1997,
            female,
            "worker",
            True,
            ("Phùng Văn Hiếu", "Đào Thị Loan"),
            admitted(ago(3)),
            vote=(7, 8),
            decision_number="226-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-haphu",
            "Nông Thị Huyền",
            1996,
            female,
            "team_leader",
            True,
            ("Đoàn Văn Tùng", "Hồ Thị Liên"),
            admitted(months_ago(2)),
            vote=(6, 7),
            decision_number="203-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-nhuaphuha",
            "Mai Văn Hải",
            1989,
            male,
            "worker",
            False,
            ("Khúc Văn Lâm", "Tô Thị Duyên"),
            admitted(months_ago(4)),
            vote=(4, 5),
            decision_number="97-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-hungvuong",
            "Tống Văn Phong",
            1990,
            male,
            "technician",
            False,
            ("Lương Thị Hạnh", "Kiều Văn Toàn"),
            admitted(months_ago(5)),
            vote=(9, 9),
            decision_number="88-QĐ/ĐU",
        ),
        DemoPerson(
            "cb-thanhminh",
            "Chu Thị Bích",
            1998,
            female,
            "worker",
            True,
            ("Vương Thị Hằng", "Mạc Văn Quý"),
            admitted(months_ago(7)),
            vote=(5, 5),
            decision_number="61-QĐ/ĐU",
        ),
        # Recognised as a full member last month: the pipeline is done.
        DemoPerson(
            "cb-datto",
            "Cao Thị Lan Anh",
            1996,
            female,
            "manager",
            False,
            ("Ninh Văn Phúc", "Âu Thị Thảo"),
            (*admitted(months_ago(14)), (Step.RECOGNITION, months_ago(1))),
            vote=(4, 4),
            decision_number="64-QĐ/ĐU",
        ),
    ]


TOPICS = (
    "Kiểm điểm công tác tháng, phương hướng tháng tới",
    "Phát triển đảng viên trong công nhân trực tiếp sản xuất",
    "Xây dựng tổ chức Công đoàn, Đoàn thanh niên vững mạnh",
    "An toàn lao động và đời sống công nhân",
    "Quán triệt nghị quyết của Đảng ủy Khối",
)
THEMATIC_TOPIC = "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"

# Days before today of each cell's meetings of the last weeks, in CELLS order; before those, each
# cell met once a month (HISTORY_MONTHS more meetings). The last two cells have not met for nearly
# two months, which the digest and the meeting nudges should point out.
MEETING_DAYS_AGO: tuple[tuple[int, ...], ...] = (
    (),  # the secretary's cell: its meeting day of last month (see meetings())
    (31, 6),
    (34, 4),
    (30, 16, 3),
    (35, 7),
    (29, 8),
    (32, 18, 6),
    (28, 2),
    (36, 9),
    (31, 15),
    (27, 10),
    (56,),
    (58,),
)
HISTORY_MONTHS = 5
THEMATIC = {("cb-songlo", 16), ("cb-phongchau", 18), ("cb-hahoa", 15)}
# Every cell holds a thematic part once a calendar quarter (in its first regular meeting of the
# quarter), but these have not yet this quarter: the digest and the reminders have one to show.
THEMATIC_NOT_YET = {SECRETARY_CELL, "cb-bachhac", "cb-viethung"}


MEETING_DAY = 5  # the cells' day of the month for the regular meeting (the schema's default)


def last_months_meeting(today: date) -> date:
    """Return the meeting day of the month before today's."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=MEETING_DAY)


def _with_thematic_part(code: str, held: list[int], today: date) -> set[int]:
    """Return the meetings (days ago, oldest first in `held`) that are regular meetings with a thematic
    part: a cell's first regular meeting of each calendar quarter with no thematic meeting of its own,
    but none in this quarter for the cells of THEMATIC_NOT_YET."""
    quarter = {days: quarter_start(today - timedelta(days=days)) for days in held}
    done = {quarter[days] for days in held if (code, days) in THEMATIC}
    if code in THEMATIC_NOT_YET:
        done.add(quarter_start(today))
    chosen = set()
    for days in held:
        if quarter[days] not in done:
            done.add(quarter[days])
            chosen.add(days)
    return chosen


def meetings(today: date) -> list[tuple[str, dict[str, Any]]]:
    """Return (cell code, values) of each demo meeting; attendance adds up to the cell's members.

    The secretary's cell met on its meeting day every month until last month: this month's meeting is
    the one she reports in the sandbox, nothing changed since last month but who came.
    """
    found = []
    for cell, listed in zip(CELLS, MEETING_DAYS_AGO, strict=True):
        recent = ((today - last_months_meeting(today)).days,) if cell.code == SECRETARY_CELL else listed
        rng = random.Random(cell.code)  # the same demo every time
        history = [max(recent) + 30 * month + rng.randint(-3, 3) for month in range(1, HISTORY_MONTHS + 1)]
        held = sorted((*recent, *history), reverse=True)  # oldest first
        with_thematic = _with_thematic_part(cell.code, held, today)
        for index, days_ago in enumerate(held):
            thematic = (cell.code, days_ago) in THEMATIC
            both = days_ago in with_thematic
            excused = rng.choice((0, 0, 1, 1, 2))
            unexcused = 1 if rng.random() < 0.15 else 0
            values = {
                "on_date": (today - timedelta(days=days_ago)).isoformat(),
                "kind": "thematic" if thematic else "both" if both else "regular",
                "minutes": rng.choice((120, 135, 150)) if thematic or both else rng.choice((90, 95, 100)),
                "total": cell.members,
                "present": cell.members - excused - unexcused,
                "absent_with_reason": excused,
                "absent_without_reason": unexcused,
                "topic": THEMATIC_TOPIC
                if thematic or both
                else TOPICS[(index + len(cell.code)) % len(TOPICS)],
            }
            found.append((cell.code, values))
    return found


# (cell, days ago, kind, title, participants, note)
ACTIVITIES: tuple[tuple[str, int, str, str, int, str | None], ...] = (
    ("cb-saomai", 9, "training", "Lớp bồi dưỡng nhận thức về Đảng cho quần chúng ưu tú", 14, None),
    ("cb-saomai", 23, "union_event", "Ra mắt Chi đoàn thanh niên ca đêm", 46, "Kết nạp 11 đoàn viên mới"),
    ("cb-hungvuong", 6, "dialogue", "Đối thoại với Tổng giám đốc về ca kíp và nhà trọ công nhân", 32, None),
    ("cb-bachhac", 13, "emulation", "Phát động thi đua Lao động giỏi – Lao động sáng tạo", 120, None),
    ("cb-haphu", 3, "propaganda", "Tuyên truyền Bộ luật Lao động cho công nhân mới", 85, None),
    ("cb-thanhminh", 17, "union_event", "Hội thao công nhân chào mừng ngày thành lập Công đoàn", 210, None),
    ("cb-songlo", 27, "training", "Học tập chuyên đề năm cho đảng viên và quần chúng", 18, None),
    ("cb-tienkien", 11, "emulation", "Sáng kiến cải tiến khuôn dập, tiết kiệm 12% vật tư", 9, None),
    ("cb-nhuaphuha", 20, "dialogue", "Đối thoại với chủ doanh nghiệp về thành lập Chi đoàn", 7, None),
)

# (cell, direction, kind, study, member, days ago, end in days from today or None, note)
# (cell, direction, kind, for study, member, days ago, ends in days, letter days ago, completed days ago,
# note): an official transfer in that arrived, a temporary one for study, an official transfer out whose
# letter is issued and whose receipt by the new cell is awaited (shown in /mine and the reminders).
TRANSFERS: tuple[
    tuple[str, str, str, bool, str, int, int | None, int | None, int | None, str | None], ...
] = (
    (
        "cb-saomai",
        "in",
        "official",
        False,
        "Nguyễn Văn Bình",
        18,
        None,
        None,
        15,
        "Chuyển từ chi bộ nơi cư trú",
    ),
    ("cb-bachhac", "out", "temporary", True, "Trần Thị Hạnh", 45, 320, None, None, "Đi học cao cấp lý luận"),
    (
        "cb-saomai",
        "out",
        "official",
        False,
        "Lê Quang Huy",
        26,
        None,
        12,
        None,
        "Chuyển công tác về Hà Nội",
    ),
)

# Cells whose enterprise reported a second time lately (the first report is two months old).
UPDATED_ENTERPRISES = {"cb-saomai": 2460, "cb-haphu": 2950}

# The ownership of each cell's enterprise, and how many months ago its cell was founded.
CELL_ENTERPRISES: dict[str, tuple[str, int]] = {
    "cb-saomai": ("private", 108),
    "cb-bachhac": ("state", 192),
    "cb-hungvuong": ("private", 132),
    "cb-songlo": ("state", 180),
    "cb-tienkien": ("private", 96),
    "cb-minhphat": ("private", 72),
    "cb-phongchau": ("state", 156),
    "cb-haphu": ("foreign", 60),
    "cb-thanhminh": ("foreign", 48),
    "cb-hahoa": ("private", 84),
    "cb-nhuaphuha": ("private", 36),
    "cb-datto": ("private", 24),
    "cb-viethung": ("foreign", 5),
}


@dataclass(frozen=True)
class DemoEnterprise:
    """An enterprise of the register without a party cell, with the stages it reached (days ago)."""

    name: str
    zone: str
    ownership: str
    workers: int
    young_workers: int
    trade_union: int | None  # days ago its trade union was founded; -1: before the register knew
    youth_union_members: int = 0
    youth_union: int | None = None  # days ago its Youth Union branch was founded, as above
    party_members: int = 0
    stages: tuple[tuple[Stage, int], ...] = ()


OLD = -1  # a stage reached before the register knew (no date)
ENTERPRISES: tuple[DemoEnterprise, ...] = (
    DemoEnterprise(
        "Công ty TNHH Điện tử Việt Trì",
        ZONE_THUY_VAN,
        "foreign",
        1800,
        1250,
        OLD,
        20,
        40,
        4,
        ((Stage.MEMBERS_ELSEWHERE, 400), (Stage.THREE_MEMBERS, 20)),
    ),
    DemoEnterprise(
        "Công ty TNHH Linh kiện Thụy Vân",
        ZONE_THUY_VAN,
        "foreign",
        1200,
        860,
        OLD,
        0,
        None,
        2,
        ((Stage.MEMBERS_ELSEWHERE, 150),),
    ),
    DemoEnterprise(
        "Công ty CP Bao bì Việt Trì",
        ZONE_THUY_VAN,
        "private",
        260,
        120,
        OLD,
        0,
        None,
        1,
        ((Stage.MEMBERS_ELSEWHERE, 90),),
    ),
    DemoEnterprise("Công ty TNHH Gỗ Tân Đức", ZONE_THUY_VAN, "private", 180, 70, None),
    DemoEnterprise("Công ty TNHH Hóa chất Thụy Vân", ZONE_THUY_VAN, "private", 320, 130, 75),
    DemoEnterprise("Công ty TNHH Sợi Thiên Nam", ZONE_THUY_VAN, "private", 540, 330, OLD),
    DemoEnterprise("Công ty TNHH Seowon Vina", ZONE_THUY_VAN, "foreign", 950, 640, OLD, 0, None, 1),
    DemoEnterprise("Công ty TNHH In Hưng Lô", ZONE_THUY_VAN, "private", 90, 45, None),
    DemoEnterprise("Công ty TNHH Cơ khí Minh Nông", ZONE_THUY_VAN, "private", 150, 60, None),
    DemoEnterprise("Công ty TNHH Thực phẩm Thanh Đình", ZONE_THUY_VAN, "private", 220, 140, OLD),
    DemoEnterprise(
        "Công ty TNHH Dệt may Phú Hà Vina",
        ZONE_PHU_HA,
        "foreign",
        1100,
        780,
        OLD,
        14,
        OLD,
        3,
        ((Stage.MEMBERS_ELSEWHERE, 300), (Stage.THREE_MEMBERS, 60)),
    ),
    DemoEnterprise("Công ty TNHH Điện tử Hà Thạch", ZONE_PHU_HA, "foreign", 520, 360, 120, 0, None, 1),
    DemoEnterprise("Công ty TNHH Giày Thanh Vinh", ZONE_PHU_HA, "foreign", 600, 310, OLD, 10, 15),
    DemoEnterprise("Công ty CP Gạch men Phú Hộ", ZONE_PHU_HA, "private", 210, 55, None),
    DemoEnterprise("Công ty TNHH Bao bì Hà Lộc", ZONE_PHU_HA, "private", 130, 40, None),
    DemoEnterprise("Công ty TNHH Nhựa Văn Lung", ZONE_PHU_HA, "private", 110, 30, None),
    DemoEnterprise("Công ty CP Chè Phú Hà", ZONE_PHU_HA, "state", 240, 50, OLD),
    DemoEnterprise("Công ty TNHH Cơ điện Hà Lộc", ZONE_PHU_HA, "private", 90, 30, None),
)

# The committee member's enterprises in the working group, with their contacts (days ago, kind, note).
WORKING_GROUP: dict[str, tuple[tuple[int, str, str], ...]] = {
    "Công ty TNHH Điện tử Việt Trì": (
        (
            75,
            "dialogue",
            "Đối thoại với Tổng giám đốc về thành lập chi bộ; doanh nghiệp đồng ý về nguyên tắc.",
        ),
        (12, "visit", "Làm việc với 4 đảng viên; đề nghị chuyển sinh hoạt về doanh nghiệp trước quý tới."),
    ),
    "Công ty TNHH Linh kiện Thụy Vân": (
        (95, "dialogue", "Trao đổi về Nghị định 98/2014; chủ doanh nghiệp còn e ngại."),
    ),
    "Công ty CP Bao bì Việt Trì": (),
    "Công ty TNHH Hóa chất Thụy Vân": (
        (30, "proposal", "Đề xuất Ban quản lý KCN hỗ trợ thành lập Chi đoàn."),
    ),
    "Công ty TNHH Seowon Vina": ((70, "visit", "Thăm xưởng, gặp ban chấp hành công đoàn."),),
    "Công ty TNHH Dệt may Phú Hà Vina": (
        (8, "dialogue", "Thống nhất lịch thành lập chi bộ sau khi chuyển sinh hoạt 3 đảng viên."),
    ),
    "Công ty TNHH Điện tử Hà Thạch": (),
    "Công ty TNHH Giày Thanh Vinh": ((45, "visit", "Dự lễ ra mắt Chi đoàn, 10 đoàn viên."),),
    "Công ty TNHH Kính Việt Hưng": ((100, "dialogue", "Bàn kế hoạch kết nạp đảng viên năm nay."),),
    "Công ty TNHH Thực phẩm Đất Tổ": ((20, "visit", "Làm việc với chi bộ về nguồn kết nạp."),),
}


def _check(person: DemoPerson, today: date) -> None:
    """Refuse a demo person the forms would refuse (steps out of order, a failed vote, an age)."""
    pipeline = Pipeline()
    for step, on in person.steps:
        reason = refusal(pipeline, step, on)
        if reason is not None or on > today:
            raise ValueError(f"demo: {person.full_name}: {step} on {on} is refused ({reason or 'future'})")
        pipeline = Pipeline({**pipeline.steps, step: on})
        if step is Step.CELL_VOTE and not (vote_passes(*person.vote) and eligible_age(person.birth_year, on)):
            raise ValueError(f"demo: {person.full_name}: the cell vote could not pass")


@dataclass
class _Writer:
    """Writes the records of the demo's cells inside one transaction, counting them by kind."""

    tx: Queryable
    cells: dict[str, Unit]
    zone: ZoneInfo
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)

    async def add(self, kind: str, code: str, values: dict[str, Any], on: date) -> int:
        """Store one record of a cell as if it was reported the evening of the day it happened."""
        reported = min(datetime.combine(on, time(20, 30), tzinfo=self.zone), self.now)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return await records.insert(self.tx, kind, self.cells[code].id, values, None, reported)


async def _enterprises(writer: _Writer, today: date) -> None:
    """Write each enterprise's snapshot of two months ago, and the newer ones of a few."""
    for demo_cell in CELLS:
        snapshots = [(today - timedelta(days=60), demo_cell.workers)]
        if demo_cell.code in UPDATED_ENTERPRISES:
            snapshots.append((today - timedelta(days=8), UPDATED_ENTERPRISES[demo_cell.code]))
        for on, workers in snapshots:
            values = {
                "on_date": on.isoformat(),
                "name": demo_cell.enterprise,
                "zone": demo_cell.zone,
                "workers": workers,
                "young_workers": demo_cell.young_workers,
                "union_members": demo_cell.union_members,
                "youth_union_members": demo_cell.youth_union_members,
                "members_elsewhere": demo_cell.members_elsewhere,
            }
            await writer.add("enterprise", demo_cell.code, values, on)


def _ago(today: date, days: int) -> date | None:
    """Return the day `days` before today (None for a stage reached before the register knew)."""
    return None if days == OLD else today - timedelta(days=days)


async def _register(writer: _Writer, today: date) -> int:
    """Write the enterprise register: each cell's enterprise (fed by its latest report, as the form
    does), then the enterprises of the zones without a cell. Return how many enterprises it holds."""
    tx, now = writer.tx, writer.now
    for demo_cell in CELLS:
        report = await records.latest(tx, "enterprise", writer.cells[demo_cell.code].id)
        assert report is not None
        entry = await enterprises.sync_from_report(tx, writer.cells[demo_cell.code].id, report, None, now)
        ownership, months = CELL_ENTERPRISES[demo_cell.code]
        await register.update(tx, entry, {"ownership": ownership}, now)
        founded = add_months(today, -months)
        await register.set_stage(tx, entry, Stage.CELL_FOUNDED.value, founded, None, now)
    committee = next(iter(writer.cells.values())).parent_id
    assert committee is not None
    for demo in ENTERPRISES:
        values = {
            "unit_id": committee,
            "name": demo.name,
            "zone": demo.zone,
            "ownership": demo.ownership,
            "workers": demo.workers,
            "young_workers": demo.young_workers,
            "youth_union_members": demo.youth_union_members,
            "party_members": demo.party_members,
            "members_elsewhere": demo.party_members,  # no cell to be registered in
        }
        entry = await register.insert(tx, values, None, None, now)
        dated = [(Stage.TRADE_UNION, demo.trade_union), (Stage.YOUTH_UNION, demo.youth_union), *demo.stages]
        for stage, days in dated:
            if days is not None:
                await register.set_stage(tx, entry, stage.value, _ago(today, days), None, now)
    return len(CELLS) + len(ENTERPRISES)


async def seed_working_group(db: Database, member_id: int, now: datetime, zone: ZoneInfo) -> int:
    """Give the committee member their enterprises in the working group, with the contacts they
    logged (some more than 60 days ago, two never); return how many contacts."""
    today = now.astimezone(zone).date()
    logged = 0
    async with db.transaction() as tx:
        for enterprise in await register.listing(tx, None):
            contacts = WORKING_GROUP.get(enterprise.name)
            if contacts is None:
                continue
            await register.assign(tx, enterprise.id, member_id, now)
            for days, kind, note in contacts:
                on = today - timedelta(days=days)
                logged_at = min(datetime.combine(on, time(17, 0), tzinfo=zone), now)
                await register.add_contact(tx, enterprise.id, on, kind, note, member_id, logged_at)
                logged += 1
    return logged


async def _people(writer: _Writer, demo_people: list[DemoPerson]) -> None:
    """Write the people and their pipeline steps."""
    for person in demo_people:
        values: dict[str, Any] = {
            "full_name": person.full_name,
            "birth_year": person.birth_year,
            "gender": person.gender,
            "position": person.position,
            "youth_union": int(person.youth_union),
            "helper1": person.helpers[0],
            "helper2": person.helpers[1],
            "note": person.note,
        }
        person_id = await writer.add("person", person.cell, values, person.steps[0][1])
        for step, on in person.steps:
            values = {"person_id": person_id, "step": step.value, "on_date": on.isoformat()}
            if step is Step.CELL_VOTE:
                values["votes_for"], values["official_members"] = person.vote
            if step is Step.ADMISSION_DECISION:
                values["decision_number"] = person.decision_number
            await writer.add("step", person.cell, values, on)


async def _activities_and_transfers(writer: _Writer, today: date) -> None:
    """Write the activities and transfers of the last weeks."""
    for code, days_ago, kind, title, participants, note in ACTIVITIES:
        on = today - timedelta(days=days_ago)
        values: dict[str, Any] = {
            "on_date": on.isoformat(),
            "kind": kind,
            "title": title,
            "participants": participants,
            "note": note,
        }
        await writer.add("activity", code, values, on)
    for code, direction, kind, study, member, days_ago, ends_in, letter_ago, done_ago, note in TRANSFERS:
        on = today - timedelta(days=days_ago)
        values = {
            "direction": direction,
            "kind": kind,
            "study": int(study),
            "member_name": member,
            "on_date": on.isoformat(),
            "end_date": (today + timedelta(days=ends_in)).isoformat() if ends_in is not None else None,
            "letter_date": (today - timedelta(days=letter_ago)).isoformat()
            if letter_ago is not None
            else None,
            "done_on": (today - timedelta(days=done_ago)).isoformat() if done_ago is not None else None,
            "note": note,
        }
        await writer.add("transfer", code, values, on)


async def seed(
    db: Database, now: datetime, zone: ZoneInfo, calendar: WorkingCalendar | None = None
) -> DemoSummary:
    """Write the demo committee, its cells and their records into a fresh database, in one transaction."""
    today = now.astimezone(zone).date()
    demo_people = people(today, calendar or WorkingCalendar())
    for person in demo_people:
        _check(person, today)
    async with db.transaction() as tx:
        if await units.count_below_root(tx):
            raise ValueError("demo: the database has units already; the demo goes into a fresh one")
        await units.rename(tx, units.ROOT_ID, COMMITTEE_NAME)
        committee = await units.get(tx, units.ROOT_ID)
        assert committee is not None
        cells = {
            c.code: await units.add(tx, c.code, c.name, committee.id, now - timedelta(days=90)) for c in CELLS
        }
        writer = _Writer(tx, cells, zone, now)
        await _enterprises(writer, today)
        for code, values in meetings(today):
            await writer.add("meeting", code, values, date.fromisoformat(str(values["on_date"])))
        registered = await _register(writer, today)
        await _people(writer, demo_people)
        await _activities_and_transfers(writer, today)
        members = sum(c.members for c in CELLS)
        await audit.record(
            tx,
            now,
            None,
            "demo.seed",
            unit_id=committee.id,
            new={"cells": len(cells), "members": members, **writer.counts},
        )
    return DemoSummary(
        committee=committee, cells=cells, members=members, counts=dict(writer.counts), enterprises=registered
    )


def demo_cell(code: str) -> DemoCell:
    """Return the demo cell with a code."""
    return next(c for c in CELLS if c.code == code)
