"""Property-based test of the REST API against its own published OpenAPI schema
(schemathesis, in-process): no 5xx, and every answer matches the status codes
and schema the API publishes. Bounded: ``OPENAPI_FUZZ_EXAMPLES`` examples per
operation (default 25; CI runs the default). Not in the default run: marked
``fuzz``, run by ``pytest -m fuzz`` (``.ci/run`` does, on both databases)."""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("OPENAPI_FUZZ_EXAMPLES", "25"))
# the login and password endpoints are rate-limited and change credentials:
# they have their own tests
SKIP = r"/(security|account)/|_openapi"

pytestmark = pytest.mark.fuzz


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=SKIP)


@pytest.fixture
def api_schema(app):
    from tests.helpers import api_token, new_client

    admin = {"Authorization": f"Bearer {api_token(new_client(app), '13900000099')}"}
    return schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=admin)


@pytest.fixture
def bearer(app):
    from tests.helpers import api_token, new_client

    return {"Authorization": f"Bearer {api_token(new_client(app), '13900000011')}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_keeps_its_published_contract(case, bearer):
    case.call_and_validate(headers=bearer, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance])

