"""A room's service refusals as HTTP answers: outside the scope 404, not the caller's to do 403,
bad input 422 — one mapping for every room."""
from __future__ import annotations

from contextlib import contextmanager

from fastapi import HTTPException

from lantian.errors import Forbidden, InputError, NotFound, UsageError


@contextmanager
def as_http():
    try:
        yield
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    except (UsageError, InputError) as exc:
        raise HTTPException(422, str(exc)) from None
