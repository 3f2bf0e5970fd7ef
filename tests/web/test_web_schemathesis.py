"""Schemathesis against the OpenAPI document: no 500s, every response matching the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import positive_data_acceptance

from tests.web.webtools import COMMITTEE, Site

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(site: Site) -> object:
    """The document as the application serves it, with a committee member's token."""
    loaded = schemathesis.openapi.from_asgi("/api/openapi.json", site.app)
    token = site.token(COMMITTEE)
    loaded.config.headers = {"Authorization": f"Bearer {token}"}
    return loaded


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # The rules legitimately refuse some schema-valid requests (an unknown trigger is 400,
    # missing data 422), so "valid data accepted" is not a property of this API; every other
    # check, from no 500s to response schemas, is.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
