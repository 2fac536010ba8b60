"""Translations for officers: each survey's missing strings per language, a survey's PO
file downloaded for a translator, the translator's file uploaded with a preview of what
would be added and changed (or why it can't be used), then confirmed as a new version."""

from __future__ import annotations

import base64
import io

import httpx
from babel.messages.pofile import read_po, write_po
from sqlalchemy import select

from storage.database import Database
from storage.keys import Role, create_key
from storage.tables import AuditLogRow, SurveyVersionRow
from surveys.clock import FixedClock
from surveys.loader import load_builtin_surveys
from surveys.translations import export_po
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page

PAGE = "/officer/translations"
KEY = "review-feedback"


def translated(data: bytes, language: str, words: dict[str, str]) -> bytes:
    """The PO file as a translator sends it back, with `words` (by place) filled in."""
    catalog = read_po(io.BytesIO(data), locale=language)
    for message in catalog:
        if message.context in words:
            message.string = words[str(message.context)]
    out = io.BytesIO()
    write_po(out, catalog)
    return out.getvalue()


async def versions(db: Database, key: str = KEY) -> list[int]:
    """The stored versions of a survey."""
    async with db.reader() as session:
        found = await session.scalars(
            select(SurveyVersionRow.version).where(SurveyVersionRow.key == key)
        )
        return list(found.all())


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    *,
    survey: str = KEY,
    language: str = "ar",
    name: str = "strings.po",
) -> httpx.Response:
    form = Page.of((await client.get(PAGE)).text).form_to(PAGE + "/preview")
    return await client.post(
        form.action,
        data={"csrf": form.fields["csrf"], "survey": survey, "language": language},
        files={"file": (name, data, "text/x-gettext-translation")},
    )


async def test_the_page_lists_each_survey_with_what_each_language_lacks(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.officer)
    reply = await client.get(PAGE)
    assert reply.status_code == 200
    page = Page.of(reply.text)
    assert "24 missing" in page.text and "All translated" in page.text  # review-feedback: ar, cy
    assert f'href="{PAGE}/{KEY}/cy.po"' in reply.text
    assert 'href="/officer/translations" aria-current="page"' in reply.text  # in the nav


async def test_download_then_upload_shows_what_changes_then_confirm_stores_a_version(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.admin)
    download = await client.get(f"{PAGE}/{KEY}/ar.po")
    assert download.status_code == 200
    assert f'filename="{KEY}-ar.po"' in download.headers["content-disposition"]
    catalog = read_po(io.BytesIO(download.content))
    assert str(catalog.locale) == "ar" and len(catalog) == 24
    data = translated(download.content, "ar", {"title": "كيف كانت مراجعتي؟"})

    preview = await upload(client, data)
    assert preview.status_code == 200, preview.text
    shown = Page.of(preview.text)
    assert "1 string to add, 0 to change; 23 still missing" in shown.text
    assert "كيف كانت مراجعتي؟" in shown.text and "Nothing has been saved" in shown.text
    assert await versions(db) == [1]

    confirm = shown.form_to(PAGE + "/import")
    done = await client.post(confirm.action, data=confirm.data())
    assert done.status_code == 303 and "version=2" in done.headers["location"]
    listed = Page.of((await client.get(done.headers["location"])).text)
    assert f"Saved: {KEY} is now version 2" in listed.text and "23 missing" in listed.text

    again = await client.get(f"{PAGE}/{KEY}/cy.po")  # Welsh: change a string
    cy = translated(again.content, "cy", {"title": "Sut aeth yr adolygiad?"})
    changed = Page.of((await upload(client, cy, language="cy")).text)
    assert "0 strings to add, 1 to change" in changed.text
    assert "Sut aeth fy adolygiad?" in changed.text and "Sut aeth yr adolygiad?" in changed.text
    async with db.reader() as session:
        actions = list((await session.scalars(select(AuditLogRow.action))).all())
    assert "export survey strings" in actions and "import survey strings" in actions


