"""A NUL byte in a multipart form gets the same clear answer as in an urlencoded one: a 400
on staff pages (never a 500 on PostgreSQL, which cannot store it), a cleaned and kept
answer on the web chat."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from api.app import create_app
from carevoice.wiring import Services
from tests.web.conftest import Keys, sign_in
from tests.web.pages import Page


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = "cvboundary7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/officer/statements", {"you_said": "a\x00b", "we_did": "c\x00d"}),
        ("/officer/keys", {"name": "a\x00b", "role": "board"}),
        ("/officer/contact-links", {"council_ref": "A\x00"}),
        ("/officer/erasure", {"ref": "A\x00"}),
    ],
)
async def test_a_nul_in_a_multipart_staff_form_is_a_clear_400(
    client: httpx.AsyncClient, keys: Keys, path: str, fields: dict[str, str]
) -> None:
    await sign_in(client, keys.admin)
    csrf = Page.of((await client.get("/officer")).text).form_to("/signout").data()["csrf"]
    assert isinstance(csrf, str)
    body, kind = _multipart({"csrf": csrf, **fields})
    reply = await client.post(path, content=body, headers={"content-type": kind})
    assert reply.status_code == 400, reply.text[:300]
    assert "NUL" in reply.text


async def test_a_nul_in_the_import_forms_fields_is_a_clear_400(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(client, keys.officer)
    page = Page.of((await client.get("/officer/young-people")).text)
    csrf = page.form_to("/officer/young-people/preview").fields["csrf"]
    reply = await client.post(
        "/officer/young-people/preview", data={"csrf": csrf, "team": "North\x00"},
        files={"file": ("people.csv", PEOPLE.encode(), "text/csv")},
    )
    assert reply.status_code == 400 and "NUL" in reply.text


PEOPLE = "council_ref,cohort,age_band,team\nN-1,in_care,13-15,North\nN-2,in_care,8-12,North\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf-8", PEOPLE.encode()),
        ("utf-8 with a BOM", PEOPLE.encode("utf-8-sig")),
        ("Windows-1252", PEOPLE.replace("team\n", "team,first_name\n")
         .replace("North\n", "North,Zoë\n").encode("cp1252")),
        ("UTF-16 (Excel's Unicode text)", PEOPLE.replace(",", "\t").encode("utf-16")),
    ],
)
async def test_the_import_page_reads_what_spreadsheets_save(
    services: Services, keys: Keys, name: str, data: bytes
) -> None:
    """As the API and the command line read them; and a file larger than other bodies may
    be (here 1,000 bytes) is still read: the page's own limit is 5 MB."""
    small = replace(services, settings=services.settings.model_copy(
        update={"max_body_bytes": 1_000}))
    padded = data + (b"\r\n" if "16" not in name else "\r\n".encode("utf-16-le")) * 1_000
    transport = httpx.ASGITransport(app=create_app(small))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        await sign_in(http, keys.officer)
        page = Page.of((await http.get("/officer/young-people")).text)
        csrf = page.form_to("/officer/young-people/preview").fields["csrf"]
        preview = await http.post("/officer/young-people/preview", data={"csrf": csrf},
                                  files={"file": ("people.csv", padded, "text/csv")})
    assert preview.status_code == 200, preview.text[-800:]
    assert "2 rows: 2 to add" in Page.of(preview.text).text
