"""Refusals of the use cases around firing: partners, partnerships, lists, reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ceop_workflow.errors import BadInput, NotFound
from tests.lifecycle import KEYWORKER, MAIN_WALK, new_partnership, walk
from tests.support import Core, db_snapshot

Build = Callable[..., Core]


def test_partner_names_are_unique_and_not_blank(build: Build, db_url: str) -> None:
    core = build()
    first = core.service.add_partner("  Acme Ltd ")
    before = db_snapshot(db_url)
    with pytest.raises(BadInput, match=f"partner 'Acme Ltd' already exists with id {first}"):
        core.service.add_partner("Acme Ltd")
    with pytest.raises(BadInput, match="a partner needs a name"):
        core.service.add_partner("   ")
    assert db_snapshot(db_url) == before


def test_a_partnership_needs_a_known_partner_and_a_fitting_workflow(build: Build) -> None:
    core = build()
    acme = core.service.add_partner("Acme Ltd")
    jo = core.service.add_partner("Jo Bloggs", individual=True)
    with pytest.raises(NotFound, match="no partner with id 999"):
        core.service.create_partnership(999, "partnership", KEYWORKER)
    with pytest.raises(NotFound, match=r"no workflow named 'nope' is loaded; loaded: ambassador"):
        core.service.create_partnership(acme, "nope", KEYWORKER)
    with pytest.raises(BadInput, match="'ambassador' is for individuals; 'Acme Ltd' is an org"):
        core.service.create_partnership(acme, "ambassador", KEYWORKER)
    with pytest.raises(BadInput, match="'partnership' is for organisations; 'Jo Bloggs' is an"):
        core.service.create_partnership(jo, "partnership", KEYWORKER)


def test_lists_filter_by_state_and_tier(build: Build) -> None:
    core = build()
    lead = new_partnership(core.service, "Lead Ltd")
    started = new_partnership(core.service, "Started Ltd")
    walk(core.service, started, MAIN_WALK[:1])
    assert [p.id for p in core.service.list()] == [lead, started]
    assert [p.id for p in core.service.list(state="business_case")] == [started]
    assert core.service.list(tier="Strategic Partner") == []
    with pytest.raises(BadInput, match="unknown tier 'Gold'"):
        core.service.list(tier="Gold")


def test_reads_of_what_does_not_exist(build: Build) -> None:
    core = build()
    for read in (core.service.show, core.service.history, core.service.keyworker):
        with pytest.raises(NotFound, match="no partnership with id 404"):
            read(404)
    with pytest.raises(NotFound, match="workflow 'partnership' version 9 is not loaded"):
        core.service.definition("partnership", 9)
