"""A partnership in `renewal` keeps its monthly reviews and has duties of its own: a reminder
30 days before its commitment ends and a chaser 14 days after, while no decision is recorded."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from tests.daemon.support import MANAGER, TEAM, World, london, sqlite_url, write_config

END = date(2008, 6, 30)  # the commitment ends


def test_renewal_reminds_before_the_end_chases_after_it_and_keeps_reviews(tmp_path: Path) -> None:
    world = World.create(write_config(tmp_path, sqlite_url(tmp_path)), london(date(2007, 6, 29)))
    pid = world.partnership("Acme Mobile", "partner", date(2007, 6, 30), END, kind="industry")
    world.at(london(date(2008, 3, 20), time(10, 0))).fire(pid, "start_renewal", TEAM)
    assert world.service.show(pid).state == "renewal"
    start = max((m.id for m in world.outbox()), default=0)

    def sent(day: date, hour: int = 10) -> list[tuple[str, str]]:
        before = max((m.id for m in world.outbox()), default=0)
        world.at(london(day, time(hour, 0))).sweep()
        return [
            (m.template, str(m.context.get("period") or m.context.get("term_ends")))
            for m in world.outbox(before)
            if m.partnership_id == pid
        ]

    def renewal(messages: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [m for m in messages if m[0].startswith("renewal_")]

    assert ("monthly_review_due", "April 2008") in sent(date(2008, 4, 1))
    assert renewal(sent(date(2008, 5, 30), 8)) == []
    # 30 days before the end.
    assert renewal(sent(date(2008, 5, 31))) == [("renewal_coming_up", END.isoformat())]
    july = sent(date(2008, 7, 13))
    assert ("monthly_review_due", "July 2008") in july
    assert renewal(july) == []
    # 14 days after the end, still undecided.
    assert renewal(sent(date(2008, 7, 14))) == [("renewal_overdue", END.isoformat())]
    overdue = [m for m in world.outbox(start) if m.template == "renewal_overdue"]
    assert set(overdue[0].recipients) == {MANAGER, TEAM}  # TEAM is Head of Partnerships
    assert overdue[0].context["link"].endswith(f"/partnerships/{pid}")
