"""Safeguarding alerts: words kept, calls for help joined, escalation on a fake clock (once,
even with two workers), acknowledging, and rescans that never repeat an alert."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select

from storage import alert_rescan, alerts
from storage.alerts import AlertPolicy, AlertRecipient
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.tables import OutboxRow, SafeguardingAlertEventRow, SafeguardingAlertRow
from surveys.clock import FixedClock
from surveys.engine import Command, UserInput
from surveys.errors import NotFoundError, ValidationError
from surveys.safeguarding import RiskCategory, RiskHit
from tests.factories import campaign_with_codes
from tests.fakes import FakeScorer

CHAT = "telegram"
POLICY = AlertPolicy(recipients=(AlertRecipient(CHAT, "100"),),
                     duty=(AlertRecipient(CHAT, "200"), AlertRecipient(CHAT, "201")))


def service(db: Database, catalog: SurveyCatalog, clock: FixedClock) -> ConversationService:
    return ConversationService(db, catalog, FakeScorer(), clock, alert_policy=POLICY)


async def joined(conversations: ConversationService, db: Database, catalog: SurveyCatalog,
                 clock: FixedClock, address: str = "7") -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address=address)


async def rows(db: Database, model: type, *where: object) -> list[object]:
    async with db.reader() as session:
        in_order = select(model).where(*where).order_by(*inspect(model).primary_key)  # type: ignore[arg-type]
        return list((await session.scalars(in_order)).all())


async def test_an_alert_keeps_the_words_what_they_were_told_and_its_history(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    turn = await conversations.handle(UserInput(text="my uncle hits me with a belt"),
                                      channel=CHAT, address="7", message_key="a")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow) and turn.alert_ids == (alert.id,)
    assert alert.words == "my uncle hits me with a belt" and alert.question_id == "mood"
    assert alert.reply is not None and "0800 1111" in alert.reply and "carry on" in alert.reply
    assert alert.escalate_at == datetime(2026, 1, 5, 10, 15, tzinfo=UTC)  # 15 office minutes
    [event] = await rows(db, SafeguardingAlertEventRow)
    assert isinstance(event, SafeguardingAlertEventRow) and event.kind == "raised"


async def test_repeated_calls_for_help_join_the_open_alert(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    for n in range(3):
        await conversations.handle(UserInput(command=Command.HELP_NOW), channel=CHAT,
                                   address="7", message_key=f"h{n}")
        clock.advance(minutes=1)
    await conversations.handle(UserInput(text="im at my nans house now"), channel=CHAT,
                               address="7", message_key="more")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow) and alert.category == "help_now"
    kinds = [e.kind for e in await rows(db, SafeguardingAlertEventRow)]  # type: ignore[attr-defined]
    assert kinds == ["raised", "joined", "joined", "more"]
    assert len(await rows(db, OutboxRow)) == 1  # the officer is told once
    async with db.transaction() as session:
        await alerts.acknowledge(session, clock.now(), alert.id, actor="officer", note="rang")
    await conversations.handle(UserInput(command=Command.HELP_NOW), channel=CHAT,
                               address="7", message_key="after")
    assert len(await rows(db, SafeguardingAlertRow)) == 2  # closed: a new alert


async def test_more_words_the_model_finds_risky_join_an_open_alert_or_raise_a_new_one(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    """After a disclosure, words only the model finds risky go with the alert while it is
    open; once an officer has acknowledged it (the child back days later, still asked
    whether to carry on), they raise a new alert and the officers are told again."""
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(text="my carer hits me when im late"), channel=CHAT,
                               address="7", message_key="a")
    more = "it happened again on friday. please dont tell him I said"
    await conversations.handle(UserInput(text=more), channel=CHAT, address="7", message_key="b")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow)
    events = await rows(db, SafeguardingAlertEventRow)
    assert [(e.kind, e.words) for e in events][-1] == ("more", more)  # type: ignore[attr-defined]
    told = len(await rows(db, OutboxRow))
    async with db.transaction() as session:
        await alerts.acknowledge(session, clock.now(), alert.id, actor="officer", note="visited")
    clock.advance(days=3)
    await conversations.handle(UserInput(text=more), channel=CHAT, address="7", message_key="c")
    alerts_now = await rows(db, SafeguardingAlertRow)
    assert len(alerts_now) == 2
    new = alerts_now[-1]
    assert isinstance(new, SafeguardingAlertRow) and new.words == more
    assert len(await rows(db, OutboxRow)) > told  # the officers are told of it


async def test_one_message_with_several_signs_raises_one_alert_listing_them_all(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    words = "he touches me and says its a secret and i want to die"
    turn = await conversations.handle(UserInput(text=words), channel=CHAT, address="7",
                                      message_key="a")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow) and turn.alert_ids == (alert.id,)
    shown = alerts.alert_categories(alert)
    assert shown[0] == alert.category == "suicide" and "sexual_abuse" in shown
    label = alerts.categories_label(shown)
    assert label.startswith(alerts.category_label("suicide") + "; ")
    assert alerts.category_label("sexual_abuse") in label
    assert len(await rows(db, OutboxRow)) == 1  # "1 waiting", not one per category
    for n in range(2):  # pressing "I need help now" while it is open joins it
        again = await conversations.handle(UserInput(command=Command.HELP_NOW), channel=CHAT,
                                           address="7", message_key=f"h{n}")
        assert again.alert_ids == (alert.id,)
    assert len(await rows(db, SafeguardingAlertRow)) == 1
    kinds = [e.kind for e in await rows(db, SafeguardingAlertEventRow)]  # type: ignore[attr-defined]
    assert kinds == ["raised", "joined", "joined"]


async def test_a_message_outside_a_survey_with_several_signs_raises_one_alert(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(command=Command.STOP), channel=CHAT, address="7",
                               message_key="stop")
    turn = await conversations.handle(UserInput(text="i want to kill myself and i cut myself"),
                                      channel=CHAT, address="7", message_key="a")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow) and turn.alert_ids == (alert.id,)
    assert alerts.alert_categories(alert) == ("suicide", "self_harm")


async def test_escalation_after_15_office_minutes_once_even_with_two_workers(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(text="I want to kill myself"), channel=CHAT,
                               address="7", message_key="a")
    clock.advance(minutes=14, seconds=59)
    assert await alerts.escalate_due(db, clock, POLICY) == []
    clock.advance(seconds=1)
    first, second = await asyncio.gather(alerts.escalate_due(db, clock, POLICY),
                                         alerts.escalate_due(db, clock, POLICY))
    assert sorted(first + second) == [1]
    said = [r.getMessage() for r in caplog.records if "escalated" in r.getMessage()]
    assert said == ["safeguarding alert 1 escalated: not acknowledged in time; sent to the duty "
                    "team (2)"]  # which alert, and who was told: the log line says both
    assert await alerts.escalate_due(db, clock, POLICY) == []  # a restart changes nothing
    duty = await rows(db, OutboxRow, OutboxRow.dedupe_key.like("escalate:%"))
    assert sorted(r.address for r in duty) == ["200", "201"]  # type: ignore[attr-defined]
    events = [e.kind for e in await rows(db, SafeguardingAlertEventRow)]  # type: ignore[attr-defined]
    assert events == ["raised", "escalated"]


async def test_an_officer_sends_an_alert_to_the_duty_team_now_and_the_clock_does_not_again(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(text="he said hes coming round tonight with a knife"),
                               channel=CHAT, address="7", message_key="a")
    async with db.transaction() as session:
        with pytest.raises(ValidationError, match="no duty team"):
            await alerts.send_to_duty(session, clock.now(), 1, actor="o", note="now",
                                      policy=AlertPolicy())
        with pytest.raises(ValueError, match="say why"):
            await alerts.send_to_duty(session, clock.now(), 1, actor="o", note=" ", policy=POLICY)
        with pytest.raises(NotFoundError):
            await alerts.send_to_duty(session, clock.now(), 99, actor="o", note="x", policy=POLICY)
        sent = await alerts.send_to_duty(session, clock.now(), 1, actor="o",
                                         note="Out of hours and cannot wait", policy=POLICY)
    assert sent == 2
    duty = await rows(db, OutboxRow, OutboxRow.kind == "alert", OutboxRow.address != "100")
    assert sorted(r.address for r in duty) == ["200", "201"]  # type: ignore[attr-defined]
    assert all(r.payload["escalated"] for r in duty)  # type: ignore[attr-defined]
    escalated = SafeguardingAlertEventRow.kind == "escalated"
    [event] = await rows(db, SafeguardingAlertEventRow, escalated)
    assert isinstance(event, SafeguardingAlertEventRow) and event.actor == "o"
    assert event.detail is not None and "Out of hours and cannot wait" in event.detail
    clock.advance(hours=2)
    assert await alerts.escalate_due(db, clock, POLICY) == []  # not sent again by the clock
    async with db.transaction() as session:  # sent again by hand: a second message each
        await alerts.send_to_duty(session, clock.now(), 1, actor="o2", note="No answer yet",
                                  policy=POLICY)
    assert len(await rows(db, OutboxRow, OutboxRow.address.in_(["200", "201"]))) == 4
    [raised] = await rows(db, SafeguardingAlertRow)
    assert raised.acknowledged_at is None  # type: ignore[attr-defined]  # still waiting


async def test_acknowledged_alerts_are_not_escalated_and_need_a_note(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(command=Command.HELP_NOW), channel=CHAT,
                               address="7", message_key="a")
    async with db.transaction() as session:
        try:
            await alerts.acknowledge(session, clock.now(), 1, actor="o", note="  ")
        except ValueError as error:
            assert "note" in str(error)
        else:
            raise AssertionError("acknowledged without a note")
        await alerts.acknowledge(session, clock.now(), 1, actor="o", note="Rang the carer")
    clock.advance(hours=2)
    assert await alerts.escalate_due(db, clock, POLICY) == []


async def test_out_of_hours_the_clock_waits_for_the_office(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    clock.at = datetime(2026, 1, 9, 18, 30, tzinfo=UTC)  # Friday evening
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(command=Command.HELP_NOW), channel=CHAT,
                               address="7", message_key="a")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert alert.escalate_at == datetime(2026, 1, 12, 9, 15, tzinfo=UTC)  # type: ignore[attr-defined]
    clock.at = datetime(2026, 1, 12, 9, 14, tzinfo=UTC)
    assert await alerts.escalate_due(db, clock, POLICY) == []
    clock.at = datetime(2026, 1, 12, 9, 15, tzinfo=UTC)
    assert await alerts.escalate_due(db, clock, POLICY) == [1]


async def test_rescan_raises_alerts_for_stored_answers_once(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    for n, step in enumerate([UserInput(option="3", question_id="mood"),
                              UserInput(option="home", question_id="where"),
                              UserInput(command=Command.SKIP),
                              UserInput(option="no", question_id="chair"),
                              UserInput(text="i spent the weekend at zorblat house")]):
        await conversations.handle(step, channel=CHAT, address="7", message_key=f"s{n}")
    assert await rows(db, SafeguardingAlertRow) == []  # today's net (in this test) missed it
    category = next(iter(RiskCategory))

    def newer_net(text: str) -> tuple[RiskHit, ...]:
        return (RiskHit(category, "zorblat"),) if "zorblat" in text else ()

    since = datetime(2026, 1, 1, tzinfo=UTC)
    seen: list[int] = []
    summary = await alert_rescan.rescan(db, clock, POLICY, since, detect=newer_net,
                                        progress=seen.append)
    assert (summary.scanned, summary.matched, summary.raised, summary.already) == (1, 1, 1, 0)
    assert sum(seen) == 1
    [alert] = await rows(db, SafeguardingAlertRow)
    assert alert.source == "rescan" and alert.words == "i spent the weekend at zorblat house"  # type: ignore[attr-defined]
    assert alert.answer_id is not None and alert.reply is None  # type: ignore[attr-defined]
    again = await alert_rescan.rescan(db, clock, POLICY, since, detect=newer_net)
    assert (again.raised, again.already) == (0, 1)
    async with db.reader() as session:
        assert await session.scalar(select(func.count()).select_from(SafeguardingAlertRow)) == 1
        notified = await session.scalar(select(func.count()).select_from(OutboxRow))
    assert notified == 1  # the officer was told of the rescan's alert


async def test_rescan_raises_one_alert_per_answer_and_skips_categories_already_listed(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    for n, step in enumerate([UserInput(option="3", question_id="mood"),
                              UserInput(option="home", question_id="where"),
                              UserInput(command=Command.SKIP),
                              UserInput(option="no", question_id="chair"),
                              UserInput(text="i spent the weekend at zorblat house")]):
        await conversations.handle(step, channel=CHAT, address="7", message_key=f"s{n}")
    first, second, third = list(RiskCategory)[:3]
    found = [first, second]

    def newer_net(text: str) -> tuple[RiskHit, ...]:
        return tuple(RiskHit(c, "zorblat") for c in found) if "zorblat" in text else ()

    since = datetime(2026, 1, 1, tzinfo=UTC)
    summary = await alert_rescan.rescan(db, clock, POLICY, since, detect=newer_net)
    assert (summary.matched, summary.raised, summary.already) == (1, 1, 0)
    [alert] = await rows(db, SafeguardingAlertRow)
    assert alerts.alert_categories(alert) == (first, second)  # type: ignore[arg-type]
    found.append(third)  # a later net finds one more sign: one more alert, for it alone
    again = await alert_rescan.rescan(db, clock, POLICY, since, detect=newer_net)
    assert (again.raised, again.already) == (1, 2)
    newest = (await rows(db, SafeguardingAlertRow, SafeguardingAlertRow.id != alert.id))[0]
    assert alerts.alert_categories(newest) == (third,)  # type: ignore[arg-type]


async def test_erasure_blanks_the_words_on_alerts_and_keeps_the_alerts(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    from storage.alerts import acknowledge
    from storage.erasure import erase_person

    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(text="I want to kill myself"), channel=CHAT,
                               address="7", message_key="a")
    await conversations.handle(UserInput(text="please help me"), channel=CHAT,
                               address="7", message_key="b")
    events = await rows(db, SafeguardingAlertEventRow)
    assert any(e.words for e in events)  # type: ignore[attr-defined]
    async with db.transaction() as session:
        [alert] = (await session.scalars(select(SafeguardingAlertRow))).all()
        await acknowledge(session, clock.now(), alert.id, actor="officer", note="rang Sam")
        await erase_person(session, clock, "P00000-small", actor="admin")
    [kept] = await rows(db, SafeguardingAlertRow)
    assert kept.words is None and kept.category == alert.category  # type: ignore[attr-defined]
    assert kept.person_id is None and "Sam" not in (kept.note or "")  # type: ignore[attr-defined]
    history = await rows(db, SafeguardingAlertEventRow)
    assert not any(e.words for e in history)  # type: ignore[attr-defined]
    assert not any("Sam" in (e.detail or "") for e in history)  # type: ignore[attr-defined]


async def test_words_the_net_cannot_read_raise_a_quiet_alert(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    turn = await conversations.handle(UserInput(text="ساعدني من فضلك"), channel=CHAT,
                                      address="7", message_key="ar")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow) and turn.alert_ids == (alert.id,)
    assert alert.category == "unread" and alert.words == "ساعدني من فضلك"
    assert alert.reply is None  # they were told nothing: nothing was seen to worry about
    assert all(p.kind.value != "help" for p in turn.prompts)
    assert alerts.category_label("unread").startswith("Not read by the net")
    assert len(await rows(db, OutboxRow)) == 1  # an officer is told, as for any alert


async def test_welsh_words_raise_their_category_with_the_help_reply(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    await conversations.handle(UserInput(text="mae o'n fy nghyffwrdd i yn y nos"),
                               channel=CHAT, address="7", message_key="cy")
    [alert] = await rows(db, SafeguardingAlertRow)
    assert isinstance(alert, SafeguardingAlertRow) and alert.category == "sexual_abuse"
    assert alert.reply is not None and "0800 1111" in alert.reply


async def test_unread_words_outside_a_survey_are_kept_for_a_person(
    db: Database, catalog: SurveyCatalog, clock: FixedClock
) -> None:
    conversations = service(db, catalog, clock)
    await joined(conversations, db, catalog, clock)
    steps = [UserInput(option="4", question_id="mood"), UserInput(text="1"),
             UserInput(command=Command.SKIP), UserInput(text="no"),
             UserInput(command=Command.SKIP)]
    turn = None
    for n, step in enumerate(steps):
        turn = await conversations.handle(step, channel=CHAT, address="7", message_key=f"s{n}")
    assert turn is not None and turn.finished
    replies = []
    for n, text in enumerate(("شكرا", "أنا خائف من البيت")):
        turn = await conversations.handle(UserInput(text=text), channel=CHAT, address="7",
                                          message_key=f"after{n}")
        replies.append(turn.prompts[0].text)
    assert all("don't have a survey to answer" in said for said in replies)
    found = await rows(db, SafeguardingAlertRow)
    assert [a.category for a in found] == ["unread"]  # type: ignore[attr-defined]
