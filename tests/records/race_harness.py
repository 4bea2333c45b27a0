"""Two approvers approve the same publication request at the same moment, ``--trials`` times.

Run by tests/records/test_workflow.py in a child process with its own data folder (and its own
PostgreSQL database when OPENBCH_DATABASE_URL is set): the threads need real, committed
transactions, which a test's rolled-back transaction cannot give. Prints one line per trial.
"""

from __future__ import annotations

import argparse
import os
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from openbch.core.actors import Actor, Grant, Role  # noqa: E402
from openbch.core.errors import ConflictError  # noqa: E402
from openbch.records import workflow  # noqa: E402
from openbch.records.models import Revision  # noqa: E402

VALIDATORS = [Actor(f"validator-{i}", user_id=100 + i, grants=(Grant(Role.REFERENCE_VALIDATOR),)) for i in range(2)]
SUBMITTER = Actor("submitter", user_id=99)


def trial(number: int) -> str:
    draft = workflow.create_draft(
        SUBMITTER, record_type="ORGA", owner="SCBD", body={"scientificName": f"Racea trial{number}"}
    )
    identifier = draft.record.identifier
    workflow.submit(SUBMITTER, identifier=identifier)
    barrier = threading.Barrier(len(VALIDATORS))
    outcomes: list[str] = []

    def approve(actor: Actor) -> None:
        try:
            barrier.wait()
            workflow.approve(actor, identifier=identifier)
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(actor,)) for actor in VALIDATORS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    revisions = Revision.objects.filter(record__identifier=identifier).count()
    return (
        f"trial {number}: winners={outcomes.count('won')} conflicts={outcomes.count('conflict')} revisions={revisions}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    for number in range(args.trials):
        print(trial(number), flush=True)


if __name__ == "__main__":
    main()
