"""The statutory deadlines, eligibility and reminders, on fixed dates worked out by hand."""

from datetime import date

import pytest

from bot.rules.calendar import WorkingCalendar
from bot.rules.deadlines import (
    Deadline,
    Direction,
    Kind,
    State,
    TransferFacts,
    TransferKind,
    TransferStep,
    age_at,
    awareness_expiry,
    ceremony_deadline,
    deadlines_for,
    eligible_age,
    open_transfer_deadlines,
    pending_reminders,
    pipeline_deadlines,
    probation_end,
    recognition_deadline,
    recognition_effective_date,
    reminder_due,
    transfer_deadlines,
    transfer_next_steps,
    transfer_step_refusal,
    vote_passes,
    votes_needed,
)
from bot.rules.pipeline import Pipeline, Step

CAL = WorkingCalendar()

# A decision on Sunday 20/12/2026. Day 1 is Mon 21/12; December gives 21-25 and 28-31 (9); Fri
# 01/01/2027 is off; January 04-29 is four full weeks (29); Mon 01/02/2027 is the 30th working day.
DECISION = date(2026, 12, 20)
CEREMONY_DUE = date(2027, 2, 1)

# A ceremony on Mon 15/03/2027: probation ends Wed 15/03/2028. Recognition counts from there:
# Thu 16, Fri 17 (2); weeks of 20/03 and 27/03 (12); Mon 03/04 (13); Tue 04/04/2028 is Hung Kings'
# Day; Wed 05 to Fri 07 (16); weeks of 10/04 and 17/04 (26); Mon 24 to Thu 27/04/2028 (30).
CEREMONY = date(2027, 3, 15)
PROBATION_END = date(2028, 3, 15)
RECOGNITION_DUE = date(2028, 4, 27)


def admitted(**extra: date) -> Pipeline:
    """Return a pipeline up to the admission decision of 20/12/2026, plus the given steps."""
    steps = {
        Step.SOURCE: date(2025, 9, 1),
        Step.AWARENESS_CLASS: date(2025, 10, 10),
        Step.APPLICATION: date(2025, 11, 3),
        Step.CELL_VOTE: date(2026, 11, 20),
        Step.ADMISSION_DECISION: DECISION,
    }
    steps.update({Step(name): when for name, when in extra.items()})
    return Pipeline(steps)


# --- Deadline.state --------------------------------------------------------------------------


def test_state_boundaries() -> None:
    deadline = Deadline(Kind.CEREMONY, due=CEREMONY_DUE, counts_from=DECISION)
    assert deadline.state(date(2026, 12, 21)) is State.UPCOMING  # 42 days left
    assert deadline.state(date(2027, 1, 1)) is State.UPCOMING  # 31 days left
    assert deadline.state(date(2027, 1, 2)) is State.DUE_SOON  # 30 days left
    assert deadline.state(CEREMONY_DUE) is State.DUE_SOON  # the last day is still on time
    assert deadline.state(date(2027, 2, 2)) is State.OVERDUE
    assert deadline.state(date(2027, 1, 2), soon_days=7) is State.UPCOMING
    assert deadline.state(date(2027, 1, 25), soon_days=7) is State.DUE_SOON
    assert deadline.days_left(date(2027, 1, 25)) == 7
    assert deadline.days_left(date(2027, 2, 3)) == -2


def test_done_counts_from_the_day_it_was_met() -> None:
    deadline = Deadline(Kind.CEREMONY, due=CEREMONY_DUE, counts_from=DECISION, done_on=date(2027, 1, 15))
    assert deadline.state(date(2027, 1, 14)) is State.DUE_SOON  # planned, not held yet
    assert deadline.state(date(2027, 1, 15)) is State.DONE
    late = Deadline(Kind.CEREMONY, due=CEREMONY_DUE, counts_from=DECISION, done_on=date(2027, 2, 10))
    assert late.state(date(2027, 2, 5)) is State.OVERDUE
    assert late.state(date(2027, 2, 10)) is State.DONE  # met late is still met


# --- Admission rules -------------------------------------------------------------------------


