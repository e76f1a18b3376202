"""The numbers the party's texts set, each written once, with the text and clause it comes from.

The texts in force (DOMAIN.md): the Party Charter (Điều lệ Đảng); Quy định 294-QĐ/TW (26/5/2025, in force
1/7/2025), which implements the Charter and replaced Quy định 24-QĐ/TW (2021); Hướng dẫn 06-HD/TW
(9/6/2025), which replaced Hướng dẫn 12-HD/TW (2022); Hướng dẫn 42-HD/BTCTW (28/10/2025) on the quality of
cell meetings. Each clause below was checked against the secondary sources DOMAIN.md names (the press and
official portals' summaries of these texts: the full texts are not public); a clause number given "as in
QĐ 24" is the point that carried the same rule in the text QĐ 294 replaced.

Two kinds of numbers live here:
- statutory ones, which only the Central Committee changes (it announced a revision of QĐ 294 during 2026):
  plain constants, changed here, in one place, when a new text comes out;
- the ones the superior committee may set otherwise for its cells (HD 42: the length of meetings in
  small cells): `MeetingRules`, a setting of the deployment (`bot/config.py`, CHIBO_MEETING_MINUTES and
  CHIBO_MEETING_THEMATIC_MINUTES), with these defaults.
The calendar's official days (the Government's yearly decisions) are data: bot/rules/calendar_data/.
"""

from __future__ import annotations

from dataclasses import dataclass

# ----- Admission (kết nạp) -------------------------------------------------------------------------

# Charter, Điều 1.2, and QĐ 294, point 1.1: full 18 to full 60 years of age (counted in months) on the
# day the cell considers the case. Past 60 only with the approval of a committee directly under the
# Central Committee (a province-level one): a warning, not a refusal.
MIN_AGE = 18
MAX_AGE = 60

# Charter, Điều 4.3: the cell's vote needs at least two thirds of its official members in favour
# (numerator and denominator, so the comparison stays in integers). QĐ 294, point 9.3.2: members on a
# temporary transfer elsewhere and members exempted from meetings who are absent are not counted.
VOTE_NUMERATOR = 2
VOTE_DENOMINATOR = 3

# Charter, Điều 21 and QĐ 294 (on the cell): a cell has at least three official members.
MIN_OFFICIAL_MEMBERS = 3

# HD 06-HD/TW, point 3 (as HD 12-HD/TW, point 3.1): the certificate of the awareness class (lớp bồi
# dưỡng nhận thức về Đảng) is valid 60 months from its issue, and must still be valid on the day the
# cell considers the case (not on the day of the decision).
AWARENESS_VALID_MONTHS = 60

# QĐ 294, point 4.1 (as QĐ 24, point 4.1): the cell holds the admission ceremony within 30 working days
# of receiving the decision; later only with the direct superior committee's consent.
CEREMONY_WORKING_DAYS = 30

# Charter, Điều 5.1: probation lasts 12 months from the ceremony.
PROBATION_MONTHS = 12

# QĐ 294, point 4.2 (as QĐ 24, point 4.2): the cell considers recognition within 30 working days after
# the 12 months end, with the same two thirds of official members as admission (Charter, Điều 5.3);
# recognition dates from the end of the 12 months however late the cell meets, and the cell's
# resolution is made after the 12 months have ended, so its first possible day is the day after.
RECOGNITION_WORKING_DAYS = 30

# ----- Transfers (chuyển sinh hoạt đảng) ---------------------------------------------------------------

# QĐ 294, point 6.3.1: an official transfer is done within 60 working days of the decision taking effect
# (or of the change of long-term residence): the sending side issues the introduction letter by then.
OFFICIAL_TRANSFER_WORKING_DAYS = 60
# QĐ 294, point 6.3.1: the member presents the introduction letter to the receiving cell within 30
# working days of its issue.
LETTER_WORKING_DAYS = 30
# QĐ 294, point 6.3.2: a temporary transfer lasts from 3 months to under 12 months; for study, up to 24.
TEMPORARY_MIN_MONTHS = 3
TEMPORARY_MAX_MONTHS = 12  # exclusive: "under 12 months"
STUDY_MAX_MONTHS = 24  # inclusive

# ----- Cell meetings (sinh hoạt chi bộ) --------------------------------------------------------------

# Charter, Điều 24.3 and HD 42-HD/BTCTW: a thematic meeting (sinh hoạt chuyên đề) at least once a quarter;
# it never replaces the month's regular meeting.
THEMATIC_PER_QUARTER = 1


@dataclass(frozen=True)
class MeetingRules:
    """How long a cell meeting lasts at least (HD 42-HD/BTCTW, 28/10/2025; the competent committee may set
    other lengths for small cells, so a deployment's setting)."""

    # The regular monthly meeting (sinh hoạt chi bộ thường kỳ, Charter Điều 24.3: monthly): 90 minutes.
    regular_minutes: int = 90
    # A regular meeting with a thematic part in the same session: 120 minutes. A thematic meeting held
    # on its own is not held to this length.
    with_thematic_minutes: int = 120


MEETING_RULES = MeetingRules()
