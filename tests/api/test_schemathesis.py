"""Property-based checks of the whole API against its own OpenAPI document (Schemathesis).

Every operation (but the endless event stream, see ``test_api_events.py``) is called with
generated valid and invalid inputs, signed in with an API key (so that generated calls to
``/v1/auth/logout`` cannot end the run's session): once as sme-t1's admin, once as the
regulator's viewer. Each answer must not be a server error and must match the documented
response schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from api_support import Api, seeded_api
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from demo_template import DemoTemplate
from smechain.api.body import MAX_DEPTH


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory,
           demo_template: DemoTemplate) -> Iterator[Api]:
    """A demo of its own: generated calls may change users, keys and proposals."""
    api = seeded_api(tmp_path_factory.mktemp("schemathesis-demo") / "demo", demo_template)
    yield api
    api.close()


def api_key(api: Api, org: str, role: str) -> dict[str, str]:
    created = api.ok("POST", "/v1/api-keys", as_=f"{org}/admin", status=201,
                     json={"name": "schemathesis", "role": role})
    return {"Authorization": f"Bearer {created['secret']}"}


@pytest.fixture(scope="module")
def sme_admin(fuzzed: Api) -> dict[str, str]:
    return api_key(fuzzed, "sme-t1", "admin")


@pytest.fixture(scope="module")
def regulator_viewer(fuzzed: Api) -> dict[str, str]:
    return api_key(fuzzed, "regulator", "viewer")


@pytest.fixture(scope="module")
def api_schema(fuzzed: Api) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """Schemathesis 4.32's fixture-loaded schemas read ``node._nodeid``, which pytest 9 no
    longer has (it keeps ``_id``); give the test node one so the plugin runs."""
    request.node._nodeid = request.node.nodeid


# The event stream never ends by itself: it is tested in test_api_events.py. (The filter
# goes here: a fixture-loaded schema applies this object's filters, not the fixture's.)
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/v1/events")


SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


def check(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=dict(bearer))  # call() adds to the dict it is given
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    if case.path != "/v1/auth/login":  # the API key must stay valid throughout the run
        assert response.status_code != 401, (case.method, case.path, response.text)


@schema.parametrize()
@SETTINGS
def test_api_matches_its_openapi_document_as_an_sme_admin(case: Any,
                                                          sme_admin: dict[str, str]) -> None:
    check(case, sme_admin)


@schema.parametrize()
@SETTINGS
def test_api_matches_its_openapi_document_as_the_regulator(
        case: Any, regulator_viewer: dict[str, str]) -> None:
    check(case, regulator_viewer)


Step = str | int


def _leaves(value: Any, name: str = "", steps: tuple[Step, ...] = ()
            ) -> list[tuple[str, tuple[Step, ...]]]:
    """Where each string and number of a JSON value is: its field name as errors give
    it, and the keys and indexes that lead to it."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items()
                for leaf in _leaves(v, f"{name}.{k}" if name else str(k), (*steps, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value)
                for leaf in _leaves(v, f"{name}[{i}]", (*steps, i))]
    return [(name, steps)] if isinstance(value, str | int) and steps else []


def _replace(value: Any, steps: tuple[Step, ...], new: Any) -> Any:
    if not steps:
        return new
    head, *rest = steps
    if isinstance(value, dict):
        return {k: _replace(v, tuple(rest), new) if k == head else v for k, v in value.items()}
    return [_replace(v, tuple(rest), new) if i == head else v for i, v in enumerate(value)]


DEEP = 2 * MAX_DEPTH


@schema.parametrize()
@schema.given(how=st.sampled_from(("surrogate", "deep")), pick=st.integers(0, 1000))
@SETTINGS
def test_hostile_text_and_depth_are_refused_naming_the_field(
        case: Any, how: str, pick: int, fuzzed: Api, sme_admin: dict[str, str]) -> None:
    """One string or number of a generated JSON body becomes a lone surrogate, or a list
    nested past ``MAX_DEPTH``: a 422 naming that field (or ``body``), never a 5xx."""
    leaves = _leaves(case.body) if case.media_type == "application/json" else []
    if not leaves:
        check(case, sme_admin)
        return
    path, steps = leaves[pick % len(leaves)]
    hostile: Any = "\ud800"
    if how == "deep":
        for _ in range(DEEP):
            hostile = [hostile if isinstance(hostile, list) else 1]
    body = _replace(case.body, steps, hostile)
    # sent as a client's JSON carries it (``\\ud800``): schemathesis's own call cannot
    response = fuzzed.client.request(case.method, case.formatted_path, params=case.query,
                                     content=json.dumps(body),
                                     headers={**sme_admin, "content-type": "application/json"})
    assert response.status_code == 422, (case.method, case.path, response.text)
    detail = response.json()["error"]
    if "64-bit" not in detail["message"]:  # a generated integer may be refused first
        assert detail["field"] == (path if how == "surrogate" else "body"), (detail, path, body)
