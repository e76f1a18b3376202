"""Broadcasts: an admin writes one message (previewed and confirmed through the form engine) that
goes to every secretary of a unit's subtree through the outbox, rate-limited and exactly once; the
admin gets the delivery count when the last one is through."""

from __future__ import annotations

import json
import secrets
from typing import Any

from markupsafe import Markup

from bot.forms.fields import Answers, Field, Form, FormContext, Invalid, Kind
from bot.i18n import N_, translator
from storage import outbox, units, updates, users
from storage.database import Queryable
from storage.models import Role
from storage.updates import kv_set

KV_PREFIX = "broadcast:"


async def _targets(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    """Return the units a message can go to: the whole committee first, then each unit below it."""
    options: list[tuple[str, str]] = []
    for unit in await units.all_units(ctx.db):
        if unit.id == units.ROOT_ID:
            label = ctx.t(N_("The whole committee: {unit}")).format(unit=unit.name)
            options.insert(0, (str(unit.id), label))
        else:
            options.append((str(unit.id), f"{unit.name} ({unit.code})"))
    return options


async def _save(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    if ctx.outbox is None:
        raise RuntimeError("a broadcast needs the outbox")
    if ctx.role is not Role.ADMIN:
        raise Invalid(N_("This is for admins only."))
    target = await units.get(tx, int(answers["target"]))
    if target is None:
        raise Invalid(N_("This unit no longer exists."))
    recipients = await users.reachable(tx, Role.SECRETARY.value, await units.subtree_ids(tx, target.id))
    if not recipients:
        raise Invalid(N_("No secretary of {unit} can receive a message yet."), unit=target.name)
    batch = f"{ctx.now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    for user in recipients:
        t = translator(user.language or ctx.t.locale)
        text = (
            Markup(t(N_("📢 <b>Message from {sender}</b> to {unit}:"))).format(
                sender=ctx.user.display_name, unit=target.name
            )
            + Markup("\n")
            + Markup.escape(answers["message"])
        )
        await ctx.outbox.enqueue(
            tx, f"broadcast:{batch}:{user.id}", user, "broadcast", str(text), batch=batch, unit_id=target.id
        )
    report: dict[str, Any] = {"admin": ctx.user.id, "unit": target.name, "total": len(recipients)}
    await kv_set(tx, KV_PREFIX + batch, json.dumps(report, ensure_ascii=False))
    return len(recipients)


BROADCAST = Form(
    name="broadcast",
    kind="broadcast",
    admin_only=True,
    title=N_("Broadcast"),
    per_cell=False,
    done=N_(
        "📢 The message is on its way to the secretaries (held until morning during the quiet hours). "
        "I will tell you how many received it."
    ),
    fields=(
        Field(
            "target",
            Kind.PICK,
            N_("To"),
            N_("To which unit? Its secretaries and those of every cell under it receive the message."),
            options=_targets,
        ),
        Field("message", Kind.TEXT, N_("Message"), N_("Write the message."), max_length=3500),
    ),
    save=_save,
    save_label=N_("📨 Send"),
)


async def completed(db: Queryable) -> list[tuple[str, dict[str, Any], outbox.BatchCount]]:
    """Return the broadcasts whose messages are all through (sent or given up), with their counts."""
    done = []
    for key, value in await updates.kv_with_prefix(db, KV_PREFIX):
        batch = key[len(KV_PREFIX) :]
        count = await outbox.batch_count(db, batch)
        if count.pending == 0:
            done.append((batch, json.loads(value), count))
    return done
