"""Replies as Matrix messages: plain ``body`` and HTML ``formatted_body``.

Buttons become a numbered list in both; the numbers run on through one answer,
exactly as the engine counts them, so "2" always means the second button.
"""

from __future__ import annotations

import html
from typing import Any

from dialogs.events import Reply


def message_contents(replies: list[Reply]) -> list[dict[str, Any]]:
    """One ``m.room.message`` content per reply (attachments are sent separately)."""
    contents, number = [], 0
    for reply in replies:
        body_lines = [reply.text]
        html_parts = [html.escape(reply.text, quote=False).replace("\n", "<br>")]
        labels = reply.flat_buttons
        if labels:
            first = number + 1
            items = []
            for button in labels:
                number += 1
                body_lines.append(f"{number}. {button.label}")
                items.append(f"<li>{html.escape(button.label, quote=False)}</li>")
            html_parts.append(f'<ol start="{first}">' + "".join(items) + "</ol>")
        contents.append(
            {
                "msgtype": "m.text",
                "body": "\n".join(body_lines),
                "format": "org.matrix.custom.html",
                "formatted_body": "".join(html_parts),
            }
        )
    return contents
