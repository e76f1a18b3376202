"""The forms of chibo, declared as data: the cell's reports (/candidate, /progress, /transfer, /meeting,
/activity, /enterprise, /mentor) and the enterprise register's (an enterprise added or corrected, a contact,
a stage, a cell founded, a working group member assigned). Each says what it asks, what it refuses,
and how its answers are stored."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from bot.features import enterprises
from bot.features.admin import CODE_RE
from bot.features.duties import transfer_facts
from bot.features.transfers import STEP_NAMES as TRANSFER_STEP_NAMES
from bot.features.transfers import close_matching_out
from bot.features.transfers import label as transfer_label
from bot.features.transfers import next_steps as transfer_next
from bot.forms.fields import (
    Answers,
    Check,
    Choice,
    Field,
    Form,
    FormContext,
    Invalid,
    Kind,
    Previous,
    Problem,
    label_key,
)
from bot.i18n import N_
from bot.rules.deadlines import (
    TransferStep,
    age_at,
    eligible_age,
    temporary_length_refusal,
    transfer_step_refusal,
    vote_passes,
    votes_needed,
)
from bot.rules.enterprises import STAGE_NAMES, Stage, stage_refusal, stages_to_record
from bot.rules.pipeline import (
    PROBATION_QUARTERS,
    STEP_NAMES,
    Pipeline,
    Step,
    explain_refusal,
    next_steps,
    probation_quarters,
)
from bot.rules.regulations import MIN_OFFICIAL_MEMBERS
from storage import enterprises as enterprise_register
from storage import mentor, records, units
from storage import transfers as transfer_store
from storage.database import Queryable
from storage.digest_queries import TransferRow
from storage.models import Role
from storage.names import name_key

# ----- shared rules ----------------------------------------------------------------------------


def _unit(answers: Answers) -> int:
    return int(answers["_unit"])


def _date(value: Any) -> date:
    return date.fromisoformat(value)


def _month_of(day: date) -> tuple[date, date]:
    """Return the first and the last day of a date's month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _latest(kind: str, *, having: str | None = None) -> Previous:
    """Return the loader of a cell's latest record of a kind, whose answers repeat in the next report."""

    async def previous(db: Queryable, unit_id: int) -> Answers | None:
        return await records.latest(db, kind, unit_id, having=having)

    return previous


# ----- /candidate: a new source ------------------------------------------------------------------

GENDERS = (Choice("male", N_("Male")), Choice("female", N_("Female")))
POSITIONS = (
    Choice("worker", N_("Worker")),
    Choice("team_leader", N_("Team leader")),
    Choice("technician", N_("Technician or engineer")),
    Choice("manager", N_("Manager")),
    Choice("director", N_("Director")),
    Choice("other", N_("Other")),
)


