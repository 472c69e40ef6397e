"""The API's OpenAPI document made true in one place (issue 21 §6), rather than route by route.

- **Errors.** Every operation may answer 400 (a NUL byte in the request), 401 (not signed in),
  403 (not the caller's to do), 404 (outside the caller's scope, or no such record) and 422 (bad
  input) — and every one of them has the same body, ``{"detail": …}``: a sentence, or for FastAPI's
  own validation errors a list of ``{loc, msg, type}``, or for an import a ``{message, errors}``
  object (:mod:`lantian.web.refusals`, :func:`lantian.web.app.create_app`'s handler). The document
  says so for every operation (schema ``Error``), in place of FastAPI's ``HTTPValidationError`` that
  promised a list only.
- **Downloads.** Operations answering with a file (``FileResponse``: .docx, .xlsx, .csv, PDF,
  evidence files) declare those media types for 200 beside JSON (``format=json`` answers JSON).
- **URLs.** A NUL byte anywhere in the URL is refused with 400 (:class:`lantian.web.app.RefuseNul`):
  every free string parameter of the path or query says so (``pattern: ^[^\x00]*$``).
- **Workspace choices.** A parameter whose values are the workspace's (the configured fire seasons)
  lists them when the document is built (:func:`choices`): the app knows its workspace.
- **Forms.** A form field sent empty is a field not sent (FastAPI), so a required text field is at
  least one character; a form has no null.
- **Allow.** A 405 names every method the path has (:class:`AllowAll`): FastAPI named only the
  methods of the first route of the path it tried.
"""
from __future__ import annotations

import inspect
import re

from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from lantian.web.scoping import all_routes

ERROR = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"description": "what went wrong: a sentence, FastAPI's list of {loc, msg, type}, "
                                             "or an import's {message, errors}",
                              "anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]}},
}
ERRORS = {"400": "请求不合法 (a NUL byte, a malformed request)",
          "401": "未登录 (sign in first: POST /api/auth/token)",
          "403": "无权操作 (not the caller's role or unit to do this)",
          "404": "不存在或不在权限范围内 (no such record, or outside the caller's scope)",
          "422": "输入有误 (bad input: which field, what was expected)"}
DOWNLOAD_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "application/pdf", "text/csv", "application/octet-stream")
_MEDIA = re.compile(r"""media_type\s*=\s*["']([^"']+)["']""")


def _downloads(app) -> dict[tuple[str, str], list[str]]:
    """(path, method) → media types of the operations that answer with a file."""
    out = {}
    for route in all_routes(app.routes):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        try:
            source = inspect.getsource(route.endpoint)
            module = inspect.getsource(inspect.getmodule(route.endpoint))
        except (OSError, TypeError):
            continue
        files = ("FileResponse" in source or "StreamingResponse" in source
                 or ("format" in inspect.signature(route.endpoint).parameters and "FileResponse" in module))
        if not files:
            continue
        named = [m.split(";")[0].strip() for m in _MEDIA.findall(source)]
        types = list(dict.fromkeys(named + list(DOWNLOAD_TYPES)))
        for method in route.methods:
            out[(route.path, method.lower())] = types
    return out


def choices(**parameters):
    """Mark an endpoint whose query ``parameters`` take the workspace's values: each is a function of
    the app giving them (an empty value stays allowed: it means "not given")."""
    def mark(fn):
        fn.__choices__ = parameters
        return fn
    return mark


def _workspace_choices(app) -> dict[tuple[str, str], dict[str, list[str]]]:
    out = {}
    for route in all_routes(app.routes):
        named = getattr(getattr(route, "endpoint", None), "__choices__", None)
        if isinstance(route, APIRoute) and named:
            for method in route.methods:
                out[(route.path, method.lower())] = {name: ["", *of(app)] for name, of in named.items()}
    return out


