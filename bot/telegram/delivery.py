"""Sending within Telegram's limits, and surviving a bad moment of the Bot API.

python-telegram-bot's AIORateLimiter limits the overall rate (30/s) and groups
(20/min) and retries a 429 after `retry_after`, but it does not pace private
chats (Telegram allows about 1 message/s per chat) and does not retry a 5xx or
a network failure. This limiter adds both.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any, Callable, Coroutine, Optional, Union

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)
PACED = {"sendMessage", "sendPhoto", "sendDocument", "sendSticker", "sendVoice", "sendAudio", "sendVideo",
         "sendAnimation", "copyMessage", "forwardMessage", "sendMediaGroup"}


class ResilientRateLimiter(AIORateLimiter):
    def __init__(self, per_chat_per_second: float = 1.0, network_retries: int = 3, backoff: float = 0.5,
                 max_retries: int = 3, **kwargs: Any) -> None:
        super().__init__(max_retries=max_retries, **kwargs)
        self._per_chat = per_chat_per_second
        self._chat_limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._network_retries = network_retries
        self._backoff = backoff

    def _limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chat_limiters.get(chat_id)
        if limiter is None:
            limiter = self._chat_limiters[chat_id] = AsyncLimiter(1, 1.0 / self._per_chat)
            while len(self._chat_limiters) > 10000:
                self._chat_limiters.popitem(last=False)
        self._chat_limiters.move_to_end(chat_id)
        return limiter

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Union[bool, dict, list]]],
                              args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: Optional[int]) -> Union[bool, dict, list]:
        chat_id = data.get("chat_id")
        try:
            chat_id = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):
            chat_id = None
        for attempt in range(self._network_retries + 1):
            try:
                if endpoint in PACED and chat_id is not None and chat_id > 0:
                    async with self._limiter(chat_id):
                        return await super().process_request(callback, args, kwargs, endpoint, data,
                                                             rate_limit_args)
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except NetworkError as err:
                if endpoint == "getUpdates" or attempt == self._network_retries:
                    raise
                delay = self._backoff * (2 ** attempt)
                logger.warning("%s failed (%s); retry %d in %.1fs", endpoint, err, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
