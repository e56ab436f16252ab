"""Schema fuzzing of the whole HTTP API with Schemathesis.

Every operation of the OpenAPI schema ninja serves gets generated requests, valid ones and
invalid ones, sent through the WSGI application as several roles (bearer tokens). No answer
may be a server error, and every answer must match the schema (its status code declared, its
body of the declared shape). The budget is small in the ordinary suite; `make fuzz` runs the
same test with `QIANGSHI_FUZZ_EXAMPLES` set high. The seed is fixed, so a run is repeatable.
"""

import os
from collections import Counter
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qiangshi.access.services import api_token_create

EXAMPLES = int(os.environ.get("QIANGSHI_FUZZ_EXAMPLES", "8"))
ROLES = ("admin", "district", "school", "teacher")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Tally:
    requests: int = 0
    server_errors: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, run in this thread against the test database (as the
    test client does: no connection closed at the end of a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operation, mode, tokens, tally):
    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
    def run(case, role):
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        # Each request in a savepoint rolled back afterwards: one request's writes cannot
        # change what the next finds, and a failed query cannot poison the test transaction.
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        label = f"{role} {case.method} {case.formatted_path} → {response.status_code}"
        if response.status_code >= 500:
            tally.server_errors.append(f"{label}: {case.as_curl_command()}")
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # a check failed: record, go on
            tally.violations.append(f"{label}: {str(exc)[:600]}")

    run()


@pytest.mark.django_db
def test_no_generated_request_gets_a_server_error_or_breaks_the_schema(world, wsgi_app):
    tokens = {role: api_token_create(actor=world["users"][role], name="fuzz")[1] for role in ROLES}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, tokens, tally)
    print(
        f"\nfuzz: {len(operations)} operations, {tally.requests} requests, "
        f"{len(tally.server_errors)} server errors, {len(tally.violations)} schema violations; "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.requests >= 2 * len(operations) > 0
    assert not tally.server_errors, "\n".join(tally.server_errors)
    assert not tally.violations, "\n".join(tally.violations)
