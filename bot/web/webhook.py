"""The Telegram webhook as a Starlette route (python-telegram-bot's custom-webhook
pattern): the route only checks size and hands secret and body to the transport,
which checks the secret and queues the update on its application."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
Accept = Callable[[str, bytes], Awaitable[int]]
ANSWERS = {200: "ok", 400: "bad update", 403: "forbidden", 413: "too large"}


def webhook_route(path: str, accept: Accept) -> Route:
    async def telegram_webhook(request: Request) -> PlainTextResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > MAX_BODY:
            return PlainTextResponse(ANSWERS[413], status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse(ANSWERS[413], status_code=413)
        status = await accept(request.headers.get(SECRET_HEADER, ""), body)
        return PlainTextResponse(ANSWERS.get(status, ""), status_code=status)

    return Route(path or "/", telegram_webhook, methods=["POST"])
