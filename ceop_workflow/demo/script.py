"""What people do during the demo year: contacts, reviews, contributions and the scripted story.

Deterministic (a seeded random generator), so the demo tells the same story every time:
reviews recorded (a few late, so the daemon chases them), St Mary's left without contact until
the daemon escalates it, Bebo and the Internet Watch Foundation approved by the committee,
Carphone Warehouse deferred, Vodafone renewed a level up, and a new initiative with Microsoft.
"""

from __future__ import annotations

from datetime import date, timedelta

from ceop_workflow.demo.book import BOOK, REACH, Seed
from ceop_workflow.demo.seed import COMMITTEE, TEAM, fire_with
from ceop_workflow.demo.world import DemoWorld, Step
from ceop_workflow.engine.cadence import first_working_day, is_working_day

HEAD = "kelly.burke@ceop.example"
KEYWORKER = "sam.keyworker@ceop.example"
# Partners whose monthly reviews are often late, so the daemon chases them.
LATE = frozenset({"AOL", "Axios", "Becta"})
# Partners whose objectives are often not met.
STRUGGLING = {"Ofcom": 0.55, "SwapitNow": 0.5, "Axios": 0.6, "Yahoo! UK": 0.65}
CONTACT_KINDS = ("meeting", "update", "event", "request")
FEEDBACK = (
    "The bespoke feedback on impact was valued; keen to do more next year.",
    "Would like clearer communication about how our staff are used.",
    "Proud to display the CEOP brand; asked about sponsoring an event.",
)

LAST_DAY = date(2008, 6, 30)
# Partnerships the story starts during the year, once they are running.
NEWCOMERS = [
    Seed("Bebo", "partner", "industry", keyworker=KEYWORKER, contact_every=30),
    Seed(
        "Internet Watch Foundation", "partner", "specialist", keyworker=KEYWORKER, contact_every=30
    ),
    Seed("Microsoft (Safer by Design)", "contributor", keyworker=KEYWORKER, contact_every=45),
]


def _fire_step(name: str, trigger: str, actor: str, **data: object) -> Step:
    def step(world: DemoWorld) -> None:
        world.attempt(
            f"{name} {trigger}",
            lambda: fire_with(world.service, world.ids[name], trigger, actor, **data),
        )

    return step


def _new_initiative(world: DemoWorld) -> None:
    partner = world.service.show(world.ids["Microsoft"]).partner_id
    world.ids["Microsoft (Safer by Design)"] = world.service.create_partnership(
        partner, "partnership", KEYWORKER, HEAD
    )


def _resolve_st_marys(world: DemoWorld) -> None:
    pid = world.ids["St Mary's High School"]
    world.records.log_contact(pid, "difficult_interaction", HEAD, "Met the new head teacher")
    if world.state("St Mary's High School") == "escalated":
        fire_with(
            world.service,
            pid,
            "resolve",
            HEAD,
            resolution="New head teacher engaged; a Thinkuknow assembly is booked",
        )


def scripted() -> list[tuple[date, Step]]:
    """The story's dated steps, beyond the routine of contacts, reviews and contributions."""
    bc = {"core_policing": "false"}
    steps: list[tuple[date, Step]] = [
        (date(2007, 8, 15), _fire_step("Bebo", "start_business_case", KEYWORKER)),
        (
            date(2007, 9, 20),
            _fire_step(
                "Bebo",
                "submit_to_committee",
                KEYWORKER,
                **bc,
                title="Bebo: Report Abuse button and safety messaging",
                objectives=(REACH, "intel_identify_offenders"),
            ),
        ),
        (date(2007, 10, 10), _fire_step("Bebo", "approve", COMMITTEE[0], minutes="Approved")),
        (
            date(2007, 10, 22),
            _fire_step(
                "Bebo",
                "assign_tier",
                TEAM,
                tier="partner",
                kind="industry",
                start=date(2007, 11, 1),
                end=date(2008, 11, 1),
            ),
        ),
        (date(2007, 11, 1), _fire_step("Carphone Warehouse", "start_business_case", KEYWORKER)),
        (
            date(2007, 12, 3),
            _fire_step(
                "Carphone Warehouse",
                "submit_to_committee",
                KEYWORKER,
                **bc,
                title="Carphone Warehouse: safety leaflets in stores",
                objectives=(REACH,),
            ),
        ),
        (
            date(2008, 1, 9),
            _fire_step(
                "Carphone Warehouse",
                "defer",
                COMMITTEE[1],
                reason="Say which resources the stores would provide",
            ),
        ),
        (
            date(2008, 1, 7),
            _fire_step("Internet Watch Foundation", "start_business_case", KEYWORKER),
        ),
        (
            date(2008, 1, 25),
            _fire_step(
                "Internet Watch Foundation",
                "submit_to_committee",
                KEYWORKER,
                **bc,
                title="IWF: shared intelligence on images",
                objectives=("intel_identify_offenders",),
            ),
        ),
        (
            date(2008, 2, 13),
            _fire_step("Internet Watch Foundation", "approve", COMMITTEE[0], minutes="Approved"),
        ),
        (
            date(2008, 2, 20),
            _fire_step(
                "Internet Watch Foundation",
                "assign_tier",
                TEAM,
                tier="partner",
                kind="specialist",
                start=date(2008, 3, 1),
                end=date(2009, 3, 1),
            ),
        ),
        (date(2007, 11, 5), _resolve_st_marys),
        # The daemon opens Vodafone's renewal 90 days before its term ends; it moves up a level.
        (
            date(2008, 3, 14),
            _fire_step(
                "Vodafone",
                "renew",
                TEAM,
                tier="strategic_partner",
                start=date(2008, 5, 1),
                end=date(2011, 5, 1),
            ),
        ),
        (date(2008, 4, 1), _new_initiative),
        (
            date(2008, 4, 7),
            _fire_step("Microsoft (Safer by Design)", "start_business_case", KEYWORKER),
        ),
        (
            date(2008, 4, 21),
            _fire_step(
                "Microsoft (Safer by Design)",
                "submit_to_committee",
                KEYWORKER,
                **bc,
                title="Microsoft: Safer by Design review of a new service",
                objectives=(REACH,),
            ),
        ),
        (
            date(2008, 5, 14),
            _fire_step("Microsoft (Safer by Design)", "approve", COMMITTEE[1], minutes="Approved"),
        ),
        (
            date(2008, 5, 20),
            _fire_step(
                "Microsoft (Safer by Design)",
                "assign_tier",
                TEAM,
                tier="contributor",
                start=date(2008, 6, 1),
            ),
        ),
    ]
    return steps


