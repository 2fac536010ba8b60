"""Read-aloud on the web chat, and the easy survey for the youngest and those who read little.

Audio is made by espeak-ng (and opusenc) on this machine: the tests that play audio skip,
saying why, where espeak-ng is not installed (`apt-get install espeak-ng opus-tools`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from carevoice.wiring import Services
from storage import campaigns as campaign_store
from storage.catalog import SurveyCatalog
from storage.conversations import ConversationService
from storage.database import Database
from storage.people import import_people
from surveys.clock import FixedClock
from surveys.people import Cohort, PersonRecord
from tests.fakes import recording_espeak
from tests.web.conftest import web_settings
from tests.web.test_chat import Chat

HAS_ESPEAK = shutil.which("espeak-ng") is not None
needs_espeak = pytest.mark.skipif(
    not HAS_ESPEAK, reason="espeak-ng is not installed (apt-get install espeak-ng opus-tools)"
)
AUDIO_SOURCE = re.compile(r'<source src="(/c/[^"]+/audio/[0-9a-f]{24})\.(ogg|wav)"')
LISTEN_LINK = re.compile(r'<a class="listen" href="(/c/[^"]+/audio/[0-9a-f]{24}\.(?:ogg|wav))"')


async def _services(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    data_dir: Path,
    *,
    read_aloud: bool = True,
) -> Services:
    async with db.transaction() as session:
        await catalog.sync_builtins(session)
    settings = web_settings().model_copy(
        update={"data_dir": str(data_dir), "read_aloud": read_aloud}
    )
    return Services(settings, db, catalog, conversations, clock)


@pytest.fixture
async def speaking(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    tmp_path: Path,
) -> Services:
    return await _services(db, catalog, clock, conversations, tmp_path / "data")


@pytest.fixture
async def speaking_client(speaking: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(speaking))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        yield http


async def invite(
    services: Services, survey_key: str, people: list[PersonRecord]
) -> dict[str, str]:
    """A campaign on a built-in survey for these young people: their codes by reference."""
    clock = services.clock
    async with services.db.transaction() as session:
        await import_people(session, people, clock)
        campaign = await campaign_store.create_campaign(
            session,
            services.catalog,
            clock,
            name=f"test {survey_key}",
            survey_key=survey_key,
            opens_at=clock.now() - timedelta(hours=1),
            closes_at=clock.now() + timedelta(days=14),
            audience=campaign_store.CohortFilter(cohort="in_care"),
        )
        chosen = await campaign_store.select_people(
            session, campaign_store.CohortFilter(), clock.now().date()
        )
        wanted = {p.council_ref for p in people}
        summary = await campaign_store.issue_invitations(
            session, campaign, [p for p in chosen if p.council_ref in wanted], clock
        )
    return {c.council_ref: c.code for c in summary.codes}


def child(ref: str, band: str = "8-12", *, easy_read: bool = False) -> PersonRecord:
    return PersonRecord(ref, Cohort.IN_CARE, age_band=band, easy_read=easy_read)


async def fetch_audio(http: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await http.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


@needs_espeak
async def test_audio_is_made_and_served_for_every_question_of_a_builtin_survey(
    speaking: Services, speaking_client: httpx.AsyncClient
) -> None:
    codes = await invite(speaking, "review-prep-child", [child("RA-1")])
    chat = Chat(speaking_client, codes["RA-1"])
    await chat.start()
    survey_files = speaking.audio()
    assert survey_files is not None
    heard: list[str] = []
    intro = LISTEN_LINK.search(chat.page.html if chat.page else "")
    assert intro is not None, "the intro has a Listen link"
    assert (await fetch_audio(speaking_client, intro.group(1))).content[:4] == b"OggS"
    for _ in range(40):
        html = chat.page.html if chat.page else ""
        if "All done" in html:
            break
        sources = AUDIO_SOURCE.findall(html)
        assert [ext for _, ext in sources] == ["ogg", "wav"], "Opus first, WAV for the rest"
        base = sources[0][0]
        played = await fetch_audio(speaking_client, f"{base}.ogg")
        assert played.headers["content-type"] == "audio/ogg"
        assert played.content[:4] == b"OggS" and 2_000 < len(played.content) < 200_000
        assert "autoplay" not in html  # only the easy survey plays by itself
        heard.append(base)
        await chat.press("Skip this one")
    else:
        pytest.fail("the survey did not end")
    assert len(heard) == len(set(heard)) >= 14  # every question shown had its own audio
    one_wav = await fetch_audio(speaking_client, f"{heard[0]}.wav")
    assert one_wav.headers["content-type"] == "audio/wav" and one_wav.content[:4] == b"RIFF"
    stored = sorted(p.name for p in survey_files.root.rglob("*.ogg"))
    assert len(stored) == len(heard) + 1  # each made once, kept on disk, plus the intro
    assert all("/review-prep-child/1/en/" in str(p) for p in survey_files.root.rglob("*.ogg"))
    again = await fetch_audio(speaking_client, f"{heard[0]}.ogg")  # from the cache
    assert again.content == (await fetch_audio(speaking_client, f"{heard[0]}.ogg")).content


@needs_espeak
async def test_only_words_of_this_chats_survey_can_be_heard(
    speaking: Services, speaking_client: httpx.AsyncClient
) -> None:
    codes = await invite(speaking, "review-prep-child", [child("RA-2")])
    chat = Chat(speaking_client, codes["RA-2"])
    await chat.start()
    base = AUDIO_SOURCE.findall(chat.page.html if chat.page else "")[0][0]
    code = codes["RA-2"]
    for url in (
        f"/c/{code}/audio/{'0' * 24}.ogg",  # words that are not in the survey
        f"{base}.mp3",
        f"{base}.ogg/../x",
        f"/c/{code}/audio/not-hex.ogg",
    ):
        assert (await speaking_client.get(url)).status_code == 404, url
    transport = httpx.ASGITransport(app=create_app(speaking))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as stranger:
        assert (await stranger.get(f"{base}.ogg")).status_code == 404  # no chat cookie


async def test_without_espeak_there_is_no_play_button_and_the_easy_survey_says_so(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    tmp_path: Path,
) -> None:
    quiet = await _services(db, catalog, clock, conversations, tmp_path, read_aloud=False)
    assert quiet.audio() is None
    codes = await invite(
        quiet, "review-prep-child", [child("RA-3"), child("RA-4", "under 8")]
    )
    transport = httpx.ASGITransport(app=create_app(quiet))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        chat = Chat(http, codes["RA-3"])
        await chat.start()
        html = chat.page.html if chat.page else ""
        assert "<audio" not in html and "Listen" not in html
        assert "listening to the questions isn't working" not in html
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        young = Chat(http, codes["RA-4"])
        await young.start()
        assert "My meeting" in young.text
        assert "Sorry, listening to the questions isn't working right now" in young.text
        assert "<audio" not in (young.page.html if young.page else "")


async def test_the_easy_survey_stands_in_for_children_under_8_and_easy_read_people(
    speaking: Services, speaking_client: httpx.AsyncClient, tmp_path: Path
) -> None:
    people = [
        child("EZ-8", "8-12"),
        child("EZ-5", "under 8"),
        child("EZ-R", "13-15", easy_read=True),
    ]
    codes = await invite(speaking, "review-prep-child", people)
    titles = {}
    for ref, code in codes.items():
        transport = httpx.ASGITransport(app=create_app(speaking))
        async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
            chat = Chat(http, code)
            notice = (await chat.open()).text
            easy_notice = "This is a chat. We ask you some questions." in notice
            assert easy_notice is (ref != "EZ-8"), ref  # in pictures and short sentences
            assert "to read with a grown-up" in notice or ref == "EZ-8"
            assert "How long we keep it" in notice  # the whole notice is still there
            assert ("<h1 class=\"chat-title\">My meeting</h1>" in notice) is (ref != "EZ-8")
            await chat.start()
            titles[ref] = chat.text
            html = chat.page.html if chat.page else ""
            if ref != "EZ-8":
                assert 'class="young chat easy"' in html
                assert '<img src="/static/pictures/home.svg"' in html  # the question's picture
                faces = re.findall(r'src="/static/pictures/(face-\d)\.svg"', html)
                assert faces == ["face-1", "face-2", "face-3", "face-4", "face-5"]
                if HAS_ESPEAK:
                    assert re.search(r"<audio [^>]*autoplay", html)  # read aloud by default
    assert "Getting ready for my review" in titles["EZ-8"]
    assert "My meeting" in titles["EZ-5"] and "My meeting" in titles["EZ-R"]
    assert "How do you feel at home?" in titles["EZ-5"]


async def test_the_easy_surveys_pictures_are_served(speaking_client: httpx.AsyncClient) -> None:
    for name in ("home", "face-1", "face-5", "yes", "no", "carer"):
        response = await speaking_client.get(f"/static/pictures/{name}.svg")
        assert response.status_code == 200 and b"<svg" in response.content[:400]


def test_person_records_default_to_not_easy_read() -> None:
    record = child("X")
    assert record.easy_read is False and replace(record, easy_read=True).easy_read


async def test_a_welsh_childs_questions_are_read_in_welsh_by_the_welsh_voice(
    db: Database,
    catalog: SurveyCatalog,
    clock: FixedClock,
    conversations: ConversationService,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    program, log = recording_espeak(tmp_path)  # found on PATH as "espeak-ng"
    monkeypatch.setenv("PATH", f"{Path(program).parent}:{os.environ.get('PATH', '')}")
    services = await _services(db, catalog, clock, conversations, tmp_path / "data")
    welsh = replace(child("RA-CY"), language="cy")
    codes = await invite(services, "review-prep-child", [welsh])
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="https://test") as http:
        chat = Chat(http, codes["RA-CY"])
        await chat.open()
        assert chat.page is not None
        form = chat.page.form("start")
        await chat.post(form.data(form.button("gadewch i ni ddechrau")))
        html = chat.page.html if chat.page else ""
        sources = AUDIO_SOURCE.findall(html)
        assert sources, "a Welsh question has its play button"
        audio = await http.get(f"{sources[0][0]}.wav")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls and all(call.split()[:2] == ["-v", "cy"] for call in calls)
    made = list((tmp_path / "data" / "audio").rglob("*.wav"))
    assert made and all(path.parent.name == "cy" for path in made)
