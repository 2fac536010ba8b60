"""A young person's own link, `/talk/<token>`, in their language; a link that does not
work, in the browser's (nobody is known yet)."""

from __future__ import annotations

import html

import httpx
from sqlalchemy import update

from carevoice.wiring import Services
from storage.contact import issue_contact_link
from storage.database import Database
from storage.tables import PersonRow


async def test_the_own_link_page_speaks_the_young_persons_language(
    client: httpx.AsyncClient, services: Services, db: Database, codes: list[str]
) -> None:
    async with db.transaction() as session:
        token = await issue_contact_link(session, "P00000-small", services.clock)
        await session.execute(
            update(PersonRow).where(PersonRow.council_ref == "P00000-small").values(language="cy")
        )
    page = await client.get(f"/talk/{token}")
    assert page.status_code == 200 and '<html lang="cy"' in page.text
    words = html.unescape(page.text)
    assert "Dyma dy ddolen di dy hun" in words and "Fy nolen i yw hon, agor hi" in words
    assert "This is your own link" not in words


async def test_a_link_that_does_not_work_speaks_the_browsers_language(
    client: httpx.AsyncClient, codes: list[str]
) -> None:
    gone = await client.get("/talk/no-such-link", headers={"Accept-Language": "ar,en;q=0.3"})
    assert gone.status_code == 404 and 'dir="rtl"' in gone.text
    assert "هذا الرابط لا يعمل" in gone.text
    english = await client.get("/talk/no-such-link-either")
    assert "This link doesn't work" in html.unescape(english.text)