async def _warn_age(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    if not eligible_age(int(value), ctx.today):
        return Invalid(AGE_WARNING, age=age_at(int(value), ctx.today))
    return None


# QĐ 294, point 1.1: full 18 to full 60 years, counted in months, when the cell considers the case; past
# 60 with a province-level committee's approval. chibo keeps the birth year only: it warns, never refuses.
AGE_WARNING = N_(
    "This person turns {age} this year (counted by the year of birth only: check the date of birth in "
    "the file). Admission needs full 18 to full 60 years of age, counted in months, on the day the cell "
    "considers the case; past 60 only with the approval of the province-level committee."
)


async def _other_helper(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    if answers.get("helper1") and name_key(str(value)) == name_key(str(answers["helper1"])):
        return Invalid(N_("The two helping members must be two different people."))
    return None


async def _candidate_check(answers: Answers, ctx: FormContext) -> list[Problem]:
    duplicate = await records.count_namesakes(
        ctx.db,
        _unit(answers) if "_unit" in answers else ctx.user.unit_id,
        str(answers.get("full_name")),
        int(answers.get("birth_year") or 0),
        but=answers.get("_record") or 0,
    )
    if duplicate:
        return [
            Problem(
                "full_name",
                N_("{name} (born {year}) is already in this cell's list."),
                {"name": answers.get("full_name"), "year": answers.get("birth_year")},
            )
        ]
    return []


async def _save_candidate(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    values = {k: answers.get(k) for k in records.KINDS["person"][1]}
    values["youth_union"] = int(bool(answers["youth_union"]))
    since = answers["since"]
    if record_id is None:
        person_id = await records.insert(tx, "person", _unit(answers), values, ctx.user.id, ctx.now)
        await records.insert(
            tx,
            "step",
            _unit(answers),
            {"person_id": person_id, "step": Step.SOURCE.value, "on_date": since},
            ctx.user.id,
            ctx.now,
        )
        return person_id
    await records.update(tx, "person", record_id, values, ctx.now)
    await records.set_step_date(tx, record_id, Step.SOURCE.value, since)
    return record_id


async def _load_candidate(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    record = await records.get(db, "person", record_id)
    if record is None:
        return None
    answers = dict(record.values)
    answers["youth_union"] = bool(answers["youth_union"])
    answers["since"] = await records.step_date(db, record_id, Step.SOURCE.value)
    return answers


CANDIDATE = Form(
    name="candidate",
    kind="person",
    title=N_("New source"),
    fields=(
        Field("full_name", Kind.NAME, N_("Full name"), N_("Full name of the outstanding worker?")),
        Field(
            "birth_year", Kind.YEAR, N_("Year of birth"), N_("Year of birth?"), minimum=1940, warn=_warn_age
        ),
        Field("gender", Kind.CHOICE, N_("Gender"), N_("Gender?"), choices=GENDERS),
        Field("position", Kind.CHOICE, N_("Position"), N_("Position in the enterprise?"), choices=POSITIONS),
        Field(
            "youth_union", Kind.YESNO, N_("Youth Union member"), N_("Is this person a Youth Union member?")
        ),
        Field(
            "helper1",
            Kind.NAME,
            N_("First helping member"),
            N_("Name of the first party member assigned to help?"),
        ),
        Field(
            "helper2",
            Kind.NAME,
            N_("Second helping member"),
            N_("Name of the second party member assigned to help?"),
            check=_other_helper,
        ),
        Field(
            "since",
            Kind.DATE,
            N_("Source since"),
            N_("Since when has the cell counted this person as a source?"),
            past_only=True,
        ),
        Field("note", Kind.TEXT, N_("Note"), N_("A short note (optional)?"), optional=True, max_length=500),
    ),
    save=_save_candidate,
    load=_load_candidate,
    final_check=_candidate_check,
)

# ----- /progress: the next step of one person ---------------------------------------------------


def pipeline_of(steps: dict[str, date]) -> Pipeline:
    """Return the pipeline of stored steps."""
    return Pipeline({Step(k): v for k, v in steps.items() if k in Step.__members__.values()})


async def _people_in_progress(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    if answers.get("_unit") is None:
        return []
    options = []
    for person in await records.people_of(ctx.db, int(answers["_unit"])):
        pipeline = pipeline_of(person.steps)
        if pipeline.finished and int(answers.get("person") or 0) != person.id:
            continue
        last = pipeline.last
        step = ctx.t(STEP_NAMES[last]) if last else ""
        options.append((str(person.id), f"{person.full_name} ({person.birth_year}) · {step}"))
    return options


async def _pipeline(db: Queryable, answers: Answers, record_id: int | None = None) -> Pipeline:
    person = await records.person(db, int(answers["person"]))
    if person is None:
        return Pipeline()
    steps = dict(person.steps)
    if record_id is not None:
        # Correcting a step: judge it against the other steps only.
        record = await records.get(db, "step", record_id)
        if record is not None:
            steps.pop(record.values["step"], None)
    return pipeline_of(steps)


async def _step_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    if not answers.get("person"):
        return []
    pipeline = await _pipeline(ctx.db, answers, answers.get("_record"))
    return [
        (
            s.value,
            ctx.t(N_("new awareness class certificate (class retaken)"))
            if s in pipeline.steps
            else ctx.t(STEP_NAMES[s]),
        )
        for s in next_steps(pipeline)
    ]


async def _check_step_date(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    pipeline = await _pipeline(ctx.db, answers, answers.get("_record"))
    return _step_refusal(ctx, pipeline, Step(answers["step"]), _date(value))


async def _warn_vote_age(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    if answers.get("step") != Step.CELL_VOTE or not answers.get("person"):
        return None
    person = await records.person(ctx.db, int(answers["person"]))
    if person is None or eligible_age(person.birth_year, _date(value)):
        return None
    return Invalid(
        N_(
            "{name} turns {age} in the year of this vote (counted by the year of birth only: check the "
            "date of birth in the file). Admission needs full 18 to full 60 years of age on the day the "
            "cell considers the case; past 60 only with the approval of the province-level committee."
        ),
        name=person.full_name,
        age=age_at(person.birth_year, _date(value)),
    )


async def _warn_mentor_log(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    """At recognition, say how many quarters of the probation have a mentor note (a warning when none)."""
    if value != Step.RECOGNITION or not answers.get("person"):
        return None
    person = await records.person(ctx.db, int(answers["person"]))
    if person is None:
        return None
    noted = len(await mentor.quarters_noted(ctx.db, person.id))
    if noted == 0:
        return Invalid(
            N_(
                "Attention: no mentor note was recorded during the probation of {name}. The cell reviews "
                "a probationary member's progress before recognising them; /mentor records the notes."
            ),
            name=person.full_name,
        )
    return Invalid(
        N_("Mentor notes recorded during the probation of {name}: {n} of {quarters} quarters."),
        name=person.full_name,
        n=noted,
        quarters=PROBATION_QUARTERS,
    )


def _step_refusal(ctx: FormContext, pipeline: Pipeline, step: Step, when: date) -> Invalid | None:
    explained = explain_refusal(pipeline, step, when, ctx.t)
    return None if explained is None else Invalid(explained[0], **explained[1])


async def _check_members(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    if answers.get("votes_for") is not None and int(answers["votes_for"]) > int(value):
        return Invalid(
            N_("Votes in favour ({votes}) cannot be more than the official members."),
            votes=answers["votes_for"],
        )
    return None


VOTED_STEPS = (Step.CELL_VOTE, Step.RECOGNITION)  # decided by the cell's vote, two thirds in favour


def _voted(answers: Answers) -> bool:
    return answers.get("step") in VOTED_STEPS


async def _progress_check(answers: Answers, ctx: FormContext) -> list[Problem]:
    problems = []
    if _voted(answers) and answers.get("votes_for") is not None:
        votes, members = int(answers["votes_for"]), int(answers.get("official_members") or 0)
        if members and not vote_passes(votes, members):
            message = (
                N_(
                    "Recognition needs at least two thirds of the official members: {need} of {members}. "
                    "{votes} votes in favour are not enough, so the vote did not pass."
                )
                if answers.get("step") == Step.RECOGNITION
                else VOTE_FAILED
            )
            problems.append(
                Problem(
                    "votes_for",
                    message,
                    {"need": votes_needed(members), "members": members, "votes": votes},
                )
            )
    return problems


VOTE_FAILED = N_(
    "Admission needs at least two thirds of the official members: {need} of {members}. "
    "{votes} votes in favour are not enough, so the vote did not pass."
)


async def _save_step(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    pipeline = await _pipeline(tx, answers, record_id)
    error = _step_refusal(ctx, pipeline, Step(answers["step"]), _date(answers["on_date"]))
    if error is not None:
        raise error
    values = {k: answers.get(k) for k in records.KINDS["step"][1]}
    values["person_id"] = int(answers["person"])
    if record_id is None and Step(answers["step"]) in pipeline.steps:
        # A renewed certificate: the old one stays in the history (deleted), the new one counts.
        await records.retire_step(tx, int(answers["person"]), answers["step"], ctx.now)
    try:
        if record_id is None:
            return await records.insert(tx, "step", _unit(answers), values, ctx.user.id, ctx.now)
        await records.update(tx, "step", record_id, values, ctx.now)
    except sqlite3.IntegrityError:
        raise Invalid(N_("This step is recorded for this person already.")) from None
    return record_id


async def _load_step(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    record = await records.get(db, "step", record_id)
    if record is None or record.values["step"] == Step.SOURCE:
        return None
    answers = {k: v for k, v in record.values.items() if k != "person_id"}
    answers["person"] = str(record.values["person_id"])
    return answers


PROGRESS = Form(
    name="progress",
    kind="step",
    title=N_("Admission step"),
    fields=(
        Field(
            "person",
            Kind.PICK,
            N_("Person"),
            N_("Whose step is it? Pick the person, or type part of the name."),
            options=_people_in_progress,
        ),
        Field("step", Kind.PICK, N_("Step"), N_("Which step?"), options=_step_options, warn=_warn_mentor_log),
        Field(
            "on_date",
            Kind.DATE,
            N_("Date"),
            N_("On what date?"),
            past_only=True,
            check=_check_step_date,
            warn=_warn_vote_age,
        ),
        Field(
            "votes_for",
            Kind.INT,
            N_("Votes in favour"),
            N_("How many official members voted in favour?"),
            minimum=0,
            maximum=500,
            shown_if=_voted,
        ),
        Field(
            "official_members",
            Kind.INT,
            N_("Official members"),
            N_(
                "How many official members does the cell count for this vote? Leave out the members on a "
                "temporary transfer elsewhere and the members exempted from meetings who are absent."
            ),
            minimum=MIN_OFFICIAL_MEMBERS,
            maximum=500,
            shown_if=_voted,
            check=_check_members,
            repeat=True,  # the cell's last vote counted them
        ),
        Field(
            "decision_number",
            Kind.TEXT,
            N_("Decision number"),
            N_("Number of the decision (e.g. 125-QĐ/ĐU)?"),
            max_length=50,
            shown_if=lambda a: a.get("step") == Step.ADMISSION_DECISION,
        ),
        Field("note", Kind.TEXT, N_("Note"), N_("A short note (optional)?"), optional=True, max_length=500),
    ),
    save=_save_step,
    load=_load_step,
    final_check=_progress_check,
    previous=_latest("step", having="official_members"),
)

# ----- /transfer and its steps ----------------------------------------------------------------------

DIRECTIONS = (
    Choice("in", N_("Transfer in (to our cell)")),
    Choice("out", N_("Transfer out (from our cell)")),
)
TRANSFER_KINDS = (Choice("official", N_("Official")), Choice("temporary", N_("Temporary")))


def _official_out(answers: Answers) -> bool:
    return answers.get("kind") == "official" and answers.get("direction") == "out"


def _official_in(answers: Answers) -> bool:
    return answers.get("kind") == "official" and answers.get("direction") == "in"


def _temporary(answers: Answers) -> bool:
    return answers.get("kind") == "temporary"


# Each first date of a transfer is asked in the words of its kind, and stored as on_date.
FIRST_DATE_FIELD = {("official", "out"): "decided", ("official", "in"): "letter_in"}


def _first_date_field(answers: Answers) -> str:
    return FIRST_DATE_FIELD.get((str(answers.get("kind")), str(answers.get("direction"))), "start")


async def _check_end(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    start = _date(answers["start"])
    refused = temporary_length_refusal(start, _date(value), bool(answers.get("study")))
    return None if refused is None else Invalid(refused, start=ctx.t.date(start))


def _not_before(*earlier: str) -> Check:
    """Return a check refusing a date before the answers it follows (the decision, the letter...)."""

    async def check(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
        for name in earlier:
            if answers.get(name) and _date(value) < _date(answers[name]):
                return Invalid(
                    N_("This date cannot be before {earlier}."), earlier=ctx.t.date(_date(answers[name]))
                )
        return None

    return check


async def _save_simple(
    kind: str, tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None
) -> int:
    values = {k: answers.get(k) for k in records.KINDS[kind][1] if k in answers}
    if record_id is None:
        return await records.insert(tx, kind, _unit(answers), values, ctx.user.id, ctx.now)
    await records.update(tx, kind, record_id, values, ctx.now)
    return record_id


async def _load_simple(kind: str, db: Queryable, record_id: int) -> Answers | None:
    record = await records.get(db, kind, record_id)
    return None if record is None else dict(record.values)


async def _save_transfer(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    temporary = _temporary(answers)
    values = {
        "direction": answers["direction"],
        "kind": answers["kind"],
        "member_name": answers["member_name"],
        "on_date": answers[_first_date_field(answers)],
        "study": int(bool(answers.get("study"))) if temporary else 0,
        "end_date": answers.get("end_date") if temporary else None,
        "letter_date": answers.get("letter") if _official_out(answers) else None,
        "done_on": (
            answers.get("received")
            if _official_out(answers) and answers.get("letter")
            else answers.get("arrived")
            if _official_in(answers)
            else answers.get("returned")
            if temporary
            else None
        ),
        "note": answers.get("note"),
    }
    saved = await _save_simple("transfer", tx, ctx, values | {"_unit": answers["_unit"]}, record_id)
    if _official_in(answers) and values["done_on"]:
        row = await transfer_store.get(tx, saved)
        if row is not None:
            await close_matching_out(tx, row, ctx.now, ctx.outbox)
    return saved


async def _load_transfer(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    stored = await _load_simple("transfer", db, record_id)
    if stored is None:
        return None
    answers: Answers = {
        "direction": stored["direction"],
        "kind": stored["kind"],
        "member_name": stored["member_name"],
        "note": stored["note"],
        "_stored": True,
    }
    answers[_first_date_field(answers)] = stored["on_date"]
    if _temporary(answers):
        answers |= {
            "study": bool(stored["study"]),
            "end_date": stored["end_date"],
            "returned": stored["done_on"],
        }
    elif _official_out(answers):
        answers |= {"letter": stored["letter_date"], "received": stored["done_on"]}
    else:
        answers["arrived"] = stored["done_on"]
    return answers


TRANSFER = Form(
    name="transfer",
    kind="transfer",
    title=N_("Transfer"),
    fields=(
        Field("direction", Kind.CHOICE, N_("Direction"), N_("Transfer in or out?"), choices=DIRECTIONS),
        Field("kind", Kind.CHOICE, N_("Kind"), N_("Official or temporary?"), choices=TRANSFER_KINDS),
        Field("member_name", Kind.NAME, N_("Member"), N_("Full name of the member?")),
        Field(
            "decided",
            Kind.DATE,
            N_("Decision in effect"),
            N_("On what date did the decision take effect (or the member's residence change)?"),
            past_only=True,
            shown_if=_official_out,
        ),
        Field(
            "letter",
            Kind.DATE,
            N_("Introduction letter issued"),
            N_("On what date was the introduction letter issued? Skip if it is not issued yet."),
            optional=True,
            past_only=True,
            shown_if=_official_out,
            check=_not_before("decided"),
        ),
        Field(
            "received",
            Kind.DATE,
            N_("Received by the new cell"),
            N_("On what date did the new cell receive the member? Skip if not yet."),
            optional=True,
            past_only=True,
            shown_if=lambda a: _official_out(a) and bool(a.get("letter")),
            check=_not_before("decided", "letter"),
        ),
        Field(
            "letter_in",
            Kind.DATE,
            N_("Introduction letter dated"),
            N_("What is the date of the introduction letter?"),
            past_only=True,
            shown_if=_official_in,
        ),
        Field(
            "arrived",
            Kind.DATE,
            N_("Arrived"),
            N_("On what date did the member arrive and present the letter? Skip if not yet."),
            optional=True,
            past_only=True,
            shown_if=_official_in,
            check=_not_before("letter_in"),
        ),
        Field(
            "start",
            Kind.DATE,
            N_("First day"),
            N_("On what date does (or did) the temporary transfer start?"),
            shown_if=_temporary,
        ),
        Field(
            "study",
            Kind.YESNO,
            N_("For study"),
            N_("Is the temporary transfer for study?"),
            shown_if=_temporary,
        ),
        Field(
            "end_date",
            Kind.DATE,
            N_("End date"),
            N_("When does the temporary transfer end?"),
            shown_if=_temporary,
            check=_check_end,
            offer_dates=False,  # months ahead: today and yesterday would never do
        ),
        Field(
            "returned",
            Kind.DATE,
            N_("Returned"),
            N_("On what date did the member return? Skip if not yet."),
            optional=True,
            past_only=True,
            shown_if=lambda a: _temporary(a) and bool(a.get("_stored")),
            check=_not_before("start"),
        ),
        Field("note", Kind.TEXT, N_("Note"), N_("A short note (optional)?"), optional=True, max_length=500),
    ),
    save=_save_transfer,
    load=_load_transfer,
)


async def _open_transfers(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    if answers.get("_unit") is None:
        return []
    return [
        (str(row.id), transfer_label(row, ctx.t))
        for row in await transfer_store.open_of_unit(ctx.db, int(answers["_unit"]))
    ]


async def _transfer_of(db: Queryable, answers: Answers) -> TransferRow | None:
    row = await transfer_store.get(db, int(answers["transfer"]))
    if row is None or row.unit_id != int(answers["_unit"]):
        return None
    return row


async def _transfer_step_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    if not answers.get("transfer") or answers.get("_unit") is None:
        return []
    row = await _transfer_of(ctx.db, answers)
    return [] if row is None else [(s.value, ctx.t(TRANSFER_STEP_NAMES[s])) for s in transfer_next(row)]


async def _transfer_step_refusal(
    db: Queryable, ctx: FormContext, answers: Answers, when: date
) -> Invalid | None:
    row = await _transfer_of(db, answers)
    facts = transfer_facts(row) if row is not None else None
    if facts is None:
        return Invalid(N_("This transfer no longer exists or is completed already."))
    reason = transfer_step_refusal(facts, TransferStep(answers["step"]), when)
    if reason is None:
        return None
    return Invalid(
        reason,
        first=ctx.t.date(facts.date),
        letter=ctx.t.date(facts.letter_date) if facts.letter_date else "",
    )


async def _check_transfer_step_date(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    return await _transfer_step_refusal(ctx.db, ctx, answers, _date(value))


async def _save_transfer_step(
    tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None
) -> int:
    refused = await _transfer_step_refusal(tx, ctx, answers, _date(answers["on_date"]))
    if refused is not None:
        raise refused
    transfer_id = int(answers["transfer"])
    if not await transfer_store.record_step(tx, transfer_id, answers["step"], answers["on_date"], ctx.now):
        raise Invalid(N_("This transfer no longer exists or is completed already."))
    if answers["step"] == TransferStep.ARRIVED:
        row = await transfer_store.get(tx, transfer_id)
        if row is not None:
            await close_matching_out(tx, row, ctx.now, ctx.outbox)
    return transfer_id


TRANSFER_STEP = Form(
    name="transferstep",
    kind="transfer_step",
    title=N_("Transfer step"),
    fields=(
        Field(
            "transfer",
            Kind.PICK,
            N_("Transfer"),
            N_("Which transfer? Pick it, or type part of the member's name."),
            options=_open_transfers,
        ),
        Field("step", Kind.PICK, N_("Step"), N_("Which step?"), options=_transfer_step_options),
        Field(
            "on_date",
            Kind.DATE,
            N_("Date"),
            N_("On what date?"),
            past_only=True,
            check=_check_transfer_step_date,
        ),
    ),
    save=_save_transfer_step,
)

# ----- /meeting -------------------------------------------------------------------------------------

MEETING_KINDS = (
    Choice("regular", N_("Regular cell meeting (monthly)")),
    Choice("both", N_("Regular meeting with a thematic part in the same session")),
    Choice("thematic", N_("Thematic meeting on its own")),
)


async def _warn_minutes(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    rules = ctx.meeting_rules
    kind = answers.get("kind")
    # HD 42-HD/BTCTW: 90 minutes for the regular meeting, 120 when a thematic part is held in the same
    # session; a thematic meeting on its own is not held to either.
    if kind == "both" and int(value) < rules.with_thematic_minutes:
        return Invalid(
            N_(
                "A regular meeting with a thematic part in the same session should last at least "
                "{minutes} minutes."
            ),
            minutes=rules.with_thematic_minutes,
        )
    if kind == "regular" and int(value) < rules.regular_minutes:
        return Invalid(
            N_("A regular cell meeting should last at least {minutes} minutes."),
            minutes=rules.regular_minutes,
        )
    return None


def _at_most(other: str, message: str) -> Check:
    """Return a check refusing a count larger than another answer (present <= total...)."""

    async def check(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
        if answers.get(other) is not None and int(value) > int(answers[other]):
            return Invalid(message, limit=answers[other])
        return None

    return check


NOT_MORE_THAN_TOTAL = N_("This cannot be more than the total number of members ({limit}).")
NOT_MORE_THAN_WORKERS = N_("This cannot be more than the workers ({limit}).")
ATTENDANCE = ("present", "absent_with_reason", "absent_without_reason")
REGULAR_KINDS = ("regular", "both")  # the kinds that are the month's regular meeting


async def _check_excused(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    if answers.get("total") is None or answers.get("present") is None:
        return None
    room = int(answers["total"]) - int(answers["present"])
    if int(value) > room:
        return Invalid(
            N_("With {present} present, at most {room} of the {total} members can be absent."),
            present=answers["present"],
            room=max(room, 0),
            total=answers["total"],
        )
    return None


def _absent_without_reason(answers: Answers) -> int | None:
    """Work out the members absent without a reason: the total less those present or excused."""
    if any(answers.get(k) is None for k in ("total", "present", "absent_with_reason")):
        return None
    return max(0, int(answers["total"]) - int(answers["present"]) - int(answers["absent_with_reason"]))


async def _meeting_check(answers: Answers, ctx: FormContext) -> list[Problem]:
    parts = [answers.get(k) for k in ATTENDANCE]
    if answers.get("total") is None or any(p is None for p in parts):
        return []
    counted = sum(int(p) for p in parts if p is not None)
    if counted != int(answers["total"]):
        return [
            Problem(
                "total",
                N_(
                    "Present ({present}) + absent with reason ({excused}) + absent without reason "
                    "({unexcused}) makes {counted}, but the total is {total}. "
                    "Change the number that is wrong."
                ),
                {
                    "present": parts[0],
                    "excused": parts[1],
                    "unexcused": parts[2],
                    "counted": counted,
                    "total": answers["total"],
                },
                also=ATTENDANCE,
            )
        ]
    return []


async def _meeting_warnings(answers: Answers, ctx: FormContext) -> list[Problem]:
    """Warn of a second meeting on one date, or a second regular meeting in one month."""
    if not answers.get("on_date") or answers.get("_unit") is None:
        return []
    day = _date(answers["on_date"])
    others = await records.dated_between(
        ctx.db, "meeting", _unit(answers), *_month_of(day), but=answers.get("_record")
    )
    same_day = [r for r in others if r.values["on_date"] == answers["on_date"]]
    kinds = {c.value: c.label for c in MEETING_KINDS}
    if same_day:
        kind = str(same_day[0].values["kind"])
        return [
            Problem(
                "on_date",
                N_(
                    "A meeting on {date} is recorded already ({kind}). "
                    "Save this one as well only if both took place."
                ),
                {"date": ctx.t.date(day), "kind": ctx.t(kinds.get(kind, kind))},
            )
        ]
    regular = [r for r in others if r.values["kind"] in REGULAR_KINDS]
    if answers.get("kind") in REGULAR_KINDS and regular:
        return [
            Problem(
                "on_date",
                N_(
                    "The regular meeting of {month} is recorded already, on {date}. A cell holds one a "
                    "month: save this one as well only if it is not the same meeting."
                ),
                {"month": f"{day:%m/%Y}", "date": ctx.t.date(_date(regular[0].values["on_date"]))},
            )
        ]
    return []


async def _save_meeting(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    return await _save_simple("meeting", tx, ctx, answers, record_id)


async def _last_regular_meeting(db: Queryable, unit_id: int) -> Answers | None:
    """Return what "As last month" repeats: the cell's latest regular meeting, as a regular meeting.
    A thematic part is never repeated by a tap (it counts for the quarter's thematic meeting, so it is
    chosen when held): after a meeting with one, the kind is a regular meeting and its length, which
    the thematic part made longer, is asked again; a thematic meeting on its own repeats nothing."""
    latest = await records.latest(db, "meeting", unit_id, of_kinds=REGULAR_KINDS)
    if latest is None or latest.get("kind") == "regular":
        return latest
    return {k: v for k, v in latest.items() if k != "minutes"} | {"kind": "regular"}


async def _load_meeting(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    return await _load_simple("meeting", db, record_id)


MEETING = Form(
    name="meeting",
    kind="meeting",
    title=N_("Cell meeting"),
    fields=(
        Field("on_date", Kind.DATE, N_("Date"), N_("When was the meeting?"), past_only=True),
        Field(
            "kind", Kind.CHOICE, N_("Kind"), N_("What kind of meeting?"), choices=MEETING_KINDS, repeat=True
        ),
        Field(
            "minutes",
            Kind.INT,
            N_("Length (minutes)"),
            N_("How many minutes did it last?"),
            minimum=10,
            maximum=600,
            warn=_warn_minutes,
            repeat=True,
            unit=N_("{value} minutes"),
        ),
        Field(
            "total",
            Kind.INT,
            N_("Members in total"),
            N_("How many members does the cell have in total?"),
            minimum=1,
            maximum=500,
            repeat=True,
            unit=N_("{value} members"),
        ),
        Field(
            "present",
            Kind.INT,
            N_("Present"),
            N_("How many were present?"),
            minimum=0,
            maximum=500,
            check=_at_most("total", NOT_MORE_THAN_TOTAL),
        ),
        Field(
            "absent_with_reason",
            Kind.INT,
            N_("Absent with reason"),
            N_("How many were absent with a reason?"),
            minimum=0,
            maximum=500,
            check=_check_excused,
        ),
        Field(
            "absent_without_reason",
            Kind.INT,
            N_("Absent without reason"),
            N_("How many were absent without a reason?"),
            minimum=0,
            maximum=500,
            check=_at_most("total", NOT_MORE_THAN_TOTAL),
            computed=_absent_without_reason,
        ),
        Field(
            "topic",
            Kind.TEXT,
            N_("Topic"),
            N_("Topic of the meeting (optional)?"),
            optional=True,
            max_length=300,
        ),
    ),
    save=_save_meeting,
    load=_load_meeting,
    final_check=_meeting_check,
    previous=_last_regular_meeting,
    same_label=N_("As last month"),
    warnings=_meeting_warnings,
)

# ----- /activity ------------------------------------------------------------------------------------

ACTIVITY_KINDS = (
    Choice("training", N_("Training or political class")),
    Choice("dialogue", N_("Dialogue with the enterprise owner")),
    Choice("propaganda", N_("Propaganda session")),
    Choice("union_event", N_("Trade union or Youth Union event")),
    Choice("emulation", N_("Emulation movement or initiative")),
    Choice("other", N_("Other")),
)


async def _save_activity(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    answers = dict(answers)
    answers["photo_file_id"] = answers.pop("photo", None)
    return await _save_simple("activity", tx, ctx, answers, record_id)


async def _load_activity(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    answers = await _load_simple("activity", db, record_id)
    if answers is not None:
        answers["photo"] = answers.pop("photo_file_id")
    return answers


async def _activity_warnings(answers: Answers, ctx: FormContext) -> list[Problem]:
    """Warn of an activity recorded already: the same day, and the same kind or title."""
    if not answers.get("on_date") or answers.get("_unit") is None:
        return []
    day = _date(answers["on_date"])
    title = label_key(str(answers.get("title") or ""))
    for other in await records.dated_between(
        ctx.db, "activity", _unit(answers), day, day, but=answers.get("_record")
    ):
        if other.values["kind"] == answers.get("kind") or label_key(str(other.values["title"])) == title:
            return [
                Problem(
                    "on_date",
                    N_(
                        "An activity of {date} is recorded already: “{title}”. Save this one as well only "
                        "if it is another activity."
                    ),
                    {"date": ctx.t.date(day), "title": other.values["title"]},
                )
            ]
    return []


ACTIVITY = Form(
    name="activity",
    kind="activity",
    title=N_("Activity"),
    fields=(
        Field("on_date", Kind.DATE, N_("Date"), N_("When did it take place?"), past_only=True),
        Field("kind", Kind.CHOICE, N_("Kind"), N_("What kind of activity?"), choices=ACTIVITY_KINDS),
        Field("title", Kind.TEXT, N_("Title"), N_("Title of the activity?"), max_length=200),
        Field(
            "participants",
            Kind.INT,
            N_("Participants"),
            N_("How many took part?"),
            minimum=1,
            maximum=100_000,
        ),
        Field("note", Kind.TEXT, N_("Note"), N_("A short note (optional)?"), optional=True, max_length=500),
        Field("photo", Kind.PHOTO, N_("Photo"), N_("A photo of the activity (optional)?"), optional=True),
    ),
    save=_save_activity,
    load=_load_activity,
    warnings=_activity_warnings,
)

# ----- /enterprise ----------------------------------------------------------------------------------


async def _save_enterprise(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    answers = dict(answers)
    if record_id is None:
        answers["on_date"] = ctx.today.isoformat()  # a snapshot is dated the day it is reported
    saved = await _save_simple("enterprise", tx, ctx, answers, record_id)
    # The cell's latest report feeds the register (bot/features/enterprises.py says why); a
    # correction of an older report leaves it as the newer one made it.
    latest = await records.latest_enterprise_id(tx, _unit(answers))
    if latest == saved:
        await enterprises.sync_from_report(tx, _unit(answers), answers, ctx.user.id, ctx.now)
    return saved


async def _load_enterprise(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    return await _load_simple("enterprise", db, record_id)


async def latest_enterprise(db: Queryable, unit_id: int) -> Answers:
    """Return the answers of a cell's latest enterprise snapshot, to start the next one from."""
    answers: Answers = {}
    values = await records.latest(db, "enterprise", unit_id)
    if values is not None:
        answers = {k: v for k, v in values.items() if k != "on_date"}
    # The register may know better (the committee corrected a figure, or entered it first).
    entry = await enterprise_register.by_cell(db, unit_id)
    if entry is not None:
        answers |= {k: getattr(entry, k) for k in REPORTED_IN_REGISTER}
    return answers


# What a cell's enterprise report and the register both hold.
REPORTED_IN_REGISTER = (
    "name",
    "zone",
    "workers",
    "young_workers",
    "youth_union_members",
    "members_elsewhere",
)


# The workforce, asked alike by a cell's report and by the register.
WORKERS = Field(
    "workers", Kind.INT, N_("Workers"), N_("How many workers does it employ?"), minimum=0, maximum=500_000
)
YOUNG_WORKERS = Field(
    "young_workers",
    Kind.INT,
    N_("Young workers (under 30)"),
    N_("Of them, how many are under 30?"),
    minimum=0,
    maximum=500_000,
    check=_at_most("workers", NOT_MORE_THAN_WORKERS),
)

ENTERPRISE = Form(
    name="enterprise",
    kind="enterprise",
    title=N_("Enterprise facts"),
    fields=(
        Field(
            "name", Kind.NAME, N_("Enterprise"), N_("Name of the enterprise?"), max_length=150, repeat=True
        ),
        Field(
            "zone",
            Kind.TEXT,
            N_("Zone"),
            N_("Industrial zone or cluster it is in?"),
            max_length=150,
            repeat=True,
        ),
        replace(WORKERS, repeat=True),
        replace(YOUNG_WORKERS, repeat=True),
        Field(
            "union_members",
            Kind.INT,
            N_("Trade union members"),
            N_("How many are trade union members?"),
            minimum=0,
            maximum=500_000,
            check=_at_most("workers", NOT_MORE_THAN_WORKERS),
            repeat=True,
        ),
        Field(
            "youth_union_members",
            Kind.INT,
            N_("Youth Union members"),
            N_("How many are Youth Union members?"),
            minimum=0,
            maximum=500_000,
            check=_at_most("workers", NOT_MORE_THAN_WORKERS),
            repeat=True,
        ),
        Field(
            "members_elsewhere",
            Kind.INT,
            N_("Members registered elsewhere"),
            N_("How many party members work here but are still registered where they live?"),
            minimum=0,
            maximum=10_000,
            check=_at_most("workers", NOT_MORE_THAN_WORKERS),
            repeat=True,
        ),
    ),
    save=_save_enterprise,
    load=_load_enterprise,
    previous=latest_enterprise,
)

# ----- /mentor: a quarterly note on a probationary member -----------------------------------------


async def _on_probation(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    """Return the cell's probationary members (ceremony held, not recognised, not withdrawn)."""
    if answers.get("_unit") is None:
        return []
    options = []
    for person in await records.people_of(ctx.db, int(answers["_unit"])):
        pipeline = pipeline_of(person.steps)
        ceremony = pipeline.date_of(Step.CEREMONY)
        chosen = int(answers.get("person") or 0) == person.id
        if ceremony is None or (pipeline.finished and not chosen):
            continue
        since = ctx.t(N_("admitted {date}")).format(date=ctx.t.date(ceremony))
        options.append((str(person.id), f"{person.full_name} ({person.birth_year}) · {since}"))
    return options


async def _quarter_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    """Return the quarters of the person's probation that have begun, those with a note marked."""
    if not answers.get("person"):
        return []
    person = await records.person(ctx.db, int(answers["person"]))
    ceremony = person.steps.get(Step.CEREMONY) if person else None
    if person is None or ceremony is None:
        return []
    noted = await mentor.quarters_noted(ctx.db, person.id)
    correcting = answers.get("_record")
    options = []
    for quarter in probation_quarters(ceremony):
        if quarter.start > ctx.today and str(quarter.number) != str(answers.get("quarter")):
            continue  # a quarter not begun yet has nothing to tell
        label = ctx.t(N_("Quarter {n}: {start} to {end}")).format(
            n=quarter.number, start=ctx.t.date(quarter.start), end=ctx.t.date(quarter.end)
        )
        if quarter.number in noted and noted[quarter.number] != correcting:
            label += " ✓"
        options.append((str(quarter.number), label))
    return options


async def _mentor_check(answers: Answers, ctx: FormContext) -> list[Problem]:
    if not answers.get("person") or not answers.get("quarter"):
        return []
    noted = await mentor.quarters_noted(ctx.db, int(answers["person"]))
    other = noted.get(int(answers["quarter"]))
    if other is not None and other != answers.get("_record"):
        return [
            Problem(
                "quarter",
                N_(
                    "A note for quarter {n} is recorded already: correct it from /mine, "
                    "or pick another quarter."
                ),
                {"n": answers["quarter"]},
            )
        ]
    return []


async def _save_mentor_note(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    values = {
        "person_id": int(answers["person"]),
        "quarter": int(answers["quarter"]),
        "note": answers["note"],
    }
    try:
        if record_id is None:
            return await records.insert(tx, "mentor", _unit(answers), values, ctx.user.id, ctx.now)
        await records.update(tx, "mentor", record_id, values, ctx.now)
    except sqlite3.IntegrityError:
        raise Invalid(N_("A note for this quarter is recorded already.")) from None
    return record_id


async def _load_mentor_note(db: Queryable, ctx: FormContext, record_id: int) -> Answers | None:
    record = await records.get(db, "mentor", record_id)
    if record is None:
        return None
    values = record.values
    return {"person": str(values["person_id"]), "quarter": str(values["quarter"]), "note": values["note"]}


MENTOR = Form(
    name="mentor",
    kind="mentor",
    title=N_("Mentor note"),
    fields=(
        Field(
            "person",
            Kind.PICK,
            N_("Probationary member"),
            N_("On which probationary member? Pick them, or type part of the name."),
            options=_on_probation,
        ),
        Field(
            "quarter",
            Kind.PICK,
            N_("Quarter of the probation"),
            N_("For which quarter of the probation (counted from the admission ceremony)?"),
            options=_quarter_options,
        ),
        Field(
            "note",
            Kind.TEXT,
            N_("Note"),
            N_(
                "How did they progress this quarter? What the helping members and the cell saw, "
                "in a few lines."
            ),
            max_length=500,
        ),
    ),
    save=_save_mentor_note,
    load=_load_mentor_note,
    final_check=_mentor_check,
)

FORMS: dict[str, Form] = {
    f.name: f for f in (CANDIDATE, PROGRESS, TRANSFER, TRANSFER_STEP, MEETING, ACTIVITY, ENTERPRISE, MENTOR)
}

# ----- the enterprise register (the committee's) ------------------------------------------------------

COMMITTEE_FORMS = frozenset({Role.COMMITTEE, Role.ADMIN})
ADMIN_FORMS = frozenset({Role.ADMIN})


async def _scope(ctx: FormContext, db: Queryable | None = None) -> enterprises.Scope:
    """Return what the person filling the form may see (inside a save: read in its transaction)."""
    return await enterprises.scope_of(db or ctx.db, ctx.role, ctx.user)


def _enterprise_id(answers: Answers) -> int:
    return int(answers["enterprise"])


async def _editable_enterprises(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    scope = await _scope(ctx)
    found = [e for e in await enterprises.visible(ctx.db, scope) if scope.edits(e)]
    # A working group member's own enterprises first.
    found.sort(key=lambda e: e.assigned_to != ctx.user.id)
    return [(str(e.id), f"{e.name} · {e.zone}") for e in found]


ENTERPRISE_FIELD = Field(
    "enterprise",
    Kind.PICK,
    N_("Enterprise"),
    N_("Which enterprise? Pick it, or type part of its name."),
    options=_editable_enterprises,
    fixed=True,
)


async def _register_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    return [(str(u.id), u.name) for u in await enterprises.registers(ctx.db, await _scope(ctx))]


async def _cell_options_for_register(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    scope = await _scope(ctx)
    options = [
        (str(i), f"{name} ({code})")
        for i, name, code in await enterprise_register.unlinked_cells(ctx.db, scope.registers)
    ]
    current = answers.get("cell")
    if current is not None and current not in {v for v, _ in options}:
        # The cell the enterprise has already stays a choice.
        cell = (
            await enterprise_register.get(ctx.db, _enterprise_id(answers))
            if answers.get("enterprise")
            else None
        )
        if cell is not None and cell.cell_id is not None and str(cell.cell_id) == str(current):
            unit = await units.get(ctx.db, cell.cell_id)
            if unit is not None:
                options.insert(0, (str(unit.id), f"{unit.name} ({unit.code})"))
    return options


async def _register_check(answers: Answers, ctx: FormContext) -> list[Problem]:
    unit_id = answers.get("unit")
    if unit_id is None and answers.get("enterprise"):
        entry = await enterprise_register.get(ctx.db, _enterprise_id(answers))
        unit_id = entry.unit_id if entry is not None else None
    if unit_id is None or not answers.get("name") or not answers.get("zone"):
        return []
    zone = await enterprises.canonical_zone(ctx.db, str(answers["zone"]))
    other = int(answers["enterprise"]) if answers.get("enterprise") else None
    if await enterprises.duplicate(ctx.db, int(unit_id), str(answers["name"]), zone, other):
        return [
            Problem("name", N_("{name} is in the register of this zone already."), {"name": answers["name"]})
        ]
    problems = []
    members, elsewhere = answers.get("party_members"), answers.get("members_elsewhere")
    if members is not None and elsewhere is not None and int(elsewhere) > int(members):
        problems.append(
            Problem(
                "members_elsewhere",
                N_("This cannot be more than the party members working there ({limit})."),
                {"limit": members},
            )
        )
    return problems


async def _save_register(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    values = {k: answers.get(k) for k in enterprise_register.COLUMNS if k in answers}
    cell = answers.get("cell")
    return await enterprises.save_entry(
        tx,
        await _scope(ctx, tx),
        int(answers["enterprise"]) if answers.get("enterprise") else None,
        values,
        trade_union=bool(answers.get("trade_union")),
        youth_union=bool(answers.get("youth_union")),
        cell_id=int(cell) if cell else None,
        now=ctx.now,
    )


def register_fields(*, new: bool) -> tuple[Field, ...]:
    """Return the questions of an enterprise of the register (a new one first asks whose register)."""
    first = (
        Field(
            "unit",
            Kind.PICK,
            N_("Register of"),
            N_("In the register of which committee?"),
            options=_register_options,
            fixed=True,
        )
        if new
        else ENTERPRISE_FIELD
    )
    return (
        first,
        Field("name", Kind.NAME, N_("Enterprise name"), N_("Name of the enterprise?"), max_length=150),
        Field(
            "zone",
            Kind.TEXT,
            N_("Zone"),
            N_("Industrial zone or cluster it is in?"),
            max_length=100,
        ),
        Field("ownership", Kind.CHOICE, N_("Ownership"), N_("Who owns it?"), choices=enterprises.OWNERSHIPS),
        WORKERS,
        YOUNG_WORKERS,
        Field("trade_union", Kind.YESNO, N_("Trade union"), N_("Does it have a trade union?")),
        Field("youth_union", Kind.YESNO, N_("Youth Union branch"), N_("Does it have a Youth Union branch?")),
        Field(
            "youth_union_members",
            Kind.INT,
            N_("Youth Union members"),
            N_("How many members has its Youth Union branch?"),
            minimum=0,
            maximum=500_000,
            shown_if=lambda a: bool(a.get("youth_union")),
            check=_at_most("workers", NOT_MORE_THAN_WORKERS),
        ),
        Field(
            "party_members",
            Kind.INT,
            N_("Party members working there"),
            N_("How many party members work there?"),
            minimum=0,
            maximum=10_000,
            check=_at_most("workers", NOT_MORE_THAN_WORKERS),
        ),
        Field(
            "members_elsewhere",
            Kind.INT,
            N_("Members registered elsewhere"),
            N_("Of them, how many are still registered where they live?"),
            minimum=0,
            maximum=10_000,
            shown_if=lambda a: bool(a.get("party_members")),
        ),
        Field(
            "cell",
            Kind.PICK,
            N_("Party cell"),
            N_("Does it have a party cell already? Pick it, or skip if it has none."),
            options=_cell_options_for_register,
            optional=True,
        ),
    )


async def _save_new_register(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    return await _save_register(tx, ctx, {k: v for k, v in answers.items() if k != "enterprise"}, record_id)


ADD_ENTERPRISE = Form(
    name="addenterprise",
    kind="register",
    title=N_("Enterprise in the register"),
    fields=register_fields(new=True),
    save=_save_new_register,
    final_check=_register_check,
    per_cell=False,
    roles=COMMITTEE_FORMS,
    done=N_("✅ Added to the register: see it with /enterprises."),
)
EDIT_ENTERPRISE = Form(
    name="editenterprise",
    kind="register_edit",
    title=N_("Enterprise in the register"),
    fields=register_fields(new=False),
    save=_save_register,
    final_check=_register_check,
    per_cell=False,
    roles=COMMITTEE_FORMS,
    done=N_("✅ The register is corrected: see it with /enterprises."),
)


async def register_answers(db: Queryable, enterprise_id: int) -> Answers:
    """Return the answers of an enterprise of the register, to correct it in its form."""
    entry = await enterprise_register.get(db, enterprise_id)
    if entry is None:
        return {}
    answers: Answers = {k: v for k, v in entry.values.items() if k != "unit_id"}
    answers["trade_union"] = enterprises.has(entry, Stage.TRADE_UNION)
    answers["youth_union"] = enterprises.has(entry, Stage.YOUTH_UNION)
    answers["cell"] = str(entry.cell_id) if entry.cell_id is not None else None
    if answers["ownership"] is None:
        del answers["ownership"]  # not known yet (entered from a cell's report): asked
    return answers


CONTACT_KINDS = enterprises.CONTACT_KINDS


async def _save_contact(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    return await enterprises.log_contact(
        tx,
        await _scope(ctx, tx),
        _enterprise_id(answers),
        _date(answers["on_date"]),
        str(answers["kind"]),
        str(answers["note"]),
        ctx.now,
    )


CONTACT = Form(
    name="contact",
    kind="contact",
    title=N_("Contact with an enterprise"),
    fields=(
        ENTERPRISE_FIELD,
        Field("on_date", Kind.DATE, N_("Date"), N_("When was the contact?"), past_only=True),
        Field("kind", Kind.CHOICE, N_("Kind"), N_("What kind of contact?"), choices=CONTACT_KINDS),
        Field(
            "note",
            Kind.TEXT,
            N_("Note"),
            N_("What came of it, in a few words? Do not write the names of owners or directors."),
            max_length=500,
        ),
    ),
    save=_save_contact,
    per_cell=False,
    roles=COMMITTEE_FORMS,
    done=N_("✅ Contact logged. Your list: /myenterprises"),
)


async def _stage_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    if not answers.get("enterprise"):
        return []
    entry = await enterprise_register.get(ctx.db, _enterprise_id(answers))
    if entry is None:
        return []
    stages = stages_to_record(enterprises.stage_of(entry), entry.cell_id is not None)
    return [(s.value, ctx.t(STAGE_NAMES[s])) for s in stages]


async def _check_stage(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    entry = await enterprise_register.get(ctx.db, _enterprise_id(answers))
    if entry is None:
        return Invalid(N_("This enterprise is no longer in your register."))
    refused = stage_refusal(Stage(value), entry.party_members)
    return None if refused is None else Invalid(refused[0], **refused[1])


async def _save_stage(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    enterprise_id = _enterprise_id(answers)
    await enterprises.record_stage(
        tx, await _scope(ctx, tx), enterprise_id, Stage(answers["stage"]), _date(answers["on_date"]), ctx.now
    )
    return enterprise_id


STAGE = Form(
    name="stage",
    kind="enterprise_stage",
    title=N_("Stage of an enterprise"),
    fields=(
        ENTERPRISE_FIELD,
        Field(
            "stage",
            Kind.PICK,
            N_("Stage"),
            N_("Which stage did it reach?"),
            options=_stage_options,
            check=_check_stage,
        ),
        Field("on_date", Kind.DATE, N_("Date"), N_("On what date?"), past_only=True),
    ),
    save=_save_stage,
    per_cell=False,
    roles=COMMITTEE_FORMS,
)


async def _check_code(value: Any, answers: Answers, ctx: FormContext) -> Invalid | None:
    code = str(value).strip().lower()
    if not CODE_RE.match(code):
        return Invalid(N_("A unit code has 1 to 32 letters a-z, digits, - or _, for example: cb-honda."))
    if await units.by_code(ctx.db, code) is not None:
        return Invalid(N_("The code {code} is taken already."), code=code)
    return None


async def _save_cell(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    cell = await enterprises.found_cell(
        tx,
        await _scope(ctx, tx),
        _enterprise_id(answers),
        str(answers["code"]),
        str(answers["name"]),
        _date(answers["on_date"]),
        ctx.now,
    )
    return cell.id


async def _founded_cell(ctx: FormContext, cell_id: int) -> dict[str, object]:
    cell = await units.get(ctx.db, cell_id)
    return {"cell": cell.name if cell else "", "code": cell.code if cell else ""}


FOUND_CELL = Form(
    name="foundcell",
    kind="cell_founding",
    title=N_("Found the party cell"),
    fields=(
        ENTERPRISE_FIELD,
        Field(
            "code",
            Kind.TEXT,
            N_("Cell code"),
            N_("Code of the new cell (letters a-z, digits, -)?"),
            max_length=32,
            check=_check_code,
        ),
        Field("name", Kind.NAME, N_("Cell name"), N_("Name of the new cell?"), max_length=120),
        Field(
            "on_date", Kind.DATE, N_("Founded on"), N_("On what date was the cell founded?"), past_only=True
        ),
    ),
    save=_save_cell,
    per_cell=False,
    roles=ADMIN_FORMS,
    done=N_(
        "✅ <b>{cell}</b> is founded and linked to its enterprise. Invite its secretary: "
        "<code>/invite {code} secretary</code>"
    ),
    done_values=_founded_cell,
)


async def found_cell_answers(db: Queryable, enterprise_id: int) -> Answers:
    """Return the code and name a new cell of an enterprise is offered with."""
    entry = await enterprise_register.get(db, enterprise_id)
    if entry is None:
        return {}
    return {"code": await enterprises.free_code(db, entry.name), "name": f"Chi bộ {entry.name}"[:120]}


async def _member_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    if not answers.get("enterprise"):
        return []
    entry = await enterprise_register.get(ctx.db, _enterprise_id(answers))
    if entry is None:
        return []
    options = [(str(u.id), u.display_name) for u in await enterprises.members_for(ctx.db, entry)]
    return [*options, (enterprises.NOBODY, ctx.t(N_("Nobody")))]


async def _save_assignment(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    enterprise_id = _enterprise_id(answers)
    await enterprises.assign(tx, await _scope(ctx, tx), enterprise_id, str(answers["member"]), ctx.now)
    return enterprise_id


ASSIGN = Form(
    name="assign",
    kind="assignment",
    title=N_("Working group member"),
    fields=(
        ENTERPRISE_FIELD,
        Field(
            "member",
            Kind.PICK,
            N_("Member"),
            N_("Which committee member follows this enterprise for the working group?"),
            options=_member_options,
            translate_labels=False,
        ),
    ),
    save=_save_assignment,
    per_cell=False,
    roles=ADMIN_FORMS,
    done=N_("✅ Assigned. The member finds it in /myenterprises."),
)

REGISTER_FORMS: dict[str, Form] = {
    f.name: f for f in (ADD_ENTERPRISE, EDIT_ENTERPRISE, CONTACT, STAGE, FOUND_CELL, ASSIGN)
}
