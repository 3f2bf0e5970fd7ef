"""The strategy beyond the lifecycle in the demo year: the Business Plan register the partners'
business cases cite, initiatives resourced and left un-resourced, a difficult interaction, and
quiet months that the reports flag as a failure sign.

`add_strategy` is the one entry point: it keeps the register now and adds its dated steps to
the story. Initiatives start in July, August and October 2007, then none until February 2008,
so the January 2008 report (emailed on 1 February) names three months without a new
initiative; February's initiative is never resourced, so the June 2008 report flags it.
"""

from __future__ import annotations

from datetime import date

from ceop_workflow.demo.book import INFRA, INTEL, OPS, REACH, TRAINING
from ceop_workflow.demo.script import HEAD, KEYWORKER
from ceop_workflow.demo.world import DemoWorld, Step
from ceop_workflow.strategy.cases import Cases
from ceop_workflow.strategy.initiatives import Initiatives
from ceop_workflow.strategy.register import Register

COLLEAGUE = "alex.staff@ceop.example"
OBJECTIVES = {
    "protect": ("Protect children and young people online", (REACH, TRAINING)),
    "pursue": ("Identify and pursue offenders", (INTEL, OPS)),
    "sustain": ("A sustainable, growing Centre", (INFRA,)),
}
TARGETS = {
    REACH: "Harm reduction: reach children and parents",
    TRAINING: "Training: the Thinkuknow education programme",
    INTEL: "Intelligence: data to identify offenders",
    OPS: "Operations: victim identification",
    INFRA: "Corporate: core infrastructure and growth",
}
PRIORITY_AREAS = (
    (
        "trend_analysts",
        "Analysts for online trend data",
        ("business_objectives", "fills_resource_gap"),
    ),
    ("education_outreach", "Thinkuknow trainers and venues", ("business_objectives", "attractive")),
)
# The Business Plan of each financial year the demo touches: 2008/09 begins in April 2008.
YEARS = ("2007/08", "2008/09")


def keep_register(world: DemoWorld) -> None:
    """The Head of Partnerships keeps the register of both years, as the demo begins."""
    service = world.service
    register = Register(service.settings, service.db, service.clock)
    for year in YEARS:
        for key, (title, targets) in OBJECTIVES.items():
            register.add("objective", key, title, actor=HEAD, year=year)
            for target in targets:
                register.add("target", target, TARGETS[target], actor=HEAD, year=year, parent=key)
        for rank, (key, title, criteria) in enumerate(PRIORITY_AREAS, start=1):
            register.add(
                "priority_area", key, title, actor=HEAD, year=year, criteria=criteria, rank=rank
            )


def _initiatives(world: DemoWorld) -> Initiatives:
    s = world.service
    return Initiatives(s.settings, s.db, s.clock, s.catalog)


def _id(world: DemoWorld, title: str) -> int:
    return next(i.id for i in _initiatives(world).all() if i.title == title)


def _propose(title: str, target: str, area: str | None, resources: str) -> Step:
    def step(world: DemoWorld) -> None:
        world.attempt(
            f"initiative {title!r}",
            lambda: _initiatives(world).add(
                title,
                targets=[target],
                owner=KEYWORKER,
                actor=KEYWORKER,
                priority_area=area,
                resources_needed=resources,
            ),
        )

    return step


def _fire(title: str, trigger: str, **data: str) -> Step:
    def step(world: DemoWorld) -> None:
        given = {key: [value] for key, value in data.items()}
        world.attempt(
            f"initiative {title!r} {trigger}",
            lambda: _initiatives(world).fire(_id(world, title), trigger, HEAD, given),
        )

    return step


def _resourced_by(title: str, partner: str, *, first: bool = True) -> Step:
    def step(world: DemoWorld) -> None:
        pid = world.ids[partner]
        if first:
            _fire(title, "resource", partnership=str(pid))(world)
        else:
            world.attempt(
                f"initiative {title!r} link",
                lambda: _initiatives(world).link(_id(world, title), pid, HEAD),
            )

    return step


def _contact(partner: str, kind: str, by: str, note: str) -> Step:
    def step(world: DemoWorld) -> None:
        world.records.log_contact(world.ids[partner], kind, by, note)

    return step


def _resolve_case(partner: str, resolution: str) -> Step:
    def step(world: DemoWorld) -> None:
        s = world.service
        cases = Cases(s.settings, s.db, s.clock)
        world.attempt(
            f"{partner} case", lambda: cases.resolve(world.ids[partner], HEAD, resolution)
        )

    return step


EDUCATION = "Thinkuknow outreach in schools"
ANALYSTS = "Analysts for online trend data"
IMAGES = "Victim identification image database"
GUIDE = "Safer social networking guide"
MOBILE = "Mobile safety messaging"

STEPS: tuple[tuple[date, Step], ...] = (
    (date(2007, 7, 9), _propose(EDUCATION, TRAINING, "education_outreach", "Trainers, venues")),
    (date(2007, 7, 23), _resourced_by(EDUCATION, "NSPCC")),
    (date(2007, 8, 13), _propose(ANALYSTS, INTEL, "trend_analysts", "Two analysts for a year")),
    (date(2007, 9, 3), _contact("NSPCC", "meeting", COLLEAGUE, "Met at the helpline launch")),
    (date(2007, 9, 17), _resourced_by(ANALYSTS, "Microsoft")),
    (date(2007, 10, 8), _propose(IMAGES, OPS, None, "Hosting and a database engineer")),
    (date(2007, 11, 12), _resourced_by(IMAGES, "Lexis Nexis")),
    (date(2007, 12, 10), _contact("AOL", "difficult_interaction", COLLEAGUE, "Disputed credit")),
    (date(2007, 12, 17), _resolve_case("AOL", "Joint press line agreed")),
    # November to January: no new initiative; the January report names the failure sign.
    (date(2008, 2, 18), _propose(GUIDE, REACH, None, "A publisher for the guide")),
    (date(2008, 3, 10), _propose(MOBILE, REACH, None, "Messaging on handsets")),
    (date(2008, 4, 14), _resourced_by(MOBILE, "Vodafone")),
    (date(2008, 4, 28), _resourced_by(MOBILE, "Blackberry", first=False)),
    (date(2008, 5, 30), _fire(EDUCATION, "deliver", note="120 schools reached")),
    (date(2008, 6, 9), _contact("Yahoo! UK", "difficult_interaction", COLLEAGUE, "Angry call")),
)


def chapter() -> list[tuple[date, Step]]:
    """The strategy's dated steps (initiatives, a difficult interaction, the quiet months); the
    register they cite is kept at seeding, by `keep_register`."""
    return list(STEPS)
