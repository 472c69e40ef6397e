"""The OpenAPI document is true (issue 21 §6, lantian.web.contract): every error the API answers is
documented with the body it has, downloads declare their media types, a 405 names every method of
the path — on SQLite and PostgreSQL."""
from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import bearer
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