def test_ceremony_within_30_working_days_across_new_year() -> None:
    assert ceremony_deadline(Pipeline({Step.SOURCE: date(2026, 1, 5)}), CAL) is None
    deadline = ceremony_deadline(admitted(), CAL)
    assert deadline == Deadline(Kind.CEREMONY, due=CEREMONY_DUE, counts_from=DECISION)
    held = ceremony_deadline(admitted(ceremony=date(2027, 1, 15)), CAL)
    assert held is not None and held.done_on == date(2027, 1, 15)


def test_ceremony_within_30_working_days_across_tet_2027() -> None:
    # Decision Fri 15/01/2027: weeks of 18/01 and 25/01 (10); Mon 01 to Wed 03/02 (13); Thu 04 to
    # Wed 10/02 off for Tết; Thu 11, Fri 12 (15); weeks of 15/02, 22/02 (25); 01-05/03 (30): Fri 05/03.
    pipeline = Pipeline({Step.ADMISSION_DECISION: date(2027, 1, 15)})
    deadline = ceremony_deadline(pipeline, CAL)
    assert deadline is not None and deadline.due == date(2027, 3, 5)


def test_ceremony_deadline_moves_with_an_admin_day_off() -> None:
    # One more day off inside the period (Tue 12/01/2027) pushes day 30 from Mon 01/02 to Tue 02/02.
    cal = WorkingCalendar(extra_days_off=[date(2027, 1, 12)])
    deadline = ceremony_deadline(admitted(), cal)
    assert deadline is not None and deadline.due == date(2027, 2, 2)


def test_probation_ends_12_months_after_the_ceremony() -> None:
    assert probation_end(admitted()) is None
    end = probation_end(admitted(ceremony=CEREMONY))
    assert end == Deadline(Kind.PROBATION_END, due=PROBATION_END, counts_from=CEREMONY, done_on=PROBATION_END)
    assert end.state(date(2028, 3, 14)) is State.DUE_SOON
    assert end.state(PROBATION_END) is State.DONE  # it ends by itself, never overdue
    assert end.state(date(2028, 6, 1)) is State.DONE


def test_probation_from_29_february_ends_28_february() -> None:
    pipeline = Pipeline({Step.ADMISSION_DECISION: date(2028, 2, 1), Step.CEREMONY: date(2028, 2, 29)})
    end = probation_end(pipeline)
    assert end is not None and end.due == date(2029, 2, 28)  # 2029 has no 29/02
    assert recognition_effective_date(pipeline) == date(2029, 2, 28)
    # Recognition: after Wed 28/02/2029 come Thu 01, Fri 02/03 (2); five weeks 05/03 to 06/04 (27);
    # Mon 09, Tue 10, Wed 11/04/2029 (30). Hung Kings' Day 2029 is 23/04, after.
    deadline = recognition_deadline(pipeline, CAL)
    assert deadline is not None and deadline.due == date(2029, 4, 11)
    assert deadline.counts_from == date(2029, 2, 28)


def test_recognition_within_30_working_days_of_probation_end() -> None:
    assert recognition_deadline(admitted(), CAL) is None
    deadline = recognition_deadline(admitted(ceremony=CEREMONY), CAL)
    assert deadline == Deadline(Kind.RECOGNITION, due=RECOGNITION_DUE, counts_from=PROBATION_END)
    assert deadline.state(date(2028, 2, 1)) is State.UPCOMING  # 86 days left
    assert deadline.state(date(2028, 4, 1)) is State.DUE_SOON
    assert deadline.state(date(2028, 4, 28)) is State.OVERDUE


@pytest.mark.parametrize("outcome", ["recognition", "not_recognised"])
def test_either_outcome_meets_the_recognition_deadline(outcome: str) -> None:
    deadline = recognition_deadline(admitted(ceremony=CEREMONY, **{outcome: date(2028, 4, 10)}), CAL)
    assert deadline is not None and deadline.state(date(2028, 4, 10)) is State.DONE


def test_recognition_dates_from_probation_end_even_when_the_cell_meets_late() -> None:
    late = admitted(ceremony=CEREMONY, recognition=date(2028, 5, 20))
    assert recognition_effective_date(late) == PROBATION_END
    assert recognition_effective_date(admitted(ceremony=CEREMONY)) == PROBATION_END  # when recording it
    assert recognition_effective_date(admitted()) is None
    assert recognition_effective_date(admitted(ceremony=CEREMONY, not_recognised=date(2028, 4, 1))) is None
    assert recognition_effective_date(admitted(ceremony=CEREMONY, withdrew=date(2027, 9, 1))) is None


