"""The OpenAPI document is true (issue 21 §6, lantian.web.contract): every error the API answers is
documented with the body it has, downloads declare their media types, a 405 names every method of
the path, request bodies (forms, uploads, JSON) are what the routes read; schemathesis's checks pass
on every operation, reads and writes — on SQLite and PostgreSQL."""
from __future__ import annotations

from fastapi.testclient import TestClient

import pytest

from databases import fresh_database, database_url
from tests.web.conftest import bearer, build_workspace
from tests.web.test_viewcache import plan_app  # noqa: F401  (the module's workspace: registry, accounts, plan)


def _conforms(body, schema) -> bool:
    """``body`` against the Error schema: an object with ``detail``, one of the kinds it lists."""
    kinds = {"string": str, "array": list, "object": dict}
    detail = schema["properties"]["detail"]
    return (isinstance(body, dict) and set(schema["required"]) <= set(body)
            and isinstance(body["detail"], tuple(kinds[k["type"]] for k in detail["anyOf"])))


def test_every_operation_documents_its_errors(plan_app):  # noqa: F811
    doc = TestClient(plan_app).get("/api/openapi.json").json()
    operations = [(p, m, op) for p, ops in doc["paths"].items() for m, op in ops.items()]
    assert len(operations) > 60
    for path, method, op in operations:
        for code in ("400", "401", "403", "404", "422"):
            body = op["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    assert "HTTPValidationError" not in doc["components"]["schemas"]     # it promised a list only
    ledger = doc["paths"]["/api/ledger/template"]["get"]["responses"]["200"]["content"]
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in ledger
    letter = doc["paths"]["/api/letters/{letter_id}/document"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} <= set(letter)


def test_error_bodies_are_what_the_document_says(plan_app):  # noqa: F811
    client = TestClient(plan_app)
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Error"]
    office = bearer(client, "daqiban")
    answers = {
        401: client.get("/api/plan/tasks"),                                     # not signed in
        404: client.get("/api/plan/tasks/999999", headers=office),              # no such task
        422: client.get("/api/plan/tasks/0", headers=office),                   # FastAPI's own validation
        400: client.get("/api/plan/tasks?plan=%00", headers=office),            # a NUL byte
    }
    for code, r in answers.items():
        assert r.status_code == code, (code, r.text)
        assert _conforms(r.json(), schema), (code, r.text)
    assert isinstance(answers[422].json()["detail"], list)


def test_method_not_allowed_names_every_method_of_the_path(plan_app):  # noqa: F811
    client = TestClient(plan_app)
    r = client.put("/api/attachments", headers=bearer(client, "daqiban"))
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"                                 # FastAPI said "GET" only
    r = client.delete("/api/plan/tasks")
    assert r.status_code == 405 and r.headers["allow"] == "GET"


# Operations whose parameters the document cannot yet describe exactly (issue 21 §6): none may be
# added without a reason. Each entry is "METHOD path". They are left out of the all-checks run.
NOT_YET_EXACT: dict[str, str] = {}

# Operations that may refuse (422, documented with its body) a request the document allows, for what
# an OpenAPI document cannot state. Every check runs on them; a schema-valid request may be answered
# 422 (never 400) — the rest of schemathesis's "valid data accepted" check still holds.
REFUSED_BY_CONTENT: dict[str, str] = {
    # relations between parameters (OpenAPI 3.1 parameters cannot state them)
    "GET /api/store/query": "one of station, facility or mn is required",
    "GET /api/gates/records": "from after to (to defaulting to the as-of date) is refused",
    "GET /api/gates/violations": "from after to, or a period longer than a year, is refused",
    "GET /api/forecast/verification": "from after to is refused",
    "POST /api/live/devices": "one of station or facility is required",
    "POST /api/live/subscriptions": "an e-mail or robot subscription needs its target",
    # an uploaded file's contents (each bad row named in the 422)
    "POST /api/targets/import": "the targets file's rows",
    "POST /api/ledger/import": "the ledger workbook's sheets and rows",
    "POST /api/reduction/import": "the reduction list's rows",
    "POST /api/registers/{register}/import": "the register file's rows",
    "POST /api/alerts/{alert_id}/verify": "the CEMS / power series file's rows",
    "POST /api/gates/records": "the gate records (the CSV layout's fields, each checked)",
    "POST /api/enterprises/{enterprise_id}/facilities": "the kind's fields, each checked as the template's column",
    # what the data say, or the state of a record
    "POST /api/alerts": "a forecast that gives no warning under the rule set",
    "POST /api/ozone-responses": "a forecast with no day above O3-8h IAQI 150",
    "POST /api/alerts/{alert_id}/lift": "a warning already lifted",
    "POST /api/gates/violations/{record_id}/resolve": "a record that does not break the rule",
    "POST /api/fires/reports": "a time in the future, a place outside the city's counties",
    "POST /api/fires/figures": "a county of the registry (its code or name)",
    "POST /api/fires/calendar": "a county of the registry; a window ending before it starts",
    "GET /api/fires": "a county of the registry (its code or name)",
    "POST /api/staggered/{calendar_id}/{action}": "a county (or the office) names the enterprise_id of the line",
    "POST /api/reduction/totals": "the exact decimal kept in at most 32 characters",
    "POST /api/fires/{case_id}/finding": "lat and lon together; a check time (several layouts read) after the "
                                         "fire was seen and not in the future",
}

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SLOW = 300   # seconds: a heavy view on a busy machine is slow, not wrong (schemathesis waits 10 by default)


def _refused_only_by_content(ctx, response, case):
    """positive_data_acceptance, with 422 (the documented refusal of what the document cannot state)."""
    if case.meta is not None and case.meta.generation.mode.is_positive and response.status_code == 400:
        raise AssertionError(f"a schema-valid request refused with 400: {response.text[:300]}")


def _all_checks(web_app, client, methods: set[str], examples: int = 3,
                derandomize: bool = True) -> tuple[list[str], list[str]]:
    """Every operation of ``methods``, cases generated from the document, sent as the city office: all
    of schemathesis's checks (status codes, content types, headers and bodies as documented, and no
    schema-valid request refused) — 3 examples per operation, derandomized."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    office = bearer(client, "daqiban")
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web_app)
    failures, checked = [], []
    for result in schema.get_all_operations():
        op = result.ok()
        name = f"{op.method.upper()} {op.path}"
        if op.method.upper() not in methods or name in NOT_YET_EXACT:
            continue
        by_content = name in REFUSED_BY_CONTENT
        excluded = [positive_data_acceptance] if by_content else []
        extra = [_refused_only_by_content] if by_content else []

        @given(case=op.as_strategy())
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=derandomize)
        def run(case):
            case.call_and_validate(headers=office, excluded_checks=excluded, additional_checks=extra,
                                   timeout=SLOW)
        try:
            run()
        except (Exception, BaseExceptionGroup) as error:   # noqa: BLE001 — gathered, reported below
            failures.append(f"{name}: {str(error)[:600]}")
        checked.append(name)
    return checked, failures


def test_schemathesis_all_checks_on_every_get(web_app, client):
    """Every GET operation passes all of schemathesis's checks, on both databases."""
    checked, failures = _all_checks(web_app, client, {"GET"})
    assert len(checked) > 40 and "GET /api/stations" in checked
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def write_app(request, tmp_path_factory, data_dir):
    """A workspace of its own for the writes (the session's web_app is read by the other tests)."""
    from lantian.web.app import create_app
    folder = tmp_path_factory.mktemp(f"contract-{request.param}")
    with fresh_database(request.param, folder) as url:
        with database_url(url):
            build_workspace(folder / "ws", data_dir)
            app = create_app(folder / "ws")
        yield app


def test_schemathesis_all_checks_on_every_write(write_app):
    """Every write (POST, PUT, PATCH, DELETE) passes all of schemathesis's checks, on both databases:
    request bodies (forms, uploads, JSON) as documented, every answer documented."""
    checked, failures = _all_checks(write_app, TestClient(write_app), WRITES)
    assert len(checked) > 35 and "POST /api/attachments" in checked and "POST /api/alerts" in checked
    assert not failures, "\n".join(failures)


def test_forms_and_workspace_choices_as_the_app_reads_them(web_app):
    """A required form field is at least one character (FastAPI reads an empty one as missing), a form
    has no null, and /api/fires/stats lists the workspace's [fires.seasons]."""
    doc = web_app.openapi()
    body = doc["paths"]["/api/plan/tasks/{task_id}/reports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    report = doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert report["text"]["minLength"] == 1
    assert report["percent"]["type"] == "integer" and "anyOf" not in report["percent"]
    season = next(p for p in doc["paths"]["/api/fires/stats"]["get"]["parameters"] if p["name"] == "season")
    assert next(m for m in season["schema"]["anyOf"] if m.get("type") == "string")["enum"] == ["", "春耕", "夏收", "秋收"]
    pollutant = next(p for p in doc["paths"]["/api/store/query"]["get"]["parameters"] if p["name"] == "pollutant")
    assert pollutant["schema"]["anyOf"][0]["items"]["pattern"] == "^[^\\x00]*$"   # a NUL is refused (400)
    network = doc["paths"]["/api/stations/{code}/network"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(network)


def test_nothing_left_out_without_a_reason(web_app):
    """The exceptions above name operations the document has, each with its reason."""
    doc = web_app.openapi()
    names = {f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops}
    for listed in (NOT_YET_EXACT, REFUSED_BY_CONTENT):
        assert set(listed) <= names and all(reason.strip() for reason in listed.values())


def test_the_date_patterns_are_what_the_parsers_take():
    """web/params.py's DAY and PERIOD promise exactly the days parse_day takes (1901–2199, 29 February
    in leap years only), MONTH the months; checked day by day over 1890–2210."""
    import datetime as dt
    import re

    from lantian.web.params import DAY, MONTH, PERIOD, VALUES, parse_day
    day, period, month = re.compile(DAY), re.compile(PERIOD), re.compile(MONTH)
    d = dt.date(1890, 1, 1)
    while d < dt.date(2210, 1, 1):
        text, valid = d.isoformat(), 1900 < d.year < 2200
        assert bool(day.match(text)) == valid == bool(period.match(text)), text
        if valid:
            assert parse_day(text) == d
        if d.day == 1:
            assert bool(month.match(text[:7])) == valid == bool(period.match(text[:7])), text
        d += dt.timedelta(days=1)
    for wrong in ("2019-02-29", "2100-02-29", "2019-13-01", "2019-04-31", "19-01-01", "2019-1-1", "２０１９-01-01"):
        assert not day.match(wrong), wrong
    assert day.match("2000-02-29") and day.match("") and period.match("2023")
    assert re.match(VALUES, "210,230，2000") and not re.match(VALUES, "2001") and not re.match(VALUES, "")


def test_an_ozone_forecast_above_800_triggers():
    """HJ 633: above 800 µg/m³ the O3 8-h IAQI is not computed; such a day triggers (it answered 500)."""
    import datetime as dt

    from lantian.emergency.seasonal import ozone_days
    days = ozone_days(dt.date(2023, 6, 1), [100.0, 900.0])
    assert [d.triggered for d in days] == [False, True] and days[1].iaqi is None