def routine(world: DemoWorld, day: date) -> None:
    """A working day's contacts, reviews and contributions."""
    if not is_working_day(day):
        return
    for seed in [*BOOK, *NEWCOMERS]:
        if not world.is_running(seed.name):
            continue  # not created yet, or not running yet
        pid = world.ids[seed.name]
        _contact(world, seed, pid, day)
        _review(world, seed, pid, day)
        _contribution(world, seed, pid, day)
    if day == LAST_DAY:
        _annual_reviews(world)


def _annual_reviews(world: DemoWorld) -> None:
    # The committee's annual meeting, on the anniversary of the tiers set in June 2007.
    for seed in BOOK:
        if not seed.individual:
            _annual_review(world, world.ids[seed.name], seed.name)


def _annual_review(world: DemoWorld, pid: int, name: str) -> None:
    objectives = world.service.objectives(pid)
    outcomes = {o: "met" if world.rng.random() < 0.85 else "not_met" for o in objectives}
    world.attempt(
        f"{name} annual review",
        lambda: world.records.record_review(pid, "annual", COMMITTEE[0], outcomes),
    )


def _contact(world: DemoWorld, seed: Seed, pid: int, day: date) -> None:
    if seed.name == "St Mary's High School" and day < date(2007, 11, 5):
        return  # nobody calls St Mary's until the escalation
    every = seed.contact_every or 40
    # A steady rhythm with a per-partner phase, kept within the tier's idle limit, so only the
    # partner the story neglects goes stale.
    phase = sum(map(ord, seed.name)) % every
    if (day.toordinal() + phase) % every >= 3 or world.contacted.get(
        seed.name, date.min
    ) > day - timedelta(days=5):
        return
    world.contacted[seed.name] = day
    kind = world.rng.choice(CONTACT_KINDS)
    world.records.log_contact(pid, kind, seed.keyworker, f"{kind.title()} with {seed.name}")


def _review(world: DemoWorld, seed: Seed, pid: int, day: date) -> None:
    if seed.individual:
        return  # Ambassadors are reviewed yearly, not monthly
    key = (seed.name, f"{day:%Y-%m}")
    if key not in world.review_days:
        start = first_working_day(day.year, day.month)
        delay = (
            world.rng.randint(16, 20)
            if seed.name in LATE and world.rng.random() < 0.5
            else (world.rng.randint(1, 6))
        )
        review_day = start + timedelta(days=delay)
        while not is_working_day(review_day):
            review_day += timedelta(days=1)
        world.review_days[key] = review_day
    if world.review_days[key] != day:
        return
    chance = STRUGGLING.get(seed.name, 0.92)
    objectives = world.service.objectives(pid)
    outcomes = {o: "met" if world.rng.random() < chance else "not_met" for o in objectives}
    feedback = world.rng.choice(FEEDBACK) if world.rng.random() < 0.06 else None
    world.attempt(
        f"{seed.name} monthly review",
        lambda: world.records.record_review(pid, "monthly", seed.keyworker, outcomes, feedback),
    )


def _contribution(world: DemoWorld, seed: Seed, pid: int, day: date) -> None:
    if not seed.quarterly_gbp or day.month not in (7, 10, 1, 4):
        return
    if day != first_working_day(day.year, day.month):
        return
    kind = "funding" if seed.funding else "in_kind"
    world.records.add_contribution(
        pid, str(seed.quarterly_gbp), kind, f"{seed.name}: quarterly", by=seed.keyworker
    )