async def test_a_bad_file_is_refused_with_the_reason_and_nothing_stored(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.officer)
    surveys = {s.key: s for s in load_builtin_surveys()}
    other = export_po(surveys["review-prep-child"], "ar")
    cases = [
        (other, KEY, "ar", "for another survey (review-prep-child)"),
        (export_po(surveys[KEY], "cy"), KEY, "ar", "in another language (cy)"),
        (b"council_ref,cohort\nN-1,in_care\n", KEY, "ar", "isn't a PO file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", KEY, "ar", "isn't a PO file"),
        (b"#" * 500_001, KEY, "ar", "larger than 500 KB"),
        (b"", KEY, "ar", "The file is empty"),
        (export_po(surveys[KEY], "ar"), "no-such-survey", "ar", "Choose one of the surveys"),
        (export_po(surveys[KEY], "ar"), KEY, "fr", "not a language surveys are translated"),
    ]
    for data, survey, language, reason in cases:
        reply = await upload(client, data, survey=survey, language=language)
        assert reply.status_code == 422, (reason, reply.status_code)
        page = Page.of(reply.text)
        assert reason in page.text and "Nothing was changed" in page.text, reason
        assert not any(f.action == PAGE + "/import" for f in page.forms)


async def test_a_confirm_is_checked_again_and_needs_the_form_token(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    data = translated(export_po(load_builtin_surveys()[0], "ar"), "ar", {})
    forged = await client.post(
        PAGE + "/preview",
        data={"survey": KEY, "language": "ar"},
        files={"file": ("s.po", data, "text/x-gettext-translation")},
    )
    assert forged.status_code == 403
    form = Page.of((await client.get(PAGE)).text).form_to(PAGE + "/preview")
    no_token = await client.post(
        PAGE + "/import", data={"survey": KEY, "language": "ar", "file_b64": ""}
    )
    assert no_token.status_code == 403
    tampered = await client.post(
        PAGE + "/import",
        data={"csrf": form.fields["csrf"], "survey": KEY, "language": "ar", "file_b64": "!!"},
    )
    assert tampered.status_code == 422
    assert "didn't come back whole" in Page.of(tampered.text).text
    assert await versions(db) == [1]


async def test_a_board_key_is_refused(client: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(client, keys.board)
    for reply in (await client.get(PAGE), await client.get(f"{PAGE}/{KEY}/cy.po")):
        assert reply.status_code == 403
        assert "needs an officer or admin key" in reply.text


async def test_a_file_that_changes_nothing_stores_nothing_and_says_so(
    client: httpx.AsyncClient, keys: Keys, db: Database
) -> None:
    await sign_in(client, keys.officer)
    data = export_po(load_builtin_surveys()[0], "cy")  # every Welsh string already there
    form = Page.of((await client.get(PAGE)).text).form_to(PAGE + "/preview")
    posted = await client.post(
        PAGE + "/import",
        data={
            "csrf": form.fields["csrf"],
            "survey": load_builtin_surveys()[0].key,
            "language": "cy",
            "file_b64": base64.b64encode(data).decode("ascii"),
        },
    )
    assert posted.status_code == 303 and "unchanged=true" in posted.headers["location"]
    listed = Page.of((await client.get(posted.headers["location"])).text)
    assert "Nothing to save" in listed.text and "already has these words" in listed.text
    assert "is now version" not in listed.text
    async with db.reader() as session:
        actions = list((await session.scalars(select(AuditLogRow.action))).all())
    assert "import survey strings" not in actions


async def test_a_key_for_some_teams_may_download_but_not_import(
    client: httpx.AsyncClient, db: Database, clock: FixedClock
) -> None:
    async with db.transaction() as session:
        north = (
            await create_key(session, clock, role=Role.OFFICER, name="north", teams=["North"])
        ).token
    await sign_in(client, north)
    page = await client.get(PAGE)
    assert page.status_code == 200 and "only a key for every team" in Page.of(page.text).text
    assert not any(f.action == PAGE + "/preview" for f in Page.of(page.text).forms)
    assert (await client.get(f"{PAGE}/{KEY}/cy.po")).status_code == 200
    csrf = next(f for f in Page.of(page.text).forms if "csrf" in f.fields).fields["csrf"]
    data = translated(export_po(load_builtin_surveys()[0], "ar"), "ar", {"title": "عنوان"})
    preview = await client.post(
        PAGE + "/preview",
        data={"csrf": csrf, "survey": KEY, "language": "ar"},
        files={"file": ("s.po", data, "text/x-gettext-translation")},
    )
    confirm = await client.post(
        PAGE + "/import",
        data={
            "csrf": csrf,
            "survey": KEY,
            "language": "ar",
            "file_b64": base64.b64encode(data).decode("ascii"),
        },
    )
    for reply in (preview, confirm):
        assert reply.status_code == 403
        assert "only a key for every team" in Page.of(reply.text).text
    assert await versions(db) == [1]
