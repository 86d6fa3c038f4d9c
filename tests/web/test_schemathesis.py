"""Property tests of the API against its own OpenAPI schema (schemathesis): requests that
fit the schema, and requests that break it, never make the application fail (no 5xx), and
every answer fits the schema it documents (status and body).

Two runs, each with a few derandomized examples per operation and generation mode, so
they are repeatable and short:

- every read, as an admin, on the shared demo database the other web tests read;
- every operation, as an admin, on a throwaway database of its own (an SQLite file, or a
  PostgreSQL schema of its own when ``ESCALERA_TEST_DATABASE_URL`` names one) seeded with
  a small demo: first every write (POST, PUT, PATCH, DELETE), so that random writes reach
  the handlers and the database without filling the shared demo, then every read again,
  over what those writes stored (fewer examples: the first run tried the reads already).

The operations are walked in one test per run with ``APIOperation.as_strategy`` rather
than schemathesis' pytest plugin, whose lazy loading (needed to load the schema from a
fixture) does not run under the pytest pinned here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import response_schema_conformance

from escalera.config import Settings
from escalera.web.app import create_app
from tests.conftest import own_database
from tests.web.conftest import seed_web_demo

READ_EXAMPLES = 3
WRITE_EXAMPLES = 3
REREAD_EXAMPLES = 2
THROWAWAY_FIRMS = 50
CHECKS: list[CheckFunction] = [not_a_server_error, response_schema_conformance]


def failure(operation: APIOperation, mode: GenerationMode, headers: dict[str, str],
            examples: int) -> str | None:
    """What went wrong with ``operation`` under ``mode``, or None."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # nothing to break: an operation without parameters
        return None
    except (Exception, BaseExceptionGroup) as exc:  # the smallest failing examples (several
        return f"{operation.label} ({mode}): {exc}"  # distinct ones come as a group)
    return None


def operations(app: FastAPI) -> list[APIOperation]:
    """Every operation of the application's schema."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]


def walk(selected: list[APIOperation], headers: dict[str, str], examples: int) -> list[str]:
    return [problem for operation in selected for mode in GenerationMode
            if (problem := failure(operation, mode, headers, examples)) is not None]


def test_reads_never_fail_on_the_server(web_app: FastAPI,
                                        api_token: Callable[[str], str]) -> None:
    reads = [op for op in operations(web_app) if op.method.upper() == "GET"]
    assert len(reads) >= 30, [op.label for op in reads]
    found = walk(reads, {"Authorization": f"Bearer {api_token('admin')}"}, READ_EXAMPLES)
    assert not found, "\n\n".join(found)


@pytest.fixture(scope="module")
def throwaway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """An application over a database of its own, seeded with a small demo."""
    with own_database(tmp_path_factory.mktemp("fuzz"), "fuzz") as selected:
        app = create_app(Settings(database_url=selected))
        seed_web_demo(app, firm_count=THROWAWAY_FIRMS)
        yield app
        app.state.context.engine.dispose()


def test_every_operation_never_fails_on_the_server(throwaway: FastAPI) -> None:
    # The revocation of tokens goes last: revoking the walk's own token would make every
    # later call a 401 (still checked: no 5xx, and the 401 fits the schema).
    revoke = "DELETE /api/v1/tokens/{token_id}"
    every = operations(throwaway)
    last = [op for op in every if op.label == revoke]
    writes = [op for op in every if op.method.upper() in ("POST", "PUT", "PATCH", "DELETE")
              and op.label != revoke]
    reads = [op for op in every if op not in writes and op.label != revoke]
    assert len(last) == 1, [op.label for op in every]
    assert len(writes) >= 20, [op.label for op in writes]
    answer = TestClient(throwaway).post("/api/v1/tokens", json={
        "username": "admin", "password": "demo-admin", "name": "schemathesis"})
    assert answer.status_code == 201, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    found = (walk(writes, headers, WRITE_EXAMPLES) + walk(reads, headers, REREAD_EXAMPLES)
             + walk(last, headers, WRITE_EXAMPLES))
    assert not found, "\n\n".join(found)
