"""Property tests of the API against its own OpenAPI schema (schemathesis): requests that
fit the schema, and requests that break it, never make the application fail (no 5xx).

Every read endpoint is tried as an admin (so the handlers run, not only the permission
checks), with a few derandomized examples per endpoint and generation mode, so the run is
repeatable and short. Writes are covered by ``test_api.py`` and ``test_authorization.py``
on purpose: random writes would fill the shared demo database that other tests read.

The operations are walked in one test with ``APIOperation.as_strategy`` rather than
schemathesis' pytest plugin, whose lazy loading (needed to load the schema from a fixture)
does not run under the pytest pinned here.
"""

from __future__ import annotations

from collections.abc import Callable

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

EXAMPLES = 10


def failure(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]
            ) -> str | None:
    """What went wrong with ``operation`` under ``mode``, or None."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:  # nothing to break: an operation without parameters
        return None
    except Exception as exc:  # hypothesis re-raises the smallest failing example
        return f"{operation.label} ({mode}): {exc}"
    return None


def test_reads_never_fail_on_the_server(web_app: FastAPI,
                                        api_token: Callable[[str], str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_app)
    reads = [result.ok() for result in schema.get_all_operations()
             if isinstance(result, Ok) and result.ok().method.upper() == "GET"]
    assert len(reads) >= 30, [op.label for op in reads]
    headers = {"Authorization": f"Bearer {api_token('admin')}"}
    found = [problem for operation in reads for mode in GenerationMode
             if (problem := failure(operation, mode, headers)) is not None]
    assert not found, "\n\n".join(found)
