"""One `transitions` Machine per definition version, and the rules of firing a trigger.

A partnership is never attached to a machine: a throw-away model carrying its state is passed
to the event for the length of one call (PITFALLS), so the engine holds nothing per partnership.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transitions import EventData, Machine, MachineError

from ceop_workflow.engine.context import FireContext
from ceop_workflow.engine.definitions import Definition, TransitionDef
from ceop_workflow.engine.registry import Registry
from ceop_workflow.errors import GuardFailed, NotAllowed, NotPermitted, UnknownTrigger


class _Model:
    """The state of one partnership for one call; identity equality, as transitions needs."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


@dataclass(frozen=True)
class Outcome:
    """What a firing did: moved (source → dest), or recorded a vote short of the quorum."""

    source: str
    dest: str
    moved: bool
    votes: int | None = None


class WorkflowMachine:
    """A definition made executable; shared by every partnership on that version."""

    def __init__(self, definition: Definition, registry: Registry) -> None:
        self.definition = definition
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            initial=None,
            auto_transitions=False,
            send_event=True,
        )
        for t in definition.transitions:
            conditions: list[str | Callable[..., bool | None]] = [
                _condition(name, registry) for name in t.guards
            ]
            self._machine.add_transition(
                t.trigger,
                list(t.sources),
                t.dest,
                conditions=conditions + _quorum(t),
                after=[_run(registry.actions[name]) for name in t.actions],
            )

    def check(
        self, trigger: str, state: str, role: str | None, actor_roles: frozenset[str]
    ) -> tuple[TransitionDef, str]:
        """The transition and the role it is fired under; else a clear refusal.

        Without a `role`, the first of the transition's roles that the actor holds is used.
        """
        d = self.definition
        if trigger not in d.triggers:
            raise UnknownTrigger(trigger, d.name, d.triggers)
        transition = d.transition(trigger, state)
        if transition is None:
            raise NotAllowed(trigger, state, [t.trigger for t in d.transitions_from(state)])
        may = ", ".join(transition.roles)
        if role is None:
            role = next((r for r in transition.roles if r in actor_roles), None)
            if role is None:
                raise NotPermitted(f"not permitted: {trigger!r} needs one of the roles {may}")
        elif role not in actor_roles:
            raise NotPermitted(f"not permitted: the actor does not hold the role {role!r}")
        elif role not in transition.roles:
            raise NotPermitted(f"not permitted: role {role!r} may not fire {trigger!r}; {may} may")
        return transition, role

    def fire(self, ctx: FireContext, votes_before: int = 0) -> Outcome:
        """Run guards and actions of a `check`ed trigger; a broken rule raises `GuardFailed`."""
        model = _Model(ctx.partnership.state)
        failures: list[tuple[str, str]] = []
        try:
            moved = self._machine.events[ctx.trigger].trigger(
                model, ctx=ctx, failures=failures, votes_before=votes_before
            )
        except MachineError:  # checked already; kept for a definition changed under us
            raise NotAllowed(ctx.trigger, ctx.partnership.state, []) from None
        if failures:
            raise GuardFailed(*failures[0])
        transition = self.definition.transition(ctx.trigger, ctx.partnership.state)
        assert transition is not None
        votes = votes_before + 1 if transition.vote else None
        dest = model.state if moved else ctx.partnership.state
        return Outcome(ctx.partnership.state, dest, bool(moved), votes)


def _condition(name: str, registry: Registry) -> Callable[[EventData], bool]:
    guard = registry.guards[name]

    def condition(event: EventData) -> bool:
        reason = guard(event.kwargs["ctx"])
        if reason is None:
            return True
        event.kwargs["failures"].append((name, reason))
        return False

    return condition


def _quorum(transition: TransitionDef) -> list[str | Callable[..., bool | None]]:
    if not transition.vote:
        return []

    def quorum_reached(event: EventData) -> bool:
        ctx: FireContext = event.kwargs["ctx"]
        return bool(event.kwargs["votes_before"] + 1 >= ctx.quorum)

    return [quorum_reached]


def _run(fn: Callable[[FireContext], None]) -> Callable[[EventData], None]:
    def callback(event: EventData) -> None:
        fn(event.kwargs["ctx"])

    return callback
