"""The whole default lifecycle through the real CLI, in subprocesses, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.lifecycle import HEAD, KEYWORKER, MAIN_WALK, MANAGER, TEAM
from tests.support import T0, run_cli_in, write_config


def test_the_whole_lifecycle_through_the_cli(tmp_path: Path, blank_db_url: str) -> None:
    write_config(tmp_path, blank_db_url, committee__quorum=2)
    clock = iter(T0 + timedelta(days=day) for day in range(100))

    def ok(*args: str) -> str:
        code, out, err = run_cli_in(tmp_path, *args, now=next(clock))
        assert (code, err) == (0, ""), args
        return out

    init = json.loads(ok("init", "--json"))
    assert init["loaded"] == ["ambassador v1", "initiative v1", "partnership v1"]
    assert init["schema_before"] is None
    partner = ok("partner", "add", "Acme Online Safety Ltd").strip()
    pid = ok(
        "partnership", "create", partner, "--workflow", "partnership",
        "--keyworker", KEYWORKER, "--manager", MANAGER,
    ).strip()  # fmt: skip
    assert pid.isdigit()

    moments = []
    for step in MAIN_WALK:
        moment = next(clock)
        moments.append(moment)
        code, out, err = run_cli_in(
            tmp_path, "fire", pid, step.trigger, "--actor", step.actor, *step.data_args(),
            "--comment", f"step {len(moments)}", now=moment,
        )  # fmt: skip
        assert (code, err) == (0, ""), step
        if step.trigger == "approve" and step.dest == "committee_review":
            assert out.strip() == f"#{pid}: vote recorded (1 of 2); still committee_review"
        else:
            assert out.strip().endswith(f"-> {step.dest} ({step.trigger})"), out
        if step.trigger == "resolve":  # the record of an active partnership
            ok("contact", "log", pid, "--kind", "meeting", "--by", KEYWORKER, "--note", "kick-off")
            ok(
                "review", "record", pid, "--kind", "monthly", "--by", TEAM,
                "--objective", "Business Plan objective 2: train 500 teachers=met",
                "--objective", "Target 4: reach 1m children=not_met",
            )  # fmt: skip
            ok("contribution", "add", pid, "--gbp", "25,000", "--kind", "funding", "--by", TEAM)

    shown = json.loads(ok("partnership", "show", pid, "--json"))
    expected = {
        "id": int(pid),
        "partner": "Acme Online Safety Ltd",
        "workflow": "partnership",
        "workflow_version": 1,
        "state": "ended",
        "tier": "strategic_partner",
        "keyworker": KEYWORKER,
        "version": 1 + len(MAIN_WALK),
    }
    assert {key: shown[key] for key in expected} == expected
    history = shown["history"]
    assert [set(h) >= {"trigger", "source", "dest", "actor", "at"} for h in history] == [
        True
    ] * len(history)
    assert [(h["trigger"], h["source"], h["dest"], h["actor"]) for h in history] == [
        ("create", "", "lead", KEYWORKER)
    ] + [
        (step.trigger, source, step.dest, step.actor)
        for step, source in zip(MAIN_WALK, ["lead", *(s.dest for s in MAIN_WALK[:-1])], strict=True)
    ]
    assert [h["at"] for h in history[1:]] == [m.isoformat() for m in moments]
    assert history[6]["comment"] == "step 6"

    assert json.loads(ok("partnership", "history", pid, "--json")) == history
    listed = json.loads(ok("partnership", "list", "--state", "ended", "--json"))
    assert [(p["id"], p["tier_label"]) for p in listed] == [(int(pid), "Strategic Partner")]
    keyworker = json.loads(ok("keyworker", pid, "--json"))
    assert keyworker["keyworker"] == KEYWORKER
    assert keyworker["last_contact"]["kind"] == "meeting"
    assert HEAD in {h["actor"] for h in history}
