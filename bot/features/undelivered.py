"""The admins' weekly count of messages that could not be delivered (Zalo, to people who had not
written to the bot for a while), and who is still waiting to get theirs. Plain text in, HTML out."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.i18n import N_, Translator
from storage.delivery import WeekCount

LISTED = 30  # people named in the report; the rest are counted


def report(count: WeekCount, t: Translator, zone: ZoneInfo) -> str:
    """Return the weekly report's text (only worth sending when something could not be delivered)."""
    lines = [
        Markup("📮 <b>{}</b>").format(t(N_("Messages that could not be delivered this week"))),
        Markup(
            t(
                N_(
                    "{messages} messages could not reach {people} people: Zalo may stop a bot from "
                    "writing to someone who has not written to it for a while. {later} of them were "
                    "delivered once the person wrote again."
                )
            )
        ).format(messages=count.messages, people=count.people, later=count.delivered_later),
    ]
    if count.held:
        lines += [
            Markup(""),
            Markup("<b>{}</b>").format(t(N_("Still waiting for them to write to the bot:"))),
        ]
        for person in count.held[:LISTED]:
            where = Markup(" ({})").format(person.unit_name) if person.unit_name else Markup("")
            lines.append(
                Markup(t(N_("• {name}{where}: {waiting} messages waiting since {since}"))).format(
                    name=person.name,
                    where=where,
                    waiting=person.waiting,
                    since=t.date(person.since.astimezone(zone).date()),
                )
            )
        if len(count.held) > LISTED:
            lines.append(Markup(t(N_("… and {n} more."))).format(n=len(count.held) - LISTED))
    lines += [
        Markup(""),
        Markup(
            t(N_("Ask them to send the bot a message once a week, so that reminders and digests reach them."))
        ),
    ]
    return str(Markup("\n").join(lines))
