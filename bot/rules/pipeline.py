"""The admission pipeline of one person (DOMAIN.md): its steps, their order, and what may come next.

Pure data and functions: the forms use them to refuse a step out of order, the deadline rules
to know what is due, the digest to count what moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.i18n import N_, Translator
from bot.rules.calendar import ONE_DAY, add_months
from bot.rules.regulations import AWARENESS_VALID_MONTHS, PROBATION_MONTHS


class Step(StrEnum):
    """A dated step of a person's admission."""

    SOURCE = "source"  # quần chúng ưu tú: the cell starts preparing them
    AWARENESS_CLASS = "awareness_class"  # certificate of the class on the Party (valid 60 months)
    APPLICATION = "application"  # đơn xin vào Đảng (and the personal file, which we do not keep)
    CELL_VOTE = "cell_vote"  # the cell's vote, at least 2/3 of its official members
    ADMISSION_DECISION = "admission_decision"  # the superior committee's decision
    CEREMONY = "ceremony"  # lễ kết nạp: probation (12 months) starts this day
    RECOGNITION = "recognition"  # công nhận đảng viên chính thức
    NOT_RECOGNISED = "not_recognised"  # not recognised at the end of probation / removed (xóa tên)
    WITHDREW = "withdrew"  # the person or the cell stopped the process


# The main line, in order. NOT_RECOGNISED and WITHDREW end a pipeline instead.
ORDER: tuple[Step, ...] = (
    Step.SOURCE,
    Step.AWARENESS_CLASS,
    Step.APPLICATION,
    Step.CELL_VOTE,
    Step.ADMISSION_DECISION,
    Step.CEREMONY,
    Step.RECOGNITION,
)
TERMINAL = frozenset({Step.RECOGNITION, Step.NOT_RECOGNISED, Step.WITHDREW})

STEP_NAMES = {
    Step.SOURCE: N_("source (outstanding worker)"),
    Step.AWARENESS_CLASS: N_("awareness class certificate"),
    Step.APPLICATION: N_("application to join"),
    Step.CELL_VOTE: N_("cell consideration and vote"),
    Step.ADMISSION_DECISION: N_("admission decision"),
    Step.CEREMONY: N_("admission ceremony"),
    Step.RECOGNITION: N_("recognition as full member"),
    Step.NOT_RECOGNISED: N_("not recognised / removed"),
    Step.WITHDREW: N_("withdrew"),
}


@dataclass(frozen=True)
class Pipeline:
    """The dated steps one person has reached (each at most once)."""

    steps: dict[Step, date] = field(default_factory=dict)

    @property
    def last(self) -> Step | None:
        """Return the furthest step reached (a terminal step wins)."""
        for step in (Step.WITHDREW, Step.NOT_RECOGNISED):
            if step in self.steps:
                return step
        reached = [s for s in ORDER if s in self.steps]
        return reached[-1] if reached else None

    @property
    def finished(self) -> bool:
        """Tell whether the pipeline has ended (recognised, not recognised or withdrawn)."""
        return any(s in self.steps for s in TERMINAL)

    @property
    def last_date(self) -> date | None:
        """Return the date of the latest step."""
        return max(self.steps.values()) if self.steps else None

    def date_of(self, step: Step) -> date | None:
        """Return the date a step was reached, if it was."""
        return self.steps.get(step)


def next_steps(pipeline: Pipeline) -> list[Step]:
    """Return the steps that may be recorded next, in the order they are offered."""
    if pipeline.finished:
        return []
    last = pipeline.last
    index = ORDER.index(last) if last is not None else -1
    candidates = [ORDER[index + 1]] if index + 1 < len(ORDER) else []
    if Step.AWARENESS_CLASS in pipeline.steps and Step.ADMISSION_DECISION not in pipeline.steps:
        # A certificate expires after 60 months; the person retakes the class and a new one replaces it.
        candidates.append(Step.AWARENESS_CLASS)
    if Step.CEREMONY in pipeline.steps:
        # Only a probationary member can fail recognition.
        candidates.append(Step.NOT_RECOGNISED)
    candidates.append(Step.WITHDREW)
    return candidates


