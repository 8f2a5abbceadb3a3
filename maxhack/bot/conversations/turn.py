"""One update being handled: who, where, the stores, and how to answer them.

Every outgoing MAX call goes through the sender's interactive lane. For a button press,
``show`` replaces the pressed message through ``POST /answers`` (one call: edit + toast);
for a message or a start, it sends a new message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from maxhack.bot.conversations.queries import Stores
from maxhack.bot.conversations.state import DialogState
from maxhack.bot.conversations.windows import Window
from maxhack.bot.status import BotStatus
from maxhack.domain.models import User
from maxhack.max import MaxClient
from maxhack.max.models import Message, NewMessageBody
from maxhack.sender import Lane

T = TypeVar("T")


class SendsCalls(Protocol):
    async def call(
        self,
        action: Callable[[MaxClient], Awaitable[Any]],
        *,
        chat_id: int | None,
        lane: Lane = ...,
        user_id: int | None = ...,
    ) -> Any: ...


@dataclass
class Turn:
    sender: SendsCalls
    status: BotStatus
    stores: Stores
    now: datetime
    max_id: int
    chat_id: int | None
    user: User | None = None
    state: DialogState | None = None
    callback_id: str | None = None
    pressed: Message | None = None
    answered: bool = field(default=False)

    @property
    def me(self) -> User:
        assert self.user is not None, "the user middleware runs before any flow"
        return self.user

    @property
    def bot_username(self) -> str | None:
        return self.status.username

    async def call(self, action: Callable[[MaxClient], Awaitable[T]]) -> T:
        result: T = await self.sender.call(
            action, chat_id=self.chat_id, lane=Lane.INTERACTIVE, user_id=self.max_id
        )
        return result

    async def send(self, body: NewMessageBody) -> Message:
        chat_id, max_id = self.chat_id, self.max_id
        if chat_id is not None:
            return await self.call(lambda c: c.send_message(body, chat_id=chat_id))
        return await self.call(lambda c: c.send_message(body, user_id=max_id))

    async def send_text(self, text: str) -> Message:
        return await self.send(NewMessageBody(text=text))

    async def show(self, window: Window, *, toast: str | None = None) -> None:
        """Replace the pressed window (button press) or send a new one (message/start)."""
        if self.callback_id is not None and not self.answered and self.pressed is not None:
            await self.answer(message=window.body(), toast=toast)
            return
        if toast is not None and self.callback_id is not None and not self.answered:
            await self.answer(toast=toast)
        await self.send(window.body())

    async def show_new(self, window: Window, *, toast: str | None = None) -> None:
        """Send the window as a new message (after a file, or a re-sent dialog)."""
        if toast is not None and self.callback_id is not None and not self.answered:
            await self.answer(toast=toast)
        await self.send(window.body())

    async def answer(
        self, *, message: NewMessageBody | None = None, toast: str | None = None
    ) -> None:
        """Answer the press once (MAX shows the spinner until then)."""
        callback_id = self.callback_id
        assert callback_id is not None
        self.answered = True
        await self.call(lambda c: c.answer_callback(callback_id, message, toast))
