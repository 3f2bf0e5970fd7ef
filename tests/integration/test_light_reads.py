"""The cheap reads for callers that look at many partnerships often: `states` and `objectives`
say what `show` says, without loading a partner or a history."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ceop_workflow.errors import NotFound
from tests.lifecycle import TO_COMMITTEE, new_partnership, walk
from tests.support import Core


def test_states_and_objectives_agree_with_show(build: Callable[..., Core]) -> None:
    service = build().service
    lead = new_partnership(service, "Lead Ltd")
    submitted = new_partnership(service, "Submitted Ltd")
    walk(service, submitted, TO_COMMITTEE)

    states = service.states()

    assert states == {lead: "lead", submitted: "committee_review"}
    for pid in (lead, submitted):
        shown = service.show(pid)
        assert states[pid] == shown.state
        assert tuple(service.objectives(pid)) == shown.objectives
    assert service.objectives(submitted) == [
        "Business Plan objective 2: train 500 teachers",
        "Target 4: reach 1m children",
    ]
    assert service.objectives(lead) == []


def test_objectives_of_an_unknown_partnership_is_not_found(build: Callable[..., Core]) -> None:
    with pytest.raises(NotFound, match="no partnership with id 999"):
        build().service.objectives(999)
