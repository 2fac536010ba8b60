"""Conversations over the store: nothing lost, nothing duplicated, alerts first."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService, NotLinkedError
from storage.database import Database
from storage.tables import (
    AnswerRow,
    InvitationRow,
    OutboxRow,
    ResponseRow,
    SafeguardingAlertRow,
)
from surveys.clock import FixedClock
from surveys.engine import Command, PromptKind, UserInput
from surveys.errors import InvitationError
from surveys.loader import dump_survey_yaml, load_builtin_surveys
from tests.factories import campaign_with_codes, small_survey
from tests.fakes import FakeScorer

CHAT = "telegram"


async def count(db: Database, model: type, *where: object) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def test_redeem_links_and_asks_the_first_question(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    turn = await conversations.redeem(code, channel=CHAT, address="100")
    assert turn.prompts[0].kind is PromptKind.INTRO
    assert turn.current_question == "mood"
    async with db.reader() as session:
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None and invitation.used_at is not None
        response = await session.scalar(select(ResponseRow))
        assert response is not None and response.started_at is None  # opened, not started


@pytest.mark.parametrize("reason", ["unknown", "started", "expired", "revoked", "closed"])
async def test_codes_that_cannot_be_used_get_a_kind_message(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    reason: str,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock, days=3)
    if reason == "unknown":
        code = "no-such-code"
    elif reason == "started":  # in another chat: that one may carry on after a check
        await conversations.redeem(code, channel=CHAT, address="1")
    elif reason == "expired" or reason == "closed":
        clock.advance(days=4)
    elif reason == "revoked":
        from storage.campaigns import revoke_invitation

        async with db.transaction() as session:
            await revoke_invitation(session, code, clock)
    with pytest.raises(InvitationError) as caught:
        await conversations.redeem(code, channel=CHAT, address="2")
    assert caught.value.reason in (reason, "expired")
    assert "@" not in str(caught.value) and "REF" not in str(caught.value)
    assert "someone" not in str(caught.value)


async def test_same_chat_redeeming_again_resumes(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="7")
    await conversations.handle(
        UserInput(option="4", question_id="mood"), channel=CHAT, address="7", message_key="m1"
    )
    turn = await conversations.redeem(code, channel=CHAT, address="7")
    assert turn.current_question == "where"


async def test_every_answer_is_committed_and_survives_a_restart(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    scorer: FakeScorer,
    backend: str,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    first = ConversationService(db, catalog, scorer, clock)
    await first.redeem(code, channel=CHAT, address="9")
    await first.handle(
        UserInput(option="2", question_id="mood"), channel=CHAT, address="9", message_key="a"
    )
    await first.handle(UserInput(text="1"), channel=CHAT, address="9", message_key="b")
    # a new process: a fresh catalog and service over the same store
    restarted = ConversationService(db, SurveyCatalog(clock), scorer, clock)
    turn = await restarted.open(channel=CHAT, address="9")
    assert turn.prompts[0].kind is PromptKind.NOTICE  # welcome back
    assert turn.current_question == "who"
    async with db.reader() as session:
        values = (await session.execute(select(AnswerRow.question_id, AnswerRow.value))).all()
    assert sorted(values) == [("mood", 2), ("where", "home")]


async def test_duplicate_delivery_is_recorded_once(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="5")
    first = await conversations.handle(
        UserInput(option="3", question_id="mood"), channel=CHAT, address="5", message_key="update-1"
    )
    again = await conversations.handle(
        UserInput(option="3", question_id="mood"), channel=CHAT, address="5", message_key="update-1"
    )
    assert not first.duplicate and again.duplicate
    assert await count(db, AnswerRow) == 1


async def test_concurrent_duplicates_and_inputs_lose_nothing(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, codes = await campaign_with_codes(db, catalog, clock, people=6)
    for i, code in enumerate(codes):
        await conversations.redeem(code, channel=CHAT, address=str(i))
    jobs = []
    for i in range(len(codes)):
        for _ in range(3):  # each delivered three times at once
            jobs.append(
                conversations.handle(
                    UserInput(option="4", question_id="mood"),
                    channel=CHAT,
                    address=str(i),
                    message_key=f"u{i}",
                )
            )
    turns = await asyncio.gather(*jobs)
    assert sum(not t.duplicate for t in turns) == len(codes)
    assert await count(db, AnswerRow) == len(codes)


async def test_back_and_answer_again_supersedes_without_deleting(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="3")
    for key, user_input in enumerate(
        [
            UserInput(option="2", question_id="mood"),
            UserInput(command=Command.BACK),
            UserInput(option="5", question_id="mood"),
        ]
    ):
        await conversations.handle(user_input, channel=CHAT, address="3", message_key=str(key))
    assert await count(db, AnswerRow) == 2
    assert await count(db, AnswerRow, AnswerRow.superseded_at.is_(None)) == 1


async def test_finishing_marks_the_response_and_invitation_returned(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    scorer: FakeScorer,
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="4")
    steps = [
        UserInput(option="4", question_id="mood"),
        UserInput(text="1"),
        UserInput(command=Command.SKIP),
        UserInput(text="no"),
        UserInput(text="I like my meeting"),
    ]
    turn = None
    for n, user_input in enumerate(steps):
        turn = await conversations.handle(user_input, channel=CHAT, address="4", message_key=str(n))
    assert turn is not None and not turn.finished  # asked who may read the last words ...
    async with db.reader() as session:
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None and invitation.returned_at is not None  # ... returned
        returned = invitation.returned_at
    turn = await conversations.handle(
        UserInput(option="shared", question_id="for_iro"), channel=CHAT, address="4"
    )
    assert turn.finished
    async with db.reader() as session:
        invitation = await session.scalar(select(InvitationRow))
        assert invitation is not None
        assert invitation.started_at is not None and invitation.returned_at == returned
        text = await session.scalar(select(AnswerRow).where(AnswerRow.question_id == "for_iro"))
        assert text is not None and text.polarity is not None and text.polarity > 0
    assert scorer.calls == 1  # scored once, when stored


async def test_alert_is_stored_with_an_outbox_notification(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, scorer: FakeScorer
) -> None:
    from storage.conversations import AlertRecipient

    service = ConversationService(
        db, catalog, scorer, clock, alert_recipients=[AlertRecipient("telegram", "999")]
    )
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await service.redeem(code, channel=CHAT, address="8")
    turn = await service.handle(
        UserInput(text="I need help now"), channel=CHAT, address="8", message_key="x"
    )
    assert turn.alert_ids and turn.prompts[0].kind is PromptKind.HELP
    assert await count(db, SafeguardingAlertRow) == 1
    assert await count(db, OutboxRow, OutboxRow.kind == "alert") == 1


async def test_help_outside_a_survey_still_raises_an_alert(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock, days=1)
    await conversations.redeem(code, channel=CHAT, address="6")
    clock.advance(days=2)  # the campaign has closed
    turn = await conversations.handle(
        UserInput(text="i want to run away"), channel=CHAT, address="6", message_key="z"
    )
    assert turn.alert_ids
    assert await count(db, SafeguardingAlertRow) == 1


async def test_unlinked_chat_is_refused(conversations: ConversationService) -> None:
    with pytest.raises(NotLinkedError):
        await conversations.handle(UserInput(text="hi"), channel=CHAT, address="nobody")


async def test_changed_survey_is_a_new_version_and_responses_keep_theirs(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="11")
    changed = small_survey(title="A changed survey")
    async with db.transaction() as session:
        registered = await catalog.register(session, changed)
        unchanged = await catalog.register(session, small_survey())
    assert registered.created and registered.row.version == 2
    assert not unchanged.created and unchanged.row.version == 1
    async with db.reader() as session:
        response = await session.scalar(select(ResponseRow))
        assert response is not None
        stored = await SurveyCatalog(clock).get(session, response.survey_version_id)
    assert stored.version == 1 and stored.title == "A small survey"
    clock.advance(minutes=1)
    assert (await conversations.open(channel=CHAT, address="11")).current_question == "mood"


async def test_builtins_sync_once(db: Database, catalog: SurveyCatalog) -> None:
    async with db.transaction() as session:
        first = await catalog.sync_builtins(session)
        second = await catalog.sync_builtins(session)
    assert all(r.created for r in first) and not any(r.created for r in second)
    assert len(first) >= 5


async def test_a_stored_definition_is_the_dump_of_its_own_version(
    db: Database, catalog: SurveyCatalog
) -> None:
    """The dumped YAML is remembered by content and version: a changed survey, or the same
    content stored as a new version, never gets another's text."""
    survey = small_survey()
    changed = replace(survey, title="Another title")
    async with db.transaction() as session:
        first = await catalog.register(session, survey)
        second = await catalog.register(session, changed)
        again = await catalog.register(session, survey)
        rows = [first.row, second.row, again.row]
    assert [r.version for r in rows] == [1, 2, 1]
    assert [r.definition for r in rows] == [
        dump_survey_yaml(survey), dump_survey_yaml(replace(changed, version=2)),
        dump_survey_yaml(survey),
    ]  # fmt: skip
    assert load_builtin_surveys() is not load_builtin_surveys()  # a list of one's own
    assert load_builtin_surveys() == load_builtin_surveys()


