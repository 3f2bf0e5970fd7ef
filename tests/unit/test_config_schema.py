"""Settings through one typed parser: every problem at once, bounds, every key from the env."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ceop_workflow.config import load_settings
from ceop_workflow.errors import ConfigError
from tests.support import SHIPPED_CONFIG, write_config


def problems(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ=environ or {})
    assert caught.value.exit_code == 2
    assert all("\n" not in p for p in caught.value.problems)
    return caught.value.problems


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


THREE_MISTAKES = """\
[email]
retry_base_seconds = -1
[web]
port = "8000"
trusted_proxies = "127.0.0.1, not-an-address"
"""


def test_a_config_with_three_mistakes_names_all_three_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, THREE_MISTAKES)
    found = problems(path)
    assert found == [
        f"{path}: email.retry_base_seconds: must be at least 1, got -1",
        f"{path}: web.port: expected a whole number, got '8000'",
        f"{path}: web.trusted_proxies: 'not-an-address' is not an IP address or network",
    ]


def test_the_cli_prints_each_of_the_three_on_its_own_line_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, THREE_MISTAKES)
    done = subprocess.run(
        [sys.executable, "-m", "ceop_workflow", "--config", str(path), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {path}: ") for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[email]\nsmtp_port = -1\n", "email.smtp_port: must be at least 1"),
        ("[web]\nport = 70000\n", "web.port: must be at most 65535"),
        ("[daemon]\nlease_seconds = 10000000000\n", "daemon.lease_seconds: must be at most"),
        ("[daemon]\nsweep_interval_seconds = 0\n", "daemon.sweep_interval_seconds: must be at"),
        ("[daemon]\nbatch_size = 1000000\n", "daemon.batch_size: must be at most 10000"),
        ("[daemon]\ncatch_up = 'some'\n", "daemon.catch_up: must be 'latest' or 'each'"),
        ("[web]\ntrusted_proxies = '10.0.0.0/33'\n", "web.trusted_proxies: '10.0.0.0/33' is not"),
        ("[roles]\nstaff = ['a b@x.org']\n", "roles.staff[0]: 'a b@x.org' is not an address"),
        ("[roles]\nstaff = [1]\n", "roles.staff[0]: expected a string, got 1"),
        ("[daemon]\nbatch_size = 1" + "0" * 5000 + "\n", "not valid TOML: a number is far too"),
    ],
)
def test_values_out_of_bounds_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and expected in found[0], found


def test_the_report_section_is_no_longer_silently_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "[report]\ntarget_share = 0.7\n")
    assert problems(path) == [
        f"{path}: [report]: unknown section; known: committee, daemon, database, email, "
        "general, roles, web"
    ]


def test_a_config_that_is_not_utf8_or_is_a_folder_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes("[email]\nfrom_address = 'café@x.org'\n".encode("latin-1"))
    assert problems(latin) == [f"{latin}: not UTF-8 text (byte 27)"]
    assert problems(tmp_path) == [f"{tmp_path}: is a folder, not a configuration file"]


def test_lists_and_roles_come_from_the_environment(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite:///x.db")
    settings = load_settings(
        path,
        environ={
            "CEOP_WORKFLOW_ROLES_COMMITTEE": '["a@x.org", "b@x.org"]',
            "CEOP_WORKFLOW_ROLES_AUDITORS": "c@x.org, *@audit.example",
            "CEOP_WORKFLOW_EMAIL_DIGEST_ROLES": "keyworker,manager",
            "CEOP_WORKFLOW_DAEMON_BATCH_SIZE": "50",
        },
    )
    assert settings.members("committee") == ("a@x.org", "b@x.org")
    assert settings.members("auditors") == ("c@x.org", "*@audit.example")
    assert settings.email.digest_roles == ("keyworker", "manager")
    assert settings.daemon.batch_size == 50


def test_a_misspelt_or_bad_override_is_refused_naming_the_variable(tmp_path: Path) -> None:
    path = write_config(tmp_path, "sqlite:///x.db")
    found = problems(
        path,
        {
            "CEOP_WORKFLOW_DAEMON_BATCHSIZE": "50",
            "CEOP_WORKFLOW_ROLES_COMMITTEE": "[not toml",
            "CEOP_WORKFLOW_WEB_PORT": "99999",
            # Not settings: left alone.
            "CEOP_WORKFLOW_SMTP_PASSWORD": "secret",
            "CEOP_WORKFLOW_NOW": "2026-01-01",
        },
    )
    assert found[0].startswith(
        "environment CEOP_WORKFLOW_DAEMON_BATCHSIZE: no setting daemon.batchsize; [daemon] has: "
    )
    assert found[1:] == [
        "environment CEOP_WORKFLOW_WEB_PORT: must be at most 65535, got 99999",
        "environment CEOP_WORKFLOW_ROLES_COMMITTEE: expected a list of strings, got '[not toml'",
    ]


def test_header_mode_trusts_networks_as_well_as_addresses(tmp_path: Path) -> None:
    web = load_settings(
        SHIPPED_CONFIG, environ={"CEOP_WORKFLOW_WEB_TRUSTED_PROXIES": "10.0.0.0/8, ::1"}
    ).web
    assert web.trusts("10.1.2.3") and web.trusts("::1")
    assert not web.trusts("11.0.0.1") and not web.trusts(None) and not web.trusts("testclient")
