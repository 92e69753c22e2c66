"""Webhook mode (SCHOOLBRUG_WEBHOOK_URL): Telegram's secret token is checked and the update is stored
before we answer 200."""
from __future__ import annotations

from dataclasses import replace

import httpx

from conftest import start_bot, stop_bot


async def test_webhook_refuses_a_wrong_secret_and_handles_a_real_update(harness):
    await stop_bot(harness.app)
    services = harness.services
    services.settings = replace(services.settings, webhook_url="https://schoolbrug.example/hook",
                                webhook_secret="s3cret-token", webhook_listen="127.0.0.1:0")
    harness.app = await start_bot(services, harness.emu)
    receiver = services.poller
    setup = [params for name, params in harness.emu.calls if name == "setWebhook"][-1]
    assert setup["url"] == "https://schoolbrug.example/hook" and setup["secret_token"] == "s3cret-token"
    url = f"http://127.0.0.1:{receiver.port}/hook"
    user = {"id": 8401, "is_bot": False, "first_name": "Zeynep"}
    update = {"update_id": 555001, "message": {"message_id": 1, "date": 0, "text": "/start",
                                               "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                                               "chat": {"id": 8401, "type": "private", "first_name": "Zeynep"},
                                               "from": user}}
    async with httpx.AsyncClient() as client:
        forged = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert forged.status_code == 403
        assert harness.db["inbox"].count == 0
        real = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert real.status_code == 200
    picker = (await harness.emu.wait_sent(8401, 1))[-1]
    assert "Kies je taal" in picker.text
