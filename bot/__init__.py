"""The Telegram adapter (python-telegram-bot 22): updates in, one use case each, prompts out.

    application  build_application(...) and TelegramBot (a whole process: polling or webhook)
    handlers     the handlers: parse an update, call the service, render the turn
    render       engine prompts as messages and inline keyboards
    callbacks    signed, 64-byte callback data and message keys
    texts        everything the bot says that the engine does not
    polling      getUpdates that confirms a batch only after handling it
    webhook      the receiver behind `POST /telegram/webhook` (secret header checked)
    sender       the outbox sender: invitations, reminders, alerts, within Telegram's limits
    ratelimit    30 messages a second overall, one a second per chat
    scheduler    the reminder timer

No survey state lives here: it is in the database (`storage`).
"""
