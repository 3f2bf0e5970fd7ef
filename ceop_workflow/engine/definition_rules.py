"""The rules of a definition that its typed shape (engine.schema) cannot express.

Names that refer to each other (states, triggers, guards, actions, roles, templates), what an
action needs, timers, and the graph (reachable, a way out of every state, a terminal state
within reach). The checker reports every problem of a file and builds the frozen definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from ceop_workflow.engine.definition_types import (
    Definition,
    NotifyDef,
    StateDef,
    TransitionDef,
    Vocabulary,
    content_hash,
)
from ceop_workflow.engine.fields import FIELD_TYPES
from ceop_workflow.engine.registry import RELATIONAL_ROLES
from ceop_workflow.engine.tiers import Tier
from ceop_workflow.engine.timers import TimerChecks, check_timer

__all__ = ["Checker"]

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SUBJECTS = ("organisation", "individual")

WORKFLOW_KEYS = {"name", "version", "initial", "description", "subject"}
STATE_KEYS = {"description", "terminal", "timers"}
TRANSITION_KEYS = {
    "trigger", "source", "dest", "roles", "requires", "optional", "guards", "actions",
    "vote", "notify", "description",
}  # fmt: skip
NOTIFY_KEYS = {"template", "to"}
# Trigger names taken already: transitions keeps a partnership's state in `state`, and the
# audit trail records a partnership's creation as the trigger `create`.
RESERVED_TRIGGERS = frozenset({"state", "create"})
# The tiers an idle limit must cover (or give `default`), by the workflow's subject.
SUBJECT_TIERS = {
    "organisation": frozenset(t.value for t in Tier if not t.for_individuals),
    "individual": frozenset(t.value for t in Tier if t.for_individuals),
}


def _under(key: str, parent: str) -> bool:
    return key.startswith((f"{parent}.", f"{parent}[")) if parent else True


def _path(key: str, child: str) -> str:
    """`key.child`, or `child` at the top of the file."""
    return f"{key}.{child}" if key else child


class Checker:
    """Collects every problem of one file instead of stopping at the first."""

    def __init__(self, origin: str, vocabulary: Vocabulary) -> None:
        self.origin = origin
        self.vocabulary = vocabulary
        self.problems: list[str] = []
        self.keys_with_problems: list[str] = []
        self.raw_timers: dict[str, object] = {}
        self.subject = "organisation"

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.origin}: {key}: {message}")
        self.keys_with_problems.append(key)

    def covers(self, key: str) -> bool:
        """Whether a problem was reported at `key`, above it or below it (said once is enough)."""
        return any(key == k or _under(key, k) or _under(k, key) for k in self.keys_with_problems)

    def keys(self, key: str, table: object, allowed: set[str], required: Iterable[str]) -> bool:
        if not isinstance(table, dict):
            self.problem(key, "must be a table")
            return False
        for unknown in sorted(set(table) - allowed):
            self.problem(_path(key, unknown), f"unknown key; allowed: {', '.join(sorted(allowed))}")
        for needed in required:
            if needed not in table:
                self.problem(_path(key, needed), "is required")
        return True

    def names(self, key: str, value: object) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            self.problem(key, "must be a name or a list of names")
            return ()
        return tuple(items)

    def check(self, raw: dict[str, Any], source: str) -> Definition | None:
        self.keys("", raw, {"workflow", "states", "transitions"}, ["workflow", "states"])
        head = raw.get("workflow", {})
        if not self.keys("workflow", head, WORKFLOW_KEYS, ["name", "version", "initial"]):
            return None
        name, version = head.get("name"), head.get("version")
        if not isinstance(name, str) or not NAME.match(name):
            self.problem("workflow.name", "must be lower_case letters, digits and underscores")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem("workflow.version", "must be a whole number of at least 1")
        subject = head.get("subject", "organisation")
        if subject not in SUBJECTS:
            self.problem("workflow.subject", f"must be one of {', '.join(SUBJECTS)}")
        else:
            self.subject = subject
        states = self.states(raw.get("states", {}))
        transitions = self.transitions(raw.get("transitions", []), states)
        initial = head.get("initial")
        if initial not in states:
            self.problem("workflow.initial", f"unknown state {initial!r}")
        self.timers(states, transitions)
        self.shape(states, transitions, initial)
        if self.problems:
            return None
        return Definition(
            name=str(name),
            version=int(str(version)),
            initial=str(initial),
            description=str(head.get("description", "")),
            subject=str(subject),
            states=MappingProxyType(states),
            transitions=tuple(transitions),
            source=source,
            content_hash=content_hash(source),
            origin=self.origin,
        )

    def states(self, table: object) -> dict[str, StateDef]:
        states: dict[str, StateDef] = {}
        if not isinstance(table, dict) or not table:
            self.problem("states", "must be a table with at least one state")
            return states
        for state, body in table.items():
            key = f"states.{state}"
            if not NAME.match(state):
                self.problem(key, "a state name must be lower_case letters, digits and underscores")
            if not self.keys(key, body, STATE_KEYS, []):
                continue
            terminal = body.get("terminal", False)
            if not isinstance(terminal, bool):
                self.problem(f"{key}.terminal", "must be true or false")
            states[state] = StateDef(state, str(body.get("description", "")), terminal is True, ())
            self.raw_timers[state] = body.get("timers", [])
        return states

    def transitions(self, items: object, states: Mapping[str, StateDef]) -> list[TransitionDef]:
        if not isinstance(items, list):
            self.problem("transitions", "must be an array of tables ([[transitions]])")
            return []
        result: list[TransitionDef] = []
        seen: dict[tuple[str, str], int] = {}
        for index, body in enumerate(items):
            key = f"transitions[{index}]"
            if not self.keys(key, body, TRANSITION_KEYS, ["trigger", "source", "dest", "roles"]):
                continue
            transition = self.transition(key, body, states)
            if transition is None:
                continue
            for source in transition.sources:
                earlier = seen.setdefault((transition.trigger, source), index)
                if earlier != index:
                    self.problem(
                        f"{key}.trigger",
                        f"duplicate trigger {transition.trigger!r} from state {source!r} "
                        f"(also transitions[{earlier}])",
                    )
            result.append(transition)
        return result

    def transition(
        self, key: str, body: dict[str, Any], states: Mapping[str, StateDef]
    ) -> TransitionDef | None:
        trigger = body.get("trigger")
        if not isinstance(trigger, str) or not NAME.match(trigger):
            self.problem(f"{key}.trigger", "must be lower_case letters, digits and underscores")
            return None
        self.reserved(f"{key}.trigger", trigger)
        sources = self.names(f"{key}.source", body.get("source"))
        if not sources and isinstance(body.get("source"), list):
            self.problem(f"{key}.source", "name at least one state")
        for source in sources:
            if source not in states:
                self.problem(f"{key}.source", f"unknown state {source!r}")
        dest = body.get("dest")
        if dest not in states:
            self.problem(f"{key}.dest", f"unknown state {dest!r}")
        roles = self.names(f"{key}.roles", body.get("roles"))
        if not roles:
            self.problem(f"{key}.roles", "name at least one role")
        self.known_roles(f"{key}.roles", roles)
        guards = self.names(f"{key}.guards", body.get("guards", []))
        for guard in guards:
            if guard not in self.vocabulary.registry.guards:
                self.unknown(f"{key}.guards", "guard", guard, self.vocabulary.registry.guards)
        actions = self.names(f"{key}.actions", body.get("actions", []))
        for action in actions:
            if action not in self.vocabulary.registry.actions:
                self.unknown(f"{key}.actions", "action", action, self.vocabulary.registry.actions)
        vote = body.get("vote", False)
        if not isinstance(vote, bool):
            self.problem(f"{key}.vote", "must be true or false")
        requires = self.fields(f"{key}.requires", body.get("requires", {}))
        self.needs(key, actions, requires)
        return TransitionDef(
            trigger=trigger,
            sources=sources,
            dest=str(dest),
            roles=roles,
            requires=requires,
            optional=self.fields(f"{key}.optional", body.get("optional", {})),
            guards=guards,
            actions=actions,
            vote=vote is True,
            notify=self.notifications(f"{key}.notify", body.get("notify", [])),
            description=str(body.get("description", "")),
        )

    def reserved(self, key: str, trigger: str) -> None:
        if trigger in RESERVED_TRIGGERS:
            reserved = ", ".join(sorted(RESERVED_TRIGGERS))
            self.problem(key, f"{trigger!r} is a reserved name; reserved: {reserved}")

    def needs(self, key: str, actions: Iterable[str], requires: Mapping[str, str]) -> None:
        # An action reads some data unconditionally: the transition must require it.
        for action in actions:
            for field_name, kind in self.vocabulary.registry.needs.get(action, {}).items():
                if requires.get(field_name) != kind:
                    self.problem(
                        f"{key}.requires.{field_name}",
                        f"the action {action!r} needs requires.{field_name} = {kind!r}",
                    )

    def unknown(self, key: str, what: str, name: str, known: Iterable[str]) -> None:
        self.problem(key, f"unknown {what} {name!r}; known: {', '.join(sorted(known))}")

    def known_roles(self, key: str, roles: Iterable[str]) -> None:
        known = self.vocabulary.roles
        if known is None:
            return
        for role in roles:
            if role not in known and role not in RELATIONAL_ROLES:
                self.unknown(key, "role", role, known | RELATIONAL_ROLES)

    def known_template(self, key: str, template: object) -> None:
        if not isinstance(template, str) or not template:
            self.problem(key, "must name a template")
        elif self.vocabulary.templates is not None and template not in self.vocabulary.templates:
            self.unknown(key, "template", template, self.vocabulary.templates)

    def fields(self, key: str, table: object) -> Mapping[str, str]:
        if not isinstance(table, dict):
            self.problem(key, "must be a table of field = type")
            return {}
        for field_name, kind in table.items():
            if kind not in FIELD_TYPES:
                self.problem(
                    f"{key}.{field_name}",
                    f"unknown type {kind!r}; types: {', '.join(sorted(FIELD_TYPES))}",
                )
        return MappingProxyType({k: str(v) for k, v in table.items()})

    def notifications(self, key: str, items: object) -> tuple[NotifyDef, ...]:
        if not isinstance(items, list):
            self.problem(key, "must be an array of tables")
            return ()
        result = []
        for index, body in enumerate(items):
            item_key = f"{key}[{index}]"
            if not self.keys(item_key, body, NOTIFY_KEYS, ["template", "to"]):
                continue
            self.known_template(f"{item_key}.template", body.get("template"))
            to = self.names(f"{item_key}.to", body.get("to"))
            self.known_roles(f"{item_key}.to", to)
            result.append(NotifyDef(str(body.get("template")), to))
        return tuple(result)

    def timers(self, states: dict[str, StateDef], transitions: list[TransitionDef]) -> None:
        # Timers are checked once states and transitions are known, since they name both.
        for state, items in self.raw_timers.items():
            key = f"states.{state}.timers"
            if not isinstance(items, list):
                self.problem(key, "must be an array of tables")
                continue
            checks = TimerChecks(
                problem=self.problem,
                known_template=self.known_template,
                known_roles=self.known_roles,
                system_triggers=frozenset(
                    t.trigger for t in transitions if state in t.sources and "system" in t.roles
                ),
                tiers=SUBJECT_TIERS[self.subject],
            )
            timers = [check_timer(f"{key}[{i}]", body, checks) for i, body in enumerate(items)]
            names = [t.name for t in timers if t is not None]
            for name in {n for n in names if names.count(n) > 1}:
                self.problem(key, f"two timers are named {name!r}")
            states[state] = replace(states[state], timers=tuple(t for t in timers if t))

    def shape(
        self, states: Mapping[str, StateDef], transitions: list[TransitionDef], initial: object
    ) -> None:
        outgoing: dict[str, list[str]] = {s: [] for s in states}
        for t in transitions:
            for source in t.sources:
                if source in outgoing:
                    outgoing[source].append(t.dest)
        for state, body in states.items():
            if body.terminal and outgoing[state]:
                self.problem(f"states.{state}.terminal", "a terminal state has transitions out")
            if not body.terminal and not outgoing[state]:
                self.problem(
                    f"states.{state}",
                    "no transition leaves this state; add one or mark it terminal = true",
                )
        if isinstance(initial, str) and initial in states:
            self.reachable(states, outgoing, initial)
            self.finishes(states, outgoing)

    def reachable(
        self, states: Mapping[str, StateDef], outgoing: Mapping[str, list[str]], initial: str
    ) -> None:
        reached, frontier = {initial}, [initial]
        while frontier:
            for dest in outgoing[frontier.pop()]:
                if dest in states and dest not in reached:
                    reached.add(dest)
                    frontier.append(dest)
        for state in states:
            if state not in reached:
                self.problem(f"states.{state}", f"unreachable from the initial state {initial!r}")

    def finishes(self, states: Mapping[str, StateDef], outgoing: Mapping[str, list[str]]) -> None:
        # From every state some path must lead to a final one: a loop with no way out would
        # keep a partnership running for ever.
        done = {s for s, body in states.items() if body.terminal}
        grew = True
        while grew:
            grew = False
            for state, dests in outgoing.items():
                if state not in done and any(d in done for d in dests):
                    done.add(state)
                    grew = True
        for state, body in states.items():
            if not body.terminal and outgoing[state] and state not in done:
                self.problem(
                    f"states.{state}",
                    "no path from here reaches a terminal state (a loop with no way out)",
                )
