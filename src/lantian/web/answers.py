"""How a refusal is answered (issue 21 §4): never a server path in the text — an upload is named by
the file the user sent, not by the temporary copy the server read — and a browser's form post
(a page, not an API client) gets a page with the message and the errors listed, not raw JSON."""
from __future__ import annotations

import re
import tempfile
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

_TEMP_DIRS = sorted({tempfile.gettempdir(), "/tmp", "/var/tmp"}, key=len, reverse=True)
#: a path under a temporary directory, up to (not including) its last component: the file's own name
_TEMP_PATH = re.compile("(?:" + "|".join(re.escape(d) for d in _TEMP_DIRS) + r")/(?:[^\s/'\"，,:：]+/)*")


def without_paths(text: str) -> str:
    """``/tmp/lantian-ledger-x1/台账.xlsx, line 3`` → ``台账.xlsx, line 3``."""
    return _TEMP_PATH.sub("", text)


def public(detail: Any) -> Any:
    """An HTTP error's detail with every server temporary path removed (strings, lists, dicts)."""
    if isinstance(detail, str):
        return without_paths(detail)
    if isinstance(detail, dict):
        return {k: public(v) for k, v in detail.items()}
    if isinstance(detail, (list, tuple)):
        return [public(v) for v in detail]
    return detail


def wants_page(request: Request) -> bool:
    """A browser's form post to an API route (cookie session, HTML accepted), not an API client."""
    return (request.method == "POST" and not request.headers.get("authorization")
            and "text/html" in request.headers.get("accept", ""))


def page_context(status: int, detail: Any, request: Request) -> dict:
    """error.html's context: the message, each listed error, the page to go back to."""
    errors = []
    message = detail
    if isinstance(detail, dict):
        message = detail.get("message", "")
        errors = [" ".join(str(e.get(k)) for k in ("sheet", "row", "column", "reason") if e.get(k) not in (None, ""))
                  if isinstance(e, dict) else str(e) for e in detail.get("errors", [])]
    elif isinstance(detail, list):            # FastAPI's validation errors
        message = "提交的内容不符合要求"
        errors = [f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" if isinstance(e, dict) else str(e)
                  for e in detail]
    referer = urlsplit(request.headers.get("referer") or "/")
    back = referer.path if referer.path.startswith("/") and not referer.path.startswith("//") else "/"
    return {"status": status, "message": message, "errors": errors[:50], "back": back}
