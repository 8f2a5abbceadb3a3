"""The bot's conversations with people: windows, flows and the middlewares around them.

texts        every user-facing Russian text and the time-of-day greeting
callbacks    versioned, validated callback payloads of the window buttons
webapp       WebApp deep links (startapp payloads carrying the target path)
flood        per-user flood control (GCRA: delays a burst, refuses beyond a bound)
state        dialog state in Redis (per chat and user, 30-day TTL)
windows      pure builders: data → (text, keyboard) for every window
queries      one asyncio coroutine per action: every DB/Redis step of it in one bridge crossing
flows        the handlers (menu, profile, groups, group, join, invites, ICS, answers)
pipeline     middlewares (logging, flood, user upsert, errors) and the router
"""

from maxhack.bot.conversations.pipeline import Conversation, conversation_router

__all__ = ["Conversation", "conversation_router"]