def test_awareness_certificate_valid_60_months() -> None:
    pipeline = Pipeline({Step.SOURCE: date(2020, 9, 1), Step.AWARENESS_CLASS: date(2021, 3, 10)})
    deadline = awareness_expiry(pipeline)
    # Valid through 10/03/2026 (the same day 60 months on); from 11/03 the class must be retaken.
    assert deadline == Deadline(Kind.AWARENESS_EXPIRY, due=date(2026, 3, 10), counts_from=date(2021, 3, 10))
    assert deadline.state(date(2026, 1, 1)) is State.UPCOMING
    assert deadline.state(date(2026, 2, 20)) is State.DUE_SOON
    assert deadline.state(date(2026, 3, 10)) is State.DUE_SOON
    assert deadline.state(date(2026, 3, 11)) is State.OVERDUE
    assert awareness_expiry(Pipeline({Step.SOURCE: date(2020, 9, 1)})) is None


def test_awareness_certificate_of_29_february() -> None:
    deadline = awareness_expiry(Pipeline({Step.AWARENESS_CLASS: date(2024, 2, 29)}))
    assert deadline is not None and deadline.due == date(2029, 2, 28)


def test_the_cell_vote_meets_the_awareness_deadline() -> None:
    # HD 06-HD/TW: the certificate must be valid when the cell considers the case, not at the decision.
    deadline = awareness_expiry(admitted())
    assert deadline is not None
    assert deadline.done_on == date(2026, 11, 20)  # the cell's vote
    assert deadline.state(date(2026, 11, 20)) is State.DONE
    applied = Pipeline(
        {
            Step.SOURCE: date(2020, 9, 1),
            Step.AWARENESS_CLASS: date(2021, 3, 10),
            Step.APPLICATION: date(2021, 5, 1),
        }
    )
    assert [d.kind for d in deadlines_for(applied, CAL, date(2026, 2, 20))] == [Kind.AWARENESS_EXPIRY]


# --- deadlines_for ---------------------------------------------------------------------------


def test_a_source_with_a_certificate_has_its_expiry_open() -> None:
    pipeline = Pipeline({Step.SOURCE: date(2025, 9, 1), Step.AWARENESS_CLASS: date(2025, 10, 10)})
    assert deadlines_for(pipeline, CAL, date(2026, 1, 5)) == [
        Deadline(Kind.AWARENESS_EXPIRY, due=date(2030, 10, 10), counts_from=date(2025, 10, 10))
    ]
    assert deadlines_for(Pipeline({Step.SOURCE: date(2025, 9, 1)}), CAL, date(2026, 1, 5)) == []


def test_after_the_decision_only_the_ceremony_is_open() -> None:
    assert [d.kind for d in deadlines_for(admitted(), CAL, date(2026, 12, 21))] == [Kind.CEREMONY]


def test_during_probation_its_end_then_recognition_sorted_by_due_date() -> None:
    pipeline = admitted(ceremony=CEREMONY)
    assert deadlines_for(pipeline, CAL, date(2027, 6, 1)) == [
        Deadline(Kind.PROBATION_END, due=PROBATION_END, counts_from=CEREMONY, done_on=PROBATION_END),
        Deadline(Kind.RECOGNITION, due=RECOGNITION_DUE, counts_from=PROBATION_END),
    ]
    # Once probation has ended, only recognition is left, overdue after 27/04/2028.
    after = deadlines_for(pipeline, CAL, date(2028, 5, 2))
    assert [(d.kind, d.state(date(2028, 5, 2))) for d in after] == [(Kind.RECOGNITION, State.OVERDUE)]


def test_an_ended_pipeline_has_no_open_deadline() -> None:
    today = date(2027, 1, 10)
    assert deadlines_for(admitted(withdrew=date(2027, 1, 5)), CAL, today) == []
    recognised = admitted(ceremony=CEREMONY, recognition=date(2028, 4, 3))
    assert deadlines_for(recognised, CAL, date(2028, 4, 3)) == []
    # pipeline_deadlines still lists what was met, for the digest, by due date: the certificate of
    # 10/10/2025 would have expired last, on 10/10/2030.
    assert [d.kind for d in pipeline_deadlines(recognised, CAL)] == [
        Kind.CEREMONY,
        Kind.PROBATION_END,
        Kind.RECOGNITION,
        Kind.AWARENESS_EXPIRY,
    ]