def _enumerate(schema: dict, values: list[str]) -> None:
    for member in schema.get("anyOf", ()):
        _enumerate(member, values)
    if schema.get("type") == "string":
        schema["enum"] = values


def install(app) -> None:
    """Replace ``app.openapi`` with FastAPI's document plus the corrections above (built once)."""
    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ERROR
        downloads = _downloads(app)
        workspace_choices = _workspace_choices(app)
        for path, operations in doc.get("paths", {}).items():
            for method, op in operations.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                responses = op["responses"]
                named = workspace_choices.get((path, method), {})
                for parameter in op.get("parameters", ()):
                    if parameter.get("name") in named and parameter.get("in") == "query":
                        _enumerate(parameter.setdefault("schema", {}), named[parameter["name"]])
                    if parameter.get("in") in ("path", "query"):
                        _no_nul(parameter.get("schema", {}))
                _form_body(op, schemas)
                for code, text in ERRORS.items():
                    responses[code] = {"description": text, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                if (path, method) in downloads:
                    ok = responses.setdefault(next((c for c in ("200", "201") if c in responses), "200"),
                                              {"description": "the file"})
                    content = ok.setdefault("content", {})          # JSON stays: format=json answers it
                    for t in downloads[(path, method)]:
                        content.setdefault(t, {"schema": {"type": "string", "format": "binary"}})
        for name in ("HTTPValidationError", "ValidationError"):
            if not _referenced(doc, name):
                schemas.pop(name, None)
        app.openapi_schema = doc
        return doc
    app.openapi = openapi


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_body(op: dict, schemas: dict) -> None:
    """A form's fields as FastAPI reads them: a field sent empty is a field not sent (so a required text
    field is at least one character), and a form has no null (an optional field is left out instead)."""
    for media, body in op.get("requestBody", {}).get("content", {}).items():
        if media not in FORMS:
            continue
        schema = body.get("schema", {})
        ref = schema.get("$ref", "")
        schema = schemas.get(ref.rsplit("/", 1)[-1], schema) if ref else schema
        required = set(schema.get("required", ()))
        for name, field in schema.get("properties", {}).items():
            members = [m for m in field.get("anyOf", ()) if m.get("type") != "null"]
            if "anyOf" in field and len(members) == 1:
                del field["anyOf"]
                field.update(members[0])
            if field.get("default", 0) is None:
                del field["default"]
            if (name in required and field.get("type") == "string" and "minLength" not in field
                    and not {"format", "contentMediaType"} & set(field)):
                field["minLength"] = 1


NO_NUL = r"^[^\x00]*$"


def _no_nul(schema: dict) -> None:
    """A free string in the URL says it holds no NUL byte (:class:`lantian.web.app.RefuseNul` answers 400)."""
    for member in schema.get("anyOf", ()):
        _no_nul(member)
    if isinstance(schema.get("items"), dict):             # a repeated parameter: each of its values
        _no_nul(schema["items"])
    if schema.get("type") == "string" and not ({"pattern", "enum", "const", "format"} & set(schema)):
        schema["pattern"] = NO_NUL


def _referenced(doc: dict, name: str) -> bool:
    import json
    schemas = doc["components"]["schemas"]
    rest = {k: v for k, v in doc.items() if k != "components"}, {k: v for k, v in schemas.items() if k != name}
    return f'"#/components/schemas/{name}"' in json.dumps(rest)


class AllowAll:
    """A 405 answer's ``Allow`` header lists every method of every route of the path."""

    def __init__(self, app, routes_of):
        self.app, self.routes_of = app, routes_of

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_allowing(message):
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = set()
                for route in self.routes_of():
                    regex = getattr(route, "path_regex", None)
                    if regex is not None and regex.match(scope["path"]) and getattr(route, "methods", None):
                        methods |= set(route.methods)
                if methods:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    headers.append((b"allow", ", ".join(sorted(methods)).encode()))
                    message = dict(message, headers=headers)
            await send(message)
        await self.app(scope, receive, send_allowing)
