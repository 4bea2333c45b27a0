"""The token routes keep their OpenAPI contract under generated input, with and without a valid token.

Uses the product's URL map once the routes are mounted in openbch.api.app, the tests' map before.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from openbch.accounts.actors import hash_token
from openbch.accounts.models import ApiToken
from openbch.accounts.services import create_user
from openbch.core.actors import SYSTEM
from openbch.wsgi import application
from tests.wsgi_plain import uncompressed

from .conftest import tokens_mounted

URLCONF = "openbch.urls" if tokens_mounted() else "tests.accounts.urls"


def app(environ: dict[str, Any], start_response: Any) -> Any:
    with override_settings(ROOT_URLCONF=URLCONF):
        return application(environ, start_response)


load_all_checks()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", uncompressed(app)).include(tag="tokens")
authenticated = schemathesis.openapi.from_wsgi("/api/openapi.json", uncompressed(app)).include(tag="tokens")


#: a fixed token (schemathesis asks for it while collecting, before any database is open); the
#: ``fuzz_token`` fixture stores its hash for each test
FUZZ_TOKEN = "obch_0f0f0f0f_" + "F" * 43


@authenticated.auth()
class FixedToken:
    def get(self, case: schemathesis.Case, context: Any) -> str:
        return FUZZ_TOKEN

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_token_routes_conform_without_credentials(case: schemathesis.Case, same_connection: None) -> None:
    case.call_and_validate(checks=CHECKS.get_all())


@pytest.fixture
def fuzz_token(db: None) -> None:
    user = create_user(SYSTEM, username="fuzzer", password=None)
    ApiToken.objects.create(
        user=user,
        name="fuzz",
        prefix=FUZZ_TOKEN.split("_")[1],
        secret_hash=hash_token(FUZZ_TOKEN),
        scopes=["read", "write"],
        created_at=timezone.now(),
    )


@pytest.mark.django_db
@authenticated.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_token_routes_conform_with_a_token(case: schemathesis.Case, same_connection: None, fuzz_token: None) -> None:
    case.call_and_validate(checks=CHECKS.get_all())