# --- Transfers -------------------------------------------------------------------------------


def test_official_transfer_within_60_working_days_across_new_year_and_tet() -> None:
    # From Sun 20/12/2026: 30 on Mon 01/02/2027 (see DECISION); Tue 02, Wed 03 (32); Tết Thu 04 to
    # Wed 10/02; Thu 11, Fri 12 (34); weeks of 15/02 to 15/03 (59); Mon 22/03/2027 is the 60th.
    transfer = TransferFacts(TransferKind.OFFICIAL, Direction.OUT, date(2026, 12, 20))
    assert transfer_deadlines(transfer, CAL) == [
        Deadline(Kind.OFFICIAL_TRANSFER, due=date(2027, 3, 22), counts_from=date(2026, 12, 20))
    ]
    assert transfer_next_steps(transfer) == [TransferStep.LETTER, TransferStep.RECEIVED]


def test_a_transfer_out_is_a_letter_then_a_receipt_within_30_working_days() -> None:
    # The letter is issued on Fri 05/03/2027; 30 working days from it: March 08-31 (18), April 01-02 (20),
    # Mon 05 to Fri 16/04 (Fri 16/04/2027 is Hùng Kings' Day, off: 29), Mon 19/04/2027 is the 30th.
    transfer = TransferFacts(
        TransferKind.OFFICIAL, Direction.OUT, date(2026, 12, 20), letter_date=date(2027, 3, 5)
    )
    assert transfer_deadlines(transfer, CAL) == [
        Deadline(Kind.OFFICIAL_TRANSFER, date(2027, 3, 22), date(2026, 12, 20), done_on=date(2027, 3, 5)),
        Deadline(Kind.TRANSFER_RECEIPT, date(2027, 4, 19), counts_from=date(2027, 3, 5)),
    ]
    assert transfer_next_steps(transfer) == [TransferStep.RECEIVED]
    assert [d.kind for d in open_transfer_deadlines(transfer, CAL, date(2027, 4, 20))] == [
        Kind.TRANSFER_RECEIPT
    ]
    assert (
        open_transfer_deadlines(transfer, CAL, date(2027, 4, 20))[0].state(date(2027, 4, 20)) is State.OVERDUE
    )


def test_a_completed_transfer_has_nothing_open_even_past_every_due_date() -> None:
    # Received on 20/05/2027, late and without a letter recorded: nothing is overdue from that day on.
    transfer = TransferFacts(
        TransferKind.OFFICIAL, Direction.OUT, date(2026, 12, 20), done_on=date(2027, 5, 20)
    )
    assert transfer.completed and transfer_next_steps(transfer) == []
    assert open_transfer_deadlines(transfer, CAL, date(2027, 5, 20)) == []
    assert open_transfer_deadlines(transfer, CAL, date(2030, 1, 1)) == []
    assert all(d.state(date(2030, 1, 1)) is State.DONE for d in transfer_deadlines(transfer, CAL))


def test_an_official_transfer_in_is_due_to_arrive_30_working_days_after_the_letter() -> None:
    # A letter of Thu 14/01/2027: January 15-29 (11), Mon 01 to Wed 03/02 (14), Tết 04-10/02, Thu 11, Fri
    # 12 (16), weeks of 15/02 and 22/02 (26), Mon 01 to Thu 04/03/2027 is the 30th.
    transfer = TransferFacts(TransferKind.OFFICIAL, Direction.IN, date(2027, 1, 14))
    assert transfer_deadlines(transfer, CAL) == [
        Deadline(Kind.TRANSFER_ARRIVAL, date(2027, 3, 4), counts_from=date(2027, 1, 14))
    ]
    assert transfer_next_steps(transfer) == [TransferStep.ARRIVED]


def test_temporary_transfer_ends_on_its_end_date() -> None:
    transfer = TransferFacts(TransferKind.TEMPORARY, Direction.IN, date(2027, 3, 1), date(2027, 8, 31))
    (deadline,) = transfer_deadlines(transfer, CAL)
    assert deadline == Deadline(
        Kind.TEMPORARY_TRANSFER_END, due=date(2027, 8, 31), counts_from=date(2027, 3, 1)
    )
    assert deadline.state(date(2027, 9, 1)) is State.OVERDUE  # the return is not recorded
    assert transfer_next_steps(transfer) == [TransferStep.RETURNED]
    back = TransferFacts(
        TransferKind.TEMPORARY, Direction.IN, date(2027, 3, 1), date(2027, 8, 31), done_on=date(2027, 9, 2)
    )
    assert open_transfer_deadlines(back, CAL, date(2027, 9, 2)) == []