def refusal(pipeline: Pipeline, step: Step, when: date) -> str | None:
    """Return why a step cannot be recorded now (a catalog message), or None when it can."""
    if pipeline.finished:
        return N_("This person's admission has ended; no further step can be recorded.")
    if step not in next_steps(pipeline):
        return N_("Steps follow the order of the admission; the next step for this person is: {next}.")
    last_date = pipeline.last_date
    if last_date is not None and when < last_date:
        return N_("The date cannot be before the previous step ({previous}).")
    end = probation_ends(pipeline)
    if step is Step.RECOGNITION and end is not None and when <= end:
        # The 12 months are over at the end of their last day, and the cell's resolution comes after
        # them (QĐ 294, point 4.2): a ceremony on 15/03/2025 ends probation on 15/03/2026, recognition
        # dates from 15/03/2026, and the cell considers it from 16/03/2026 on.
        return N_("The probation ends on {end}; the cell considers recognition from {first} on.")
    valid_until = awareness_valid_until(pipeline)
    if step is Step.CELL_VOTE and valid_until is not None and when > valid_until:
        # HD 06-HD/TW: the certificate must still be valid on the day the cell considers the case.
        return N_(
            "The awareness class certificate expired on {expiry}; the cell considers the case only "
            "with a valid certificate. Record the new certificate (the class retaken) first."
        )
    return None


def probation_ends(pipeline: Pipeline) -> date | None:
    """Return the day probation ends: 12 calendar months after the ceremony (Charter, Điều 5.1)."""
    ceremony = pipeline.date_of(Step.CEREMONY)
    return None if ceremony is None else add_months(ceremony, PROBATION_MONTHS)


def awareness_valid_until(pipeline: Pipeline) -> date | None:
    """Return the last day the awareness-class certificate is valid: 60 months after it (HD 06-HD/TW)."""
    certificate = pipeline.date_of(Step.AWARENESS_CLASS)
    return None if certificate is None else add_months(certificate, AWARENESS_VALID_MONTHS)


# The mentor log: the cell writes a note on a probationary member in each quarter of the probation.
PROBATION_QUARTERS = 4
MONTHS_PER_QUARTER = PROBATION_MONTHS // PROBATION_QUARTERS
# A quarter's note is asked for in its last week.
MENTOR_REMINDER_DAYS = 7


@dataclass(frozen=True)
class Quarter:
    """A quarter of the probation: 1 is months 1-3 from the ceremony ... 4 is months 10-12."""

    number: int
    start: date  # its first day
    end: date  # its last day

    def holds(self, day: date) -> bool:
        """Tell whether a day falls in this quarter."""
        return self.start <= day <= self.end

    def last_week(self, day: date) -> bool:
        """Tell whether a day is in the quarter's last week (its last 7 days)."""
        return self.end - timedelta(days=MENTOR_REMINDER_DAYS - 1) <= day <= self.end


def probation_quarters(ceremony: date) -> list[Quarter]:
    """Return the four quarters of the probation that starts on the ceremony day."""
    starts = [add_months(ceremony, MONTHS_PER_QUARTER * i) for i in range(PROBATION_QUARTERS + 1)]
    return [Quarter(i + 1, starts[i], starts[i + 1] - timedelta(days=1)) for i in range(PROBATION_QUARTERS)]


def explain_refusal(
    pipeline: Pipeline, step: Step, when: date, t: Translator
) -> tuple[str, dict[str, str]] | None:
    """Return why a step cannot be recorded (a catalog message) with its parameters, or None."""
    reason = refusal(pipeline, step, when)
    if reason is None:
        return None
    end = probation_ends(pipeline)
    expiry = awareness_valid_until(pipeline)
    return reason, {
        "next": ", ".join(t(STEP_NAMES[s]) for s in next_steps(pipeline)),
        "previous": t.date(pipeline.last_date) if pipeline.last_date else "",
        "end": t.date(end) if end else "",
        "first": t.date(end + ONE_DAY) if end else "",
        "expiry": t.date(expiry) if expiry else "",
    }
