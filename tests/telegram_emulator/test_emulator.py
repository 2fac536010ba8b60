"""Drive the Telegram Bot API emulator with real PTB objects, over 127.0.0.1 and offline."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.telegram_emulator import (
    SECRET_TOKEN_HEADER,
    BotApiState,
    EmulatorServer,
    FakeRequest,
    UpdateMaker,
    fake_token,
    running_emulator,
    serve_asgi,
)

USER = 4242
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="yes"),
            InlineKeyboardButton("No", callback_data="no"),
        ]
    ]
)

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep httpx (PTB's and ours) from routing 127.0.0.1 through an env proxy."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with running_emulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: EmulatorServer) -> AsyncIterator[Bot]:
    async with Bot(emu.token, base_url=emu.base_url) as real_bot:
        yield real_bot


@pytest.fixture
async def http(emu: EmulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emu.api_url, trust_env=False) as client:
        yield client


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


# ---------------------------------------------------------------------- real HTTP, raw Bot


async def test_get_me(bot: Bot, http: httpx.AsyncClient, emu: EmulatorServer) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == emu.bot_id
    assert me.username == "carevoice_test_bot" and me.can_join_groups is True

    raw = (await http.get("/getMe")).json()
    assert raw["ok"] is True and raw["result"]["is_bot"] is True


async def test_messages_round_trip(bot: Bot, emu: EmulatorServer) -> None:
    sent_by_user = emu.user_sends_text(USER, "hello bot", first_name="Ada")
    (update,) = await bot.get_updates()
    assert update.update_id == sent_by_user["update_id"]
    assert update.message is not None and update.message.text == "hello bot"
    assert update.message.from_user is not None and update.message.from_user.first_name == "Ada"

    first = await bot.send_message(USER, "Welcome!", reply_markup=KEYBOARD)
    second = await bot.send_message(USER, "Second")
    assert first.message_id == sent_by_user["message"]["message_id"] + 1
    assert second.message_id == first.message_id + 1
    assert first.from_user is not None and first.from_user.id == emu.bot_id
    assert first.reply_markup == KEYBOARD

    stored = emu.messages_to(USER)
    assert [m["text"] for m in stored] == ["Welcome!", "Second"]
    assert isinstance(stored[0]["date"], int) and abs(stored[0]["date"] - time.time()) < 5

    await bot.edit_message_text("Welcome back!", chat_id=USER, message_id=first.message_id)
    await bot.delete_message(USER, second.message_id)
    (current,) = emu.messages_to(USER)
    assert current["text"] == "Welcome back!" and "reply_markup" not in current
    assert "edit_date" in current
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Welcome back!", chat_id=USER, message_id=first.message_id)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999, "nobody here")


async def test_get_updates_offset_limit_allowed_updates(bot: Bot, emu: EmulatorServer) -> None:
    ids = [emu.user_sends_text(USER, f"m{i}")["update_id"] for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    # The offset confirmed ids[0] for good; later calls without offset don't see it.
    assert [u.update_id for u in await bot.get_updates()] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()

    await bot.get_updates(allowed_updates=["callback_query"])
    emu.user_sends_text(USER, "filtered out")
    assert emu.pending_updates == []
    await bot.get_updates(allowed_updates=[])
    emu.user_sends_text(USER, "back to defaults")
    assert len(emu.pending_updates) == 1


async def test_long_polling_timeout(bot: Bot, emu: EmulatorServer) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9  # it waited for the timeout: a long poll

    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()  # still waiting, with nothing to deliver
    emu.user_sends_text(USER, "wake up")
    # woken by the message, long before its own 10 s were up (no bound on how soon: a
    # loaded machine may take its time; speed is for benchmarks/)
    (update,) = await asyncio.wait_for(poll, 8)
    assert update.message is not None and update.message.text == "wake up"


async def test_second_long_poll_terminates_the_first(
    bot: Bot, http: httpx.AsyncClient, emu: EmulatorServer
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert (await http.post("/getUpdates", data={"timeout": "0"})).json() == {
        "ok": True,
        "result": [],
    }
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)


async def test_callback_query(bot: Bot, emu: EmulatorServer) -> None:
    emu.add_user(USER)
    prompt = await bot.send_message(USER, "Pick one", reply_markup=KEYBOARD)
    pressed = emu.user_presses_button(USER, prompt.message_id, "no")
    with pytest.raises(ValueError, match="no button"):
        emu.user_presses_button(USER, prompt.message_id, "maybe")

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.data == "no"
    assert query.chat_instance == pressed["callback_query"]["chat_instance"] != ""
    assert query.from_user.id == USER
    assert query.message is not None and query.message.message_id == prompt.message_id

    assert await bot.answer_callback_query(query.id, text="Noted", show_alert=True)
    assert emu.callback_answers == [
        {"callback_query_id": query.id, "text": "Noted", "show_alert": True}
    ]
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)

    await bot.edit_message_reply_markup(USER, prompt.message_id, reply_markup=None)
    assert "reply_markup" not in emu.messages_to(USER)[0]
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(USER, prompt.message_id, reply_markup=None)


async def test_rate_limits_raise_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (PTBDeprecationWarning, an error here) whenever RetryAfter is built
    # unless time periods are opted in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    async with (
        running_emulator(rate_limit_per_second=3, per_chat_per_second=1) as emu,
        Bot(emu.token, base_url=emu.base_url) as bot,
    ):
        for chat in (1, 2, 3, 4):
            emu.add_user(chat)
        await bot.send_message(1, "one")
        with pytest.raises(RetryAfter) as per_chat:
            await bot.send_message(1, "one again")
        assert per_chat.value.retry_after == dtm.timedelta(seconds=1)
        await bot.send_message(2, "two")
        await bot.send_message(3, "three")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "four: over the global limit")
        await bot.get_me()  # service methods are not throttled

        assert emu.stats.rejected_429 == 2
        assert emu.stats.accepted_per_method["sendMessage"] == 3
        assert emu.stats.per_method["sendMessage"] == 5
        raw = next(call for call in emu.calls if call.status == 429).response
        assert raw == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }


async def test_blocked_user_is_forbidden(bot: Bot, emu: EmulatorServer) -> None:
    emu.add_user(USER)
    membership = emu.user_blocks_bot(USER)
    assert membership is not None
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "are you there?")
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"

    emu.user_unblocks_bot(USER)
    assert (await bot.send_message(USER, "welcome back")).text == "welcome back"


async def test_unknown_method_and_bad_tokens(
    bot: Bot, http: httpx.AsyncClient, emu: EmulatorServer
) -> None:
    response = await http.post("/fooBar")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    assert (await http.post("/sendSticker")).status_code == 501  # real, but not emulated

    intruder = Bot(fake_token(987654321), base_url=emu.base_url)
    with pytest.raises(InvalidToken, match="rejected by the server"):  # getMe got a 401
        async with intruder:  # closes its HTTP pool when initialize() fails
            pass
    async with httpx.AsyncClient(trust_env=False) as client:
        assert (await client.get(f"{emu.base_url}not-a-token/getMe")).status_code == 404
        assert (await client.get(f"{emu.url}/elsewhere")).status_code == 404

    assert (await bot.get_me()).id == emu.bot_id  # still alive


async def test_malformed_requests_get_400(
    bot: Bot, http: httpx.AsyncClient, emu: EmulatorServer
) -> None:
    emu.add_user(USER)
    json_headers = {"Content-Type": "application/json"}
    cases: list[tuple[httpx.Response, str]] = [
        (
            await http.post("/sendMessage", content=b"{not json", headers=json_headers),
            "Bad Request: can't parse JSON request body",
        ),
        (
            await http.post("/sendMessage", content=b"[1, 2]", headers=json_headers),
            "Bad Request: JSON request body must be an object",
        ),
        (
            await http.post(
                "/sendMessage",
                content=b"--x\r\nbroken",
                headers={"Content-Type": "multipart/form-data"},  # no boundary
            ),
            "Bad Request: can't parse request body",
        ),
        (
            await http.post("/sendMessage", content=b"hi", headers={"Content-Type": "text/plain"}),
            "Bad Request: unsupported Content-Type",
        ),
        (await http.post("/sendMessage", data={"text": "hi"}), "Bad Request: chat_id is empty"),
        (
            await http.post("/sendMessage", json={"chat_id": USER}),
            "Bad Request: message text is empty",
        ),
        (
            await http.post("/sendMessage", json={"chat_id": USER, "text": "x" * 4097}),
            "Bad Request: message is too long",
        ),
        (
            await http.post("/deleteMessage", data={"chat_id": str(USER), "message_id": "abc"}),
            'Bad Request: field "message_id" must be of type Integer',
        ),
        (
            await http.post(
                "/sendMessage", data={"chat_id": str(USER), "text": "x", "reply_markup": "{"}
            ),
            "Bad Request: can't parse reply keyboard markup JSON object",
        ),
    ]
    for response, description in cases:
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["ok"] is False and body["error_code"] == 400
        assert body["description"].startswith(description)

    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            USER,
            "x",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("big", callback_data="x" * 65)
            ),
        )
    assert (await bot.get_me()).is_bot  # still alive


async def test_request_encodings(http: httpx.AsyncClient, emu: EmulatorServer) -> None:
    emu.add_user(USER)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    as_form = await http.post(
        "/sendMessage",
        data={"chat_id": str(USER), "text": "form", "reply_markup": json.dumps(markup)},
    )
    as_json = await http.post(
        "/sendMessage", json={"chat_id": str(USER), "text": "json", "reply_markup": markup}
    )
    as_query = await http.get("/sendMessage", params={"chat_id": USER, "text": "query"})
    as_multipart = await http.post(
        "/sendDocument",
        data={"chat_id": str(USER), "caption": "report"},
        files={"document": ("report.csv", b"a,b\n1,2\n", "text/csv")},
    )
    for response in (as_form, as_json, as_query, as_multipart):
        assert response.status_code == 200, response.text
    assert as_form.json()["result"]["reply_markup"] == markup
    assert as_json.json()["result"]["reply_markup"] == markup
    document = as_multipart.json()["result"]["document"]
    assert document["file_name"] == "report.csv" and document["file_size"] == 8


async def test_fault_injection(bot: Bot, emu: EmulatorServer) -> None:
    emu.add_user(USER)
    emu.fail_next("sendMessage", 2, status=502)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(USER, "retry me")
    assert (await bot.send_message(USER, "retry me")).text == "retry me"
    assert emu.stats.injected_faults == 2
    assert [m["text"] for m in emu.messages_to(USER)] == ["retry me"]


async def test_misc_methods(bot: Bot, emu: EmulatorServer) -> None:
    emu.add_user(USER)
    assert await bot.set_my_commands([("start", "Begin"), ("help", "Get help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.send_chat_action(USER, "typing")
    assert emu.chat_actions == [(USER, "typing")]
    with pytest.raises(BadRequest):
        await bot.send_chat_action(USER, "dancing")
    image = b"\x89PNG fake image bytes"
    photo = await bot.send_photo(USER, image, caption="chart")
    assert photo.caption == "chart" and photo.photo[-1].file_size == len(image)
    again = await bot.send_photo(USER, photo.photo[-1].file_id)
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    assert await bot.close() and await bot.log_out()


async def test_user_simulation_updates(bot: Bot, emu: EmulatorServer) -> None:
    text = emu.user_sends_text(USER, "tpyo")
    emu.user_edits_message(USER, text["message"]["message_id"], "typo")
    emu.user_sends_command(USER, "start", "deep-link")
    emu.user_sends_sticker(USER)
    emu.user_sends_photo(USER, caption="look")
    emu.user_sends_location(USER, 51.5, -0.12)
    emu.user_sends_voice(USER)
    emu.user_sends_document(USER, file_name="form.pdf")
    emu.group_message(-1001, USER, "/help@carevoice_test_bot", title="Care team")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == list(range(1, 10))
    edited, command, sticker, photo, location, voice, document, group = updates[1:]
    assert edited.edited_message is not None and edited.edited_message.text == "typo"
    assert command.message is not None and command.message.text == "/start deep-link"
    assert command.message.entities[0].type == "bot_command"
    assert sticker.message is not None and sticker.message.sticker is not None
    assert photo.message is not None and photo.message.caption == "look"
    assert location.message is not None and location.message.location is not None
    assert voice.message is not None and voice.message.voice is not None
    assert document.message is not None and document.message.document is not None
    assert document.message.document.file_name == "form.pdf"
    assert group.message is not None and group.message.chat.type == "group"
    assert group.message.chat.title == "Care team"


async def test_webhook_delivery(bot: Bot, emu: EmulatorServer) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    delivered = asyncio.Event()

    async def hook(request: Request) -> Response:
        received.append((await request.json(), request.headers.get(SECRET_TOKEN_HEADER)))
        if len(received) == 1:
            return Response(status_code=500)  # the emulator must retry
        delivered.set()
        return Response(status_code=200)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async with serve_asgi(receiver) as receiver_url:
        assert await bot.set_webhook(f"{receiver_url}/hook", secret_token="s3cret_Token-1")
        update = emu.user_sends_text(USER, "via webhook")
        await asyncio.wait_for(delivered.wait(), 5)

    assert received == [(update, "s3cret_Token-1"), (update, "s3cret_Token-1")]
    info = await bot.get_webhook_info()
    assert info.url == f"{receiver_url}/hook" and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()

    emu.user_sends_text(USER, "undeliverable: the receiver is gone")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


# ---------------------------------------------------------------------- PTB Application


async def test_application_polling_echo_in_thread() -> None:
    with EmulatorServer() as emu:
        handled: list[int] = []

        async def counting_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            handled.append(update.update_id)
            await echo(update, context)

        app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).build()
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, counting_echo))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=dtm.timedelta(seconds=2))
            update = emu.user_sends_text(USER, "hello")
            reply = await emu.wait_for_message(
                USER, lambda m: m["text"] == "echo: hello", timeout=10
            )
            emu.redeliver(update["update_id"])  # same update_id again: idempotency tests
            await emu.wait_for_message(
                USER, lambda m: m["text"] == "echo: hello", after_message_id=reply["message_id"]
            )
            await app.updater.stop()
            await app.stop()
        assert handled == [update["update_id"]] * 2
        assert emu.pending_updates == []  # PTB confirmed the offset on shutdown


def test_sync_server_in_thread() -> None:
    with EmulatorServer() as emu, httpx.Client(base_url=emu.api_url, trust_env=False) as http:
        assert http.get("/getMe").json()["result"]["is_bot"] is True
        emu.add_user(USER)

        def reply_later() -> None:
            time.sleep(0.2)
            with httpx.Client(base_url=emu.api_url, trust_env=False) as other:
                other.post("/sendMessage", json={"chat_id": USER, "text": "from a thread"})

        worker = threading.Thread(target=reply_later)
        worker.start()
        message = emu.wait_for_message_sync(USER, timeout=5)
        worker.join()
        assert message["text"] == "from a thread"
        with pytest.raises(TimeoutError):
            emu.wait_for_message_sync(USER, after_message_id=message["message_id"], timeout=0.2)


# ---------------------------------------------------------------------- offline FakeRequest


def offline_app(
    state: BotApiState,
) -> tuple[Application[Any, Any, Any, Any, Any, Any], FakeRequest]:
    request = FakeRequest(state)
    app = (
        ApplicationBuilder()
        .token(state.token)
        .request(request)
        .get_updates_request(FakeRequest(state))
        .build()
    )
    return app, request


async def test_fake_request_process_update(no_network: None) -> None:
    state = BotApiState()
    app, request = offline_app(state)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Ready?", reply_markup=KEYBOARD)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Thanks")
        await query.edit_message_text(f"You chose {query.data}")

    kinds: list[str] = []

    async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None
        kinds.append(
            next(
                k
                for k in ("sticker", "photo", "location", "voice", "document")
                if getattr(message, k)
            )
        )

    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(
        MessageHandler(
            filters.Sticker.ALL
            | filters.PHOTO
            | filters.LOCATION
            | filters.VOICE
            | filters.Document.ALL,
            media,
        )
    )
    async with app:
        make = UpdateMaker(state, app.bot)
        await app.process_update(make.command(USER, "start"))
        prompt = state.last_message_to(USER)
        assert prompt is not None and prompt["text"] == "Ready?"
        await app.process_update(make.button(USER, prompt["message_id"], "yes"))
        for update in (
            make.sticker(USER),
            make.photo(USER),
            make.location(USER, 1.5, 2.5),
            make.voice(USER),
            make.document(USER),
        ):
            await app.process_update(update)
        sent = await app.bot.send_document(USER, InputFile(io.BytesIO(b"a,b"), filename="r.csv"))
        assert sent.document is not None and sent.document.file_name == "r.csv"

    (edited,) = (m for m in state.messages_to(USER) if m["message_id"] == prompt["message_id"])
    assert edited["text"] == "You chose yes" and "reply_markup" not in edited
    assert [a["text"] for a in state.callback_answers] == ["Thanks"]
    assert kinds == ["sticker", "photo", "location", "voice", "document"]
    assert request.methods == [
        "getMe",
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
        "sendDocument",
    ]
    assert request.calls[1].params["reply_markup"] == KEYBOARD.to_dict()
    assert state.pending_updates == []  # UpdateMaker updates are never queued


async def test_fake_request_polling(no_network: None) -> None:
    state = BotApiState()
    app, _ = offline_app(state)
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=dtm.timedelta(seconds=5))
        state.user_sends_text(USER, "ping")
        reply = await state.wait_for_message(USER, timeout=5)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "echo: ping"
    assert state.pending_updates == []


async def test_webhook_delivers_chats_at_once_and_each_chat_in_order() -> None:
    seen: list[tuple[int, str]] = []
    first_arrived = asyncio.Event()
    release = asyncio.Event()

    async def hook(request: Request) -> Response:
        message = (await request.json())["message"]
        seen.append((message["chat"]["id"], message["text"]))
        if message["text"] == "a1":  # held: the other chat goes meanwhile, a2 waits
            first_arrived.set()
            await release.wait()
        return Response(status_code=200)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async with (
        running_emulator(webhook_connections=4) as emu,
        serve_asgi(receiver) as receiver_url,
        Bot(emu.token, base_url=emu.base_url) as bot,
    ):
        assert await bot.set_webhook(f"{receiver_url}/hook")
        emu.user_sends_text(USER, "a1")
        await asyncio.wait_for(first_arrived.wait(), 5)
        emu.user_sends_text(USER, "a2")
        emu.user_sends_text(USER + 1, "b1")
        for _ in range(200):
            if (USER + 1, "b1") in seen:
                break
            await asyncio.sleep(0.02)
        assert seen == [(USER, "a1"), (USER + 1, "b1")]  # b1 did not wait for a1; a2 did
        release.set()
        for _ in range(200):
            if len(seen) == 3:
                break
            await asyncio.sleep(0.02)
    assert seen[-1] == (USER, "a2")
