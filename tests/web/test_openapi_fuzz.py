"""schemathesis against the OpenAPI spec: no input the spec allows makes the server fail (no 5xx).

Every operation of /api/openapi.json, cases generated from the spec, sent signed in as the city
office (bearer token) and as a county user, on both database kinds of tests/web/conftest.py.
"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import bearer


def operations(web_app):
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web_app)
    ops = [result.ok() for result in schema.get_all_operations()]
    assert len(ops) >= 8
    return ops


def test_no_server_errors(web_app, client):
    users = {name: bearer(client, name) for name in ("daqiban", "luzhou")}
    checked = []
    for op in operations(web_app):
        @given(case=op.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            for headers in users.values():
                response = case.call(headers=headers, timeout=300)   # slow on a busy machine is not a failure
                assert response.status_code < 500, (case.method, case.path, case.formatted_path,
                                                     response.status_code, response.text[:300])
        run()
        checked.append(f"{op.method.upper()} {op.path}")
    assert "GET /api/stations" in checked and "POST /api/auth/token" in checked