async def test_paused_response_resumes_after_days(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    _, [code] = await campaign_with_codes(db, catalog, clock)
    await conversations.redeem(code, channel=CHAT, address="12")
    await conversations.handle(
        UserInput(option="1", question_id="mood"), channel=CHAT, address="12", message_key="1"
    )
    await conversations.handle(
        UserInput(command=Command.STOP), channel=CHAT, address="12", message_key="2"
    )
    clock.advance(days=3)
    turn = await conversations.open(channel=CHAT, address="12")
    assert turn.current_question == "where"


async def test_inputs_go_to_the_survey_this_chat_opened_last(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    """A young person with two open surveys answers the one they opened last in this chat."""
    from dataclasses import replace

    from storage import campaigns as campaign_store

    first_id, [first] = await campaign_with_codes(db, catalog, clock)
    other = replace(small_survey(), key="other")
    async with db.transaction() as session:
        await catalog.register(session, other)
        campaign = await campaign_store.create_campaign(
            session,
            catalog,
            clock,
            name="second",
            survey_key="other",
            opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=3),
        )
        people = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        issued = await campaign_store.issue_invitations(session, campaign, people, clock)
        [second] = [c.code for c in issued.codes]
    clock.advance(hours=1)
    await conversations.redeem(second, channel=CHAT, address="phone-b")
    clock.advance(hours=1)
    await conversations.redeem(first, channel=CHAT, address="phone-a")
    turn = await conversations.handle(
        UserInput(option="2", question_id="mood"), channel=CHAT, address="phone-b", message_key="b1"
    )
    async with db.reader() as session:
        answered = await session.scalar(
            select(ResponseRow.campaign_id).join(AnswerRow, AnswerRow.response_id == ResponseRow.id)
        )
    assert answered == campaign.id and answered != first_id
    assert turn.current_question == "where"


async def test_help_outside_a_survey_gives_an_adult_the_helplines_an_adult_can_call(
    db: Database, catalog: SurveyCatalog, clock: FixedClock, conversations: ConversationService
) -> None:
    from storage.tables import PersonRow

    await campaign_with_codes(db, catalog, clock, age_band="18-21")
    await campaign_with_codes(db, catalog, clock, survey=replace(small_survey(), key="other"))
    async with db.reader() as session:
        people = dict((await session.execute(select(PersonRow.age_band, PersonRow.id))).all())
    adult = await conversations.help_reply(people["18-21"], "en")
    young = await conversations.help_reply(people["13-15"], "en")
    unknown = await conversations.help_reply(None, "en")
    assert "116 123" in adult and "Childline" in adult  # Childline for under-19s still named
    assert "116 123" not in young and "0800 1111" in young and unknown == young