def test_a_step_of_a_transfer_is_refused_out_of_order_or_before_its_dates() -> None:
    out = TransferFacts(TransferKind.OFFICIAL, Direction.OUT, date(2027, 1, 4), letter_date=date(2027, 1, 8))
    assert transfer_step_refusal(out, TransferStep.RECEIVED, date(2027, 1, 20)) is None
    assert transfer_step_refusal(out, TransferStep.LETTER, date(2027, 1, 20)) is not None  # recorded already
    assert "letter" in (transfer_step_refusal(out, TransferStep.RECEIVED, date(2027, 1, 7)) or "")
    assert "first date" in (
        transfer_step_refusal(
            TransferFacts(TransferKind.OFFICIAL, Direction.IN, date(2027, 1, 4)),
            TransferStep.ARRIVED,
            date(2027, 1, 3),
        )
        or ""
    )
    done = TransferFacts(TransferKind.OFFICIAL, Direction.IN, date(2027, 1, 4), done_on=date(2027, 1, 5))
    assert "completed" in (transfer_step_refusal(done, TransferStep.ARRIVED, date(2027, 1, 6)) or "")


def test_transfer_facts_must_fit_their_kind() -> None:
    with pytest.raises(ValueError, match="end date"):
        TransferFacts(TransferKind.TEMPORARY, Direction.IN, date(2027, 3, 1))
    with pytest.raises(ValueError, match="before it starts"):
        TransferFacts(TransferKind.TEMPORARY, Direction.IN, date(2027, 3, 1), date(2027, 2, 1))
    with pytest.raises(ValueError, match="no end date"):
        TransferFacts(TransferKind.OFFICIAL, Direction.IN, date(2027, 3, 1), date(2027, 6, 1))
    with pytest.raises(ValueError, match="letter"):
        TransferFacts(TransferKind.OFFICIAL, Direction.IN, date(2027, 3, 1), letter_date=date(2027, 3, 2))
    with pytest.raises(ValueError, match="before the decision"):
        TransferFacts(TransferKind.OFFICIAL, Direction.OUT, date(2027, 3, 1), letter_date=date(2027, 2, 2))
    with pytest.raises(ValueError, match="completed before"):
        TransferFacts(TransferKind.OFFICIAL, Direction.IN, date(2027, 3, 1), done_on=date(2027, 2, 2))


# --- Eligibility -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_year", "age", "eligible"),
    [(2009, 17, False), (2008, 18, True), (1966, 60, True), (1965, 61, False)],
)
def test_age_bounds_on_the_day_the_cell_considers_the_case(birth_year: int, age: int, eligible: bool) -> None:
    considered = date(2026, 5, 15)
    assert age_at(birth_year, considered) == age
    assert eligible_age(birth_year, considered) is eligible


def test_age_counts_the_birth_year_only() -> None:
    # Born (some day) in 2008: 18 all through 2026, from 1 January.
    assert age_at(2008, date(2026, 1, 1)) == 18
    assert age_at(2008, date(2025, 12, 31)) == 17


@pytest.mark.parametrize(
    ("votes_for", "members", "passes"),
    [
        (6, 9, True),  # 18 >= 18: exactly 2/3
        (5, 8, False),  # 15 < 16
        (6, 8, True),  # 18 >= 16
        (2, 3, True),  # 6 >= 6, the smallest cell
        (1, 3, False),
        (7, 10, True),  # 21 >= 20
        (6, 10, False),  # 18 < 20
        (2, 2, False),  # a cell needs at least 3 official members
        (0, 0, False),
    ],
)
def test_vote_needs_two_thirds_of_official_members(votes_for: int, members: int, passes: bool) -> None:
    assert vote_passes(votes_for, members) is passes


@pytest.mark.parametrize(("members", "needed"), [(3, 2), (8, 6), (9, 6), (10, 7), (31, 21)])
def test_votes_needed_is_the_least_that_passes(members: int, needed: int) -> None:
    assert vote_passes(needed, members) and not vote_passes(needed - 1, members)
    assert votes_needed(members) == needed


