"""`carevoice audio`: make the read-aloud audio of surveys ahead of time."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Annotated

import typer

from carevoice.cli import DatabaseOption, app, console, progress_bar, run_async, with_services
from surveys.errors import CarevoiceError
from surveys.model import Survey
from surveys.speech import VOICES, Speaker, speakable

if TYPE_CHECKING:
    from carevoice.wiring import Services

audio_app = typer.Typer(
    help="Read-aloud audio (espeak-ng, made on this machine): make it ahead of time.",
    no_args_is_help=True,
)
app.add_typer(audio_app, name="audio")


@audio_app.command("make")
@run_async
async def audio_make(
    survey_keys: Annotated[
        list[str] | None,
        typer.Option("--survey", help="A survey key (repeat for several; default: every one)."),
    ] = None,
    language: Annotated[
        str, typer.Option(help=f"Language: {', '.join(VOICES)} (default en).")
    ] = "en",
    database_url: DatabaseOption = None,
) -> None:
    """Make the audio of every question, option and message of the newest version of
    surveys, with a progress bar; pieces already made are kept. Web chats and Telegram
    make any missing piece when it is first asked for, so this only saves that wait."""
    if language not in VOICES:
        raise CarevoiceError(f"no voice for {language!r}; choose one of {', '.join(VOICES)}")

    async def work(services: Services) -> None:
        cache = services.audio()
        if cache is None:
            reason = Speaker.find().missing if services.settings.read_aloud else (
                "read-aloud is off (CAREVOICE_READ_ALOUD=false)"
            )
            raise CarevoiceError(reason)
        surveys: list[Survey] = []
        async with services.db.reader() as session:
            if survey_keys:
                rows = [await services.catalog.latest(session, key) for key in survey_keys]
            else:
                rows = await services.catalog.latest_rows(session)
            for row in rows:
                surveys.append(await services.catalog.get(session, row.id))
        pieces = sum(len(speakable(s, language)) for s in surveys)
        started = time.perf_counter()
        with progress_bar() as bar:
            task = bar.add_task("Making audio", total=pieces)

            def step() -> None:
                bar.advance(task)

            def make(survey: Survey) -> None:
                for _ in cache.make_all(survey, language, step=step):
                    pass

            for survey in surveys:
                bar.update(task, description=f"{survey.key} v{survey.version}")
                await asyncio.to_thread(make, survey)
        took = time.perf_counter() - started
        console.print(
            f"{pieces} pieces of audio for {len(surveys)} survey(s) in {language}, "
            f"in {cache.root} ({took:.1f} s)"
        )

    await with_services(database_url, work, create=True)
