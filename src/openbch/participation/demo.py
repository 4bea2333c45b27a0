"""Demo content: the Aarhus Convention joint forum's two discussion groups and its online debate.

The forum titles and the debate's question are those of the joint forum the Biosafety
Clearing-House ran with the Aarhus Convention on public awareness, education and participation;
every post here was written for the openbch demo and is marked as such (``demo``), by accounts
named ``demo-…`` that cannot sign in. The debate opens on the day the demo is made and stays open
for 30 days, so it can be run end to end. Seeding is idempotent: a forum or debate that exists is
left as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from openbch.core.actors import SYSTEM
from openbch.participation import services
from openbch.participation.models import Debate, Forum

__all__ = ["DEMO_DEBATE", "DEMO_FORUMS", "SeedReport", "seed_demo"]

DEMO_FORUMS = (
    (
        "meaning-of-public-access",
        "The meaning and importance of public access to biosafety information",
        "A discussion group of the joint forum of the Biosafety Clearing-House and the Aarhus Convention "
        "on public awareness, education and participation (Cartagena Protocol Article 23, Aarhus "
        "Convention Articles 4 and 5): why access to information on living modified organisms matters, "
        "and to whom.",
    ),
    (
        "facilitating-public-access",
        "Facilitating public access to biosafety information",
        "A discussion group of the joint forum: how clearing-houses, national nodes and public "
        "authorities make biosafety information easy to find, read and reuse.",
    ),
)
DEMO_DEBATE = (
    "techniques-to-elicit-public-participation",
    "Techniques to elicit public participation",
    "An online debate of the joint forum: which techniques get the public to take part in "
    "decision-making on living modified organisms? Take a position (for, against or other) on "
    "the motion: *public hearings remain the most effective technique*.",
)
_PEOPLE = (
    ("demo-amina", "Amina (demo participant)"),
    ("demo-lucas", "Lucas (demo participant)"),
    ("demo-olga", "Olga (demo participant)"),
)


@dataclass(frozen=True)
class SeedReport:
    forums: int
    debates: int
    posts: int


def _person(username: str, name: str) -> None:
    if User.objects.filter(username=username).exists():
        return
    first, _, last = name.partition(" ")
    user = User(username=username, first_name=first, last_name=last)
    user.set_unusable_password()
    user.save()


def _examples() -> tuple[str, str]:
    """A published decision's UID and an LMO's identifier from the loaded data (for linked posts)."""
    from openbch.records.models import Record, RecordKey, RecordState

    decision = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).order_by("owner", "number").first()
    uid = f"BCH-DEC-{decision.owner}-{decision.number}" if decision else "BCH-DEC-CA-1"
    key = RecordKey.objects.filter(kind="oecd", record__state=RecordState.PUBLISHED).order_by("value").first()
    from openbch.identifiers.oecd import check

    oecd = check(key.value).canonical if key else "MON-ØØ81Ø-6"
    return uid, oecd or "MON-ØØ81Ø-6"


def seed_demo(now: dt.datetime | None = None) -> SeedReport:
    """The joint forum's groups and debate with a few example posts, unless they exist already."""
    now = now or timezone.now()
    for username, name in _PEOPLE:
        _person(username, name)
    uid, oecd = _examples()
    forums = debates = posts = 0
    threads = {
        "meaning-of-public-access": (
            "Why should the public see risk assessments, not only decisions?",
            [
                f"A decision such as {uid} tells us *what* was decided. The risk assessment behind it "
                "tells us *why*. Without both, public participation is a formality.",
                "Agreed, and the summaries should be in the languages people read: a record in one "
                "language only reaches a few.",
            ],
        ),
        "facilitating-public-access": (
            "Finding an LMO from the code on a shipping document",
            [
                f"Customs documents often print identifiers like `{oecd.lower()}` in lower case or with "
                f"the digit zero. The clearing-house finds {oecd} whatever the spelling.",
                "A national node that mirrors the central records would help where the connection is poor.",
            ],
        ),
    }
    for slug, title, description in DEMO_FORUMS:
        if Forum.objects.filter(slug=slug).exists():
            continue
        services.create_forum(SYSTEM, slug=slug, title=title, description=description, demo=True)
        forums += 1
        subject, texts = threads[slug]
        thread = services.start_thread(
            SYSTEM, forum=slug, title=subject, body=texts[0], as_user=_PEOPLE[0][0], demo=True
        )
        first = thread.posts.get()
        for i, text in enumerate(texts[1:], start=1):
            services.reply(
                SYSTEM,
                thread_id=thread.pk,
                body=text,
                parent_id=first.pk,
                as_user=_PEOPLE[i % len(_PEOPLE)][0],
                demo=True,
            )
        posts += len(texts)
    slug, question, description = DEMO_DEBATE
    if not Debate.objects.filter(slug=slug).exists():
        services.create_debate(
            SYSTEM,
            slug=slug,
            question=question,
            description=description,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=30),
            positions=True,
            demo=True,
        )
        debates += 1
        examples = [
            ("demo-amina", "for", "Hearings put officials and citizens in one room; that is hard to replace."),
            (
                "demo-lucas",
                "against",
                "Hearings reach the people who can travel to them. Online comment periods and debates like "
                "this one reach more, and keep a written record.",
            ),
            (
                "demo-olga",
                "other",
                "Ce n'est pas l'un ou l'autre : une audience publique annoncée en ligne, avec les documents "
                "publiés à l'avance, combine les deux.",
            ),
        ]
        for username, position, text in examples:
            language = "fr" if username == "demo-olga" else "en"
            services.post_in_debate(
                SYSTEM, debate=slug, body=text, language=language, position=position, as_user=username, demo=True
            )
            posts += 1
    return SeedReport(forums=forums, debates=debates, posts=posts)
