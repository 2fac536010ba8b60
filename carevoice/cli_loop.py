"""Commands for the loop back to young people: rolling campaigns before each review
(`campaign create --rolling`, `campaign reviews`, `campaign invite-before-review`),
closing a campaign early (`campaign close`) and a young person's own link (`contact link`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import (
    DatabaseOption,
    _parse_when,
    app,
    campaign_app,
    console,
    run_async,
    with_services,
)

if TYPE_CHECKING:
    from services.container import Services

contact_app = typer.Typer(
    help="A young person's own link for messages at any time (/talk/...).", no_args_is_help=True
)
app.add_typer(contact_app, name="contact")


async def create_rolling(
    *,
    survey: str,
    name: str,
    opens: str | None,
    closes: str | None,
    cohort: str | None,
    age_band: list[str] | None,
    team: list[str] | None,
    reviews: tuple[str | None, str | None],
    report_as: str | None,
    max_reminders: int,
    days_before: int,
    database_url: str | None,
) -> None:
    """`campaign create --rolling`: the campaign, then a first scan (who is due now)."""
    from storage.campaigns import CohortFilter
    from storage.rolling import NO_END, RollingCampaigns, create_rolling_campaign

    if any(reviews):
        raise typer.BadParameter(
            "a rolling campaign invites before every review: leave out "
            "--reviews-from and --reviews-to"
        )
    opens_at = _parse_when(opens, option="--opens") if opens else None
    closes_at = _parse_when(closes, end=True, option="--closes") if closes else None
    wanted = CohortFilter(cohort=cohort, age_bands=tuple(age_band or ()), teams=tuple(team or ()))

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            campaign = await create_rolling_campaign(
                session, services.catalog, services.clock, name=name, survey_key=survey,
                wanted=wanted, days_before=days_before, opens_at=opens_at,
                closes_at=closes_at, report_form=report_as, max_reminders=max_reminders,
            )  # fmt: skip
            jobs = RollingCampaigns(services.db, services.clock, cap=services.asking_cap())
            scan = await jobs.scan_campaign(session, campaign.id)  # who is due now
        ends = (
            "no end date"
            if campaign.closes_at >= NO_END
            else f"until {campaign.closes_at:%Y-%m-%d}"
        )
        console.print(
            f"Rolling campaign {campaign.id} “{campaign.name}”: each young person is "
            f"invited {days_before} days before their review ({ends}). Invited now: "
            f"{scan.invited} ({scan.queued} queued on Telegram).",
            highlight=False,
        )
        if scan.held:
            console.print(f"not invited: {jobs.cap.reason}: {scan.held}", highlight=False)
        if scan.refused_past:
            console.print(
                f"{scan.refused_past} young people have a next_review_date already past: "
                "not invited. Import their new review dates (`carevoice people import`).",
                highlight=False,
            )

    await with_services(database_url, work)


@campaign_app.command("reviews")
@run_async
async def campaign_reviews(
    campaign: Annotated[int, typer.Argument(help="A rolling campaign's id.")],
    database_url: DatabaseOption = None,
) -> None:
    """Per young person and review: was the form returned before the review?"""
    from carevoice.cli_tables import Listing
    from storage.rolling import review_report


    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            lines, total = await review_report(session, campaign, services.clock)
        # a row is one invitation: its id is what `invites reprint --invitation` takes
        table = Listing(("id", "young person", "review", "round", "invited",
                         "reminders", "returned", "before the review?"),
                        free=frozenset({"before the review?"}))
        for line in lines:
            table.add_row(
                str(line.invitation_id),
                line.council_ref,
                f"{line.review_date:%Y-%m-%d}" if line.review_date else "-",
                str(line.cycle),
                f"{line.issued_at:%Y-%m-%d}",
                str(line.reminders_sent),
                f"{line.returned_at:%Y-%m-%d}" if line.returned_at else "-",
                str(line.outcome),
            )
        table.print(console)
        console.print(f"{len(lines)} of {total} shown.")

    await with_services(database_url, work)


@campaign_app.command("invite-before-review")
@run_async
async def campaign_invite_before_review(
    campaign: Annotated[int, typer.Option(help="A rolling campaign's id.")],
    council_ref: Annotated[str, typer.Argument(help="The young person's council reference.")],
    database_url: DatabaseOption = None,
) -> None:
    """Invite one young person to a rolling campaign for their next review now (a review
    date already past is refused)."""
    from storage.rolling import AskedEnough, invite_for_review

    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            try:
                invitation, created = await invite_for_review(
                    session, campaign, council_ref, services.clock, cap=services.asking_cap()
                )
            except AskedEnough as held:  # the hold is kept: officers see it on the campaign
                console.print(f"Not invited: {held.reason}.", highlight=False)
                return
            review = invitation.review_date
        verb = "Invited" if created else "Already invited"
        console.print(f"{verb} for the review on {review:%Y-%m-%d}.", highlight=False)

    await with_services(database_url, work)


@campaign_app.command("close")
@run_async
async def campaign_close(
    campaign: Annotated[int, typer.Argument(
        help="The campaign's id (as `campaign create` printed it; /officer/campaigns lists "
        "them).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Close a campaign now (sent by mistake, or done): its links stop working, nothing
    more is sent, invitations nobody opened are withdrawn (so they don't count towards how
    often a young person is asked), and answers already given are kept."""
    from carevoice.cli import cli_actor
    from storage import audit
    from storage.campaign_closing import close_campaign, closing_plan
    from storage.campaigns import get_campaign

    async def work(services: Services) -> None:
        if not yes:
            async with services.db.reader() as session:
                row = await get_campaign(session, campaign)
                plan = await closing_plan(session, campaign, services.clock)
            console.print(
                f"{row.name}: {plan.unopened} unopened invitations withdrawn, {plan.started} "
                f"started and not finished (they can no longer finish), {plan.finished} "
                f"returned (kept), {plan.waiting_messages} messages not yet sent cancelled.",
                highlight=False,
            )
            typer.confirm(f"Close campaign {campaign} now? This cannot be undone", abort=True)
        async with services.db.transaction() as session:
            done = await close_campaign(session, campaign, services.clock)
            await audit.record(session, services.clock, actor=cli_actor(),
                               action="close campaign",
                               subject=f"campaign {campaign}: {done.unopened} withdrawn")
        console.print(
            f"Closed campaign {campaign}: {done.unopened} unopened invitations withdrawn, "
            f"{done.waiting_messages} messages cancelled; answers kept.", highlight=False,
        )

    await with_services(database_url, work)


@contact_app.command("link")
@run_async
async def contact_link(
    council_ref: Annotated[str, typer.Argument(help="The young person's council reference.")],
    database_url: DatabaseOption = None,
) -> None:
    """Make a young person's own link (any earlier one stops working); printed once."""
    from storage.contact import issue_contact_link


    async def work(services: Services) -> None:
        async with services.db.transaction() as session:
            token = await issue_contact_link(session, council_ref, services.clock)
        console.print(f"{services.settings.public_url.rstrip('/')}/talk/{token}", highlight=False)

    await with_services(database_url, work)
