"""One central clearing-house for the federation tests that start real instances (faults, kills,
topologies, convergence): starting one costs seconds, so it is started once per run, on the suite's
database, with the fault-injecting proxy in front of it. Each test sets up its own node, with its
own instance id, as a node set up again from scratch: ``node init`` numbers its records after the
Colombian ones earlier tests' nodes pushed (it asks central), and its first pull adopts them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.federation.faultproxy import FaultProxy
from tests.federation.instances import (
    Agent,
    Instance,
    close_warm,
    fresh_postgres_database,
    served_central,
    warm_environments,
)

_nodes = itertools.count(1)


@pytest.fixture(scope="session")
def shared_central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    with served_central(tmp_path_factory.mktemp("shared-central"), fresh_postgres_database("shared")) as central:
        yield central


@pytest.fixture(autouse=True)
def _warm_processes_end_with_their_test() -> Iterator[None]:
    """The warm processes of a test's own instances end with it (those of the session's stay)."""
    before = warm_environments()
    yield
    close_warm(keep=before)


@pytest.fixture(scope="session")
def proxy(shared_central: Instance) -> Iterator[FaultProxy]:
    port = urlsplit(shared_central.url).port
    assert port is not None
    with FaultProxy(port) as running:
        yield running


@pytest.fixture
def proxied(proxy: FaultProxy) -> Iterator[FaultProxy]:
    """The proxy, clean before and after the test, with an empty log."""
    proxy.clear()
    proxy.forget()
    yield proxy
    proxy.clear()


@pytest.fixture
def node_number() -> int:
    """A number for a new node's instance id and database, unique in this run."""
    return next(_nodes)


@pytest.fixture(scope="session")
def central_agent(shared_central: Instance) -> Iterator[Agent]:
    """Central's services in a long-lived process: publications without an interpreter start each."""
    with Agent(shared_central) as agent:
        yield agent
