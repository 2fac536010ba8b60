"""How long read-aloud audio takes to make and to serve.

    python -m benchmarks.read_aloud [--language en] [--serves 50]

Make: every piece of every built-in survey (questions with their options, options, help,
intro, thanks), each timed as espeak-ng alone (WAV) and as espeak-ng then opusenc (what
is cached); prints the median and p95 per piece, the total per survey, and the sizes.
Serve: a young person's web chat (a temporary SQLite store, the real app over ASGI)
fetches a question's audio: the first request (made on demand) and then from the disk
cache, beside the baseline of a static file of the same app (a picture). Figures go in
the README; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from api.app import create_app
from carevoice.wiring import build_services
from services.settings import Settings
from storage import campaigns as campaign_store
from storage.people import import_people
from surveys.loader import load_builtin_surveys
from surveys.people import Cohort, PersonRecord
from surveys.speech import Speaker, speakable

console = Console()


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def make(language: str) -> None:
    speaker = Speaker.find()
    if not speaker.available:
        console.print(speaker.missing)
        return
    table = Table("survey", "pieces", "WAV ms/piece p50 (p95)", "Opus ms/piece p50 (p95)",
                  "survey total s", "WAV KB", "Opus KB", title=f"Making audio ({language})")
    all_wav: list[float] = []
    all_opus: list[float] = []
    for survey in load_builtin_surveys():
        texts = list(speakable(survey).values())
        wav_times: list[float] = []
        opus_times: list[float] = []
        wav_bytes = opus_bytes = 0
        for text in texts:
            started = time.perf_counter()
            wav = speaker.wav(text, language)
            wav_times.append(time.perf_counter() - started)
            wav_bytes += len(wav)
            started = time.perf_counter()
            opus = speaker.encode(speaker.wav(text, language), speaker.format)
            opus_times.append(time.perf_counter() - started)
            opus_bytes += len(opus)
        all_wav += wav_times
        all_opus += opus_times
        w50, w95 = _ms(wav_times)
        o50, o95 = _ms(opus_times)
        table.add_row(survey.key, str(len(texts)), f"{w50:.0f} ({w95:.0f})",
                      f"{o50:.0f} ({o95:.0f})", f"{sum(opus_times):.1f}",
                      f"{wav_bytes / len(texts) / 1024:.0f}",
                      f"{opus_bytes / len(texts) / 1024:.0f}")  # fmt: skip
    console.print(table)
    w50, w95 = _ms(all_wav)
    o50, o95 = _ms(all_opus)
    console.print(
        f"all {len(all_opus)} pieces: WAV {w50:.0f} ms (p95 {w95:.0f}), WAV + Opus "
        f"{o50:.0f} ms (p95 {o95:.0f}); encoding is {o50 / w50:.1f}x espeak-ng alone; "
        f"every built-in survey made in {sum(all_opus):.1f} s ({speaker.format} via "
        f"{'opusenc' if speaker.opusenc else 'ffmpeg' if speaker.ffmpeg else 'none'})"
    )


async def serve(language: str, folder: Path, serves: int) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{folder / 'bench.db'}",
        data_dir=str(folder / "data"),
        public_url="https://bench.invalid",
    )
    services = await build_services(settings)
    try:
        if services.audio() is None:
            console.print("no read-aloud here (espeak-ng missing)")
            return
        clock = services.clock
        async with services.db.transaction() as session:
            await import_people(session, [PersonRecord("B-1", Cohort.IN_CARE, age_band="8-12")],
                                clock)  # fmt: skip
            campaign = await campaign_store.create_campaign(
                session, services.catalog, clock, name="bench", survey_key="review-prep-child",
                opens_at=clock.now() - timedelta(hours=1),
                closes_at=clock.now() + timedelta(days=7),
            )  # fmt: skip
            chosen = await campaign_store.select_people(
                session, campaign_store.CohortFilter(), clock.now().date()
            )
            summary = await campaign_store.issue_invitations(session, campaign, chosen, clock)
        code = summary.codes[0].code
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="https://bench") as http:
            notice = (await http.get(f"/c/{code}")).text
            fields = dict(re.findall(r'name="(csrf|key)" value="([^"]+)"', notice))
            await http.post(f"/c/{code}", data={**fields, "action": "start"})
            page = (await http.get(f"/c/{code}")).text
            found = re.search(r'<source src="([^"]+\.ogg)"', page)
            assert found, "no audio on the chat page"
            url = found.group(1)
            started = time.perf_counter()
            first = await http.get(url)
            cold = time.perf_counter() - started
            warm: list[float] = []
            static: list[float] = []
            for _ in range(serves):
                started = time.perf_counter()
                again = await http.get(url)
                warm.append(time.perf_counter() - started)
                started = time.perf_counter()
                await http.get("/static/pictures/family.svg")
                static.append(time.perf_counter() - started)
        w50, w95 = _ms(warm)
        s50, s95 = _ms(static)
        console.print(
            f"serving one question's audio ({len(first.content) / 1024:.0f} KB, "
            f"status {first.status_code}/{again.status_code}): first request, made on "
            f"demand {cold * 1000:.0f} ms; from the cache {w50:.1f} ms (p95 {w95:.1f}) over "
            f"{serves}; a static file of the same app {s50:.1f} ms (p95 {s95:.1f}): "
            f"ratio {w50 / s50:.1f}"
        )
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="en")
    parser.add_argument("--serves", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        make(args.language)
        asyncio.run(serve(args.language, Path(folder), args.serves))


if __name__ == "__main__":
    main()
