"""Property-based API testing from the OpenAPI document (schemathesis), every operation, both databases.

Checks: no 5xx, documented status codes, content types, headers and response
schemas; and that operations needing a key refuse requests without one. The
number of examples is bounded so the test stays fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from svc_support import Server

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance, checks.ignored_auth]
EXAMPLES = 25


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def st_server(request, tmp_path_factory, dumps):
    work = tmp_path_factory.mktemp(f"st-{request.param}")
    db = f"sqlite:///{work / 'service.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("pg_cluster").new_database()
    s = Server(db, work, "--csca", dumps.csca(), "--workers", "2", "--rate-limit", "0", "--max-body", "100000",
               "--timeout", "10")
    key = s.key("admin", "schemathesis")
    s.start()
    s.client(key).post("/v1/verifications", content=dumps.dump().read_bytes())  # one record to find
    yield s, key
    s.stop()


def test_every_operation(st_server):
    s, key = st_server
    schema = schemathesis.openapi.from_url(s.url + "/openapi.json")
    seen, calls = [], []
    for result in schema.get_all_operations():
        op = result.ok()
        seen.append(f"{op.method.upper()} {op.path}")

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            r = case.call_and_validate(base_url=s.url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
            calls.append((op.path, r.status_code))

        run()
    assert len(seen) == 9, seen  # every operation of the API was exercised
    assert len(calls) >= 9 * 5, len(calls)
    statuses = {code for _, code in calls}
    assert any(200 <= c < 300 for c in statuses) and any(400 <= c < 500 for c in statuses), statuses
    print(f"schemathesis: {len(calls)} requests, statuses {sorted(statuses)}")