@pytest.mark.parametrize(("votes_for", "members"), [(10, 9), (-1, 5)])
def test_impossible_vote_counts_are_refused(votes_for: int, members: int) -> None:
    with pytest.raises(ValueError, match="official members"):
        vote_passes(votes_for, members)


# --- Reminders -------------------------------------------------------------------------------

DUE = Deadline(Kind.CEREMONY, due=CEREMONY_DUE, counts_from=DECISION)  # Mon 01/02/2027


def test_reminder_due_gives_the_latest_offset_that_has_come() -> None:
    assert reminder_due(DUE, date(2027, 1, 1)) is None  # 31 days left
    assert reminder_due(DUE, date(2027, 1, 2)) == 30
    assert reminder_due(DUE, date(2027, 1, 20)) == 30  # 12 days left
    assert reminder_due(DUE, date(2027, 1, 25)) == 7
    assert reminder_due(DUE, date(2027, 1, 31)) == 1
    assert reminder_due(DUE, CEREMONY_DUE) == 1  # the due day: still the last reminder
    assert reminder_due(DUE, date(2027, 2, 2)) is None  # overdue: see pending_reminders
    assert reminder_due(DUE, date(2027, 1, 29), offsets=(14, 3)) == 3
    with pytest.raises(ValueError, match="negative"):
        reminder_due(DUE, date(2027, 1, 29), offsets=(7, -1))


def test_daily_run_sends_each_reminder_once() -> None:
    sent: set[str] = set()
    log: list[tuple[date, str]] = []
    day = date(2026, 12, 25)
    while day <= date(2027, 2, 10):
        for key in pending_reminders(DUE, day, sent=sent):
            sent.add(key)
            log.append((day, key))
        day = date.fromordinal(day.toordinal() + 1)
    # 30 days before Mon 01/02 is Sat 02/01, 7 days is Mon 25/01, 1 day is Sun 31/01.
    assert log == [
        (date(2027, 1, 2), "d30"),
        (date(2027, 1, 25), "d7"),
        (date(2027, 1, 31), "d1"),
        (date(2027, 2, 2), "overdue"),
    ]


def test_missed_days_send_only_the_latest_reminder() -> None:
    # Down from 01/01 to 29/01: on Fri 29/01 (3 days left) "d30" and "d7" are both unsent; only "d7".
    assert pending_reminders(DUE, date(2027, 1, 29), sent=set()) == ["d7"]
    # Down until the due day itself: "d1" (the text says "today", from days_left).
    assert pending_reminders(DUE, CEREMONY_DUE, sent={"d30"}) == ["d1"]
    # Down over the due date: one overdue notice, none of the three reminders.
    assert pending_reminders(DUE, date(2027, 2, 8), sent=set()) == ["overdue"]
    assert pending_reminders(DUE, date(2027, 2, 9), sent={"overdue"}) == []


def test_reminders_never_step_back_and_stop_when_met() -> None:
    # "d7" went out; the due date then moved later by a day off, putting us 12 days before it.
    assert pending_reminders(DUE, date(2027, 1, 20), sent={"d7"}) == []
    assert pending_reminders(DUE, date(2027, 1, 20), sent={"d7", "someone-else's-key"}) == []
    assert pending_reminders(DUE, date(2027, 1, 20), sent={"someone-else's-key"}) == ["d30"]
    assert pending_reminders(DUE, date(2027, 1, 1), sent=set()) == []  # too early
    met = Deadline(Kind.CEREMONY, due=CEREMONY_DUE, counts_from=DECISION, done_on=date(2027, 1, 20))
    assert pending_reminders(met, date(2027, 1, 25), sent={"d30"}) == []
    assert pending_reminders(met, date(2027, 2, 5), sent={"d30"}) == []


def test_probation_end_gets_reminders_but_no_overdue_notice() -> None:
    end = Deadline(Kind.PROBATION_END, due=PROBATION_END, counts_from=CEREMONY, done_on=PROBATION_END)
    assert pending_reminders(end, date(2028, 3, 8), sent={"d30"}) == ["d7"]
    assert pending_reminders(end, date(2028, 3, 20), sent={"d30", "d7", "d1"}) == []
