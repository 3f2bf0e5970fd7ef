"""What the demo year tells people is the same everywhere, and every email can be acted on.

One run of `ceop-workflow demo` (a real subprocess) feeds both tests: the monthly measures
rendered as text, HTML, JSON and CSV, served by the web application, and mailed to the Chief
Executive Management Team must give the same figures for every month reported; and every email
the demo's outbox holds must carry a link into the web application.
"""

from __future__ import annotations

import csv
import email
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from ceop_workflow.app.accounts import Accounts
from ceop_workflow.clock import FixedClock
from ceop_workflow.config import load_settings
from ceop_workflow.reports import formatting as fmt
from ceop_workflow.reports.render import render_csv, render_html, render_json, render_text
from ceop_workflow.store.db import Database
from ceop_workflow.web.app import create_app
from ceop_workflow.wiring import build_service

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")
VIEWER = "kelly.burke@ceop.example"
PASSWORD = "correct horse battery staple"
SECRET = "test-session-secret-0123456789abcdef0123456789"


@dataclass(frozen=True)
class Demo:
    folder: Path
    messages: tuple[EmailMessage, ...]

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.folder / 'ceop-workflow.db'}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo year, run once for this module."""
    base = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CEOP_WORKFLOW_DATABASE_URL", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ceop_workflow",
            "--config",
            str(ROOT / "config.toml"),
            "demo",
            "--folder",
            str(base / "demo"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=base,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    folder = base / "demo"
    messages = tuple(
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted((folder / "outbox").glob("*.eml"))
    )
    assert isinstance(messages[0], EmailMessage)
    return Demo(folder, messages)  # type: ignore[arg-type]


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


# --- the figures, read back from each rendering on its own terms -------------------------

_DETAIL = re.compile(r"(\d+) of (\d+) met all objectives \((\d+) not met, (\d+) not reviewed\)")
_INITIATIVES = re.compile(r"(\d+) with existing partners, (\d+) with new partners")


@dataclass(frozen=True)
class Figures:
    """The headline figures one rendering shows."""

    share: str  # "87%", or the words for a month in which no review was owed
    parts: tuple[int, int, int, int]  # met, owed, not met, not reviewed
    funding_year_to_date: str  # "£439,000"
    in_kind_year_to_date: str
    initiatives: tuple[int, int]  # with existing partners, with new partners
    attention: int


def _money(text: str) -> str:
    return fmt.money_whole(Decimal(text))


def _percent(text: str | None) -> str:
    return fmt.percent(None if text is None else Fraction(Decimal(text)))


def _one(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.S)
    assert found is not None, f"{pattern!r} not found"
    return found.group(1)


def _parts(text: str) -> tuple[int, int, int, int]:
    found = _DETAIL.search(" ".join(text.split()))
    if found is None:  # a month in which no review was owed
        assert fmt.NO_REVIEWS in text
        return (0, 0, 0, 0)
    met, owed, not_met, not_reviewed = (int(g) for g in found.groups())
    return met, owed, not_met, not_reviewed


def _initiatives(text: str) -> tuple[int, int]:
    found = _INITIATIVES.search(text)
    assert found is not None
    return int(found.group(1)), int(found.group(2))


def from_text_report(text: str) -> Figures:
    return Figures(
        share=_one(r"Partnerships meeting all objectives: (.+?) \(target", text),
        parts=_parts(text),
        funding_year_to_date=_one(r"raised in \S+ to date: (£[\d,]+)", text),
        in_kind_year_to_date=_one(r"of which in kind: (£[\d,]+) this year to date", text),
        initiatives=_initiatives(text),
        attention=int(_one(r"Needs attention \((\d+)\)", text)),
    )


def from_html_report(html: str) -> Figures:
    objectives = _one(r'(<article class="card" id="objectives">.*?</article>)', html)
    funding = _one(r'(<article class="card" id="funding">.*?</article>)', html)
    share = re.search(r'<p class="figure">(\d+%)', objectives)
    existing = int(_one(r"<b>(\d+)</b><span>new initiatives with existing partners", html))
    new = int(_one(r"<b>(\d+)</b><span>new initiatives with new partners", html))
    return Figures(
        share=share.group(1) if share else fmt.NO_REVIEWS,
        parts=_parts(objectives),
        funding_year_to_date=_one(r'<p class="figure">(£[\d,]+)', funding),
        in_kind_year_to_date=_one(r"raised \((£[\d,]+) in kind\)", funding),
        initiatives=(existing, new),
        attention=int(_one(r"Needs attention \((\d+)\)", html)),
    )


def from_json_report(text: str) -> Figures:
    data = json.loads(text)
    o, f = data["objectives"], data["funding"]
    return Figures(
        share=_percent(o["share"]),
        parts=(o["met"], o["owed"], o["not_met"], len(o["not_reviewed"])),
        funding_year_to_date=_money(f["year_to_date"]),
        in_kind_year_to_date=_money(f["in_kind_year_to_date"]),
        initiatives=(
            data["initiatives"]["with_existing_partners"],
            data["initiatives"]["with_new_partners"],
        ),
        attention=sum(
            len(items)
            for items in (
                data["reviews"]["overdue"],
                data["stale_engagements"],
                data["open_escalations"],
                data["leads_waiting"],
                data["failure_signs"],
            )
        ),
    )


def from_csv_report(text: str) -> Figures:
    rows = {row["measure"]: row["value"] for row in csv.DictReader(io.StringIO(text))}
    return Figures(
        share=_percent(rows["objectives_share"] or None),
        parts=(
            int(rows["objectives_met"]),
            int(rows["objectives_owed"]),
            int(rows["objectives_not_met"]),
            int(rows["objectives_not_reviewed"]),
        ),
        funding_year_to_date=_money(rows["funding_year_to_date_gbp"]),
        in_kind_year_to_date=_money(rows["in_kind_year_to_date_gbp"]),
        initiatives=(
            int(rows["initiatives_with_existing_partners"]),
            int(rows["initiatives_with_new_partners"]),
        ),
        attention=sum(
            int(rows[k])
            for k in (
                "reviews_overdue",
                "stale_engagements",
                "open_escalations",
                "leads_waiting",
                "failure_signs",
            )
        ),
    )


def from_email_text(text: str) -> Figures:
    attention = re.search(r"Needs attention \((\d+)\)", text)
    return Figures(
        share=_one(r"Partnerships meeting all their objectives\*: (.+?) \(target", text),
        parts=_parts(text),
        funding_year_to_date=_one(r"raised in \S+ to date: (£[\d,]+)", text),
        in_kind_year_to_date=_one(r"of which in kind: (£[\d,]+)", text),
        initiatives=_initiatives(text),
        attention=int(attention.group(1)) if attention else 0,  # the empty section is left out
    )


def from_email_html(html: str) -> Figures:
    attention = re.search(r"Needs attention \((\d+)\)", html)
    return Figures(
        share=_one(r"objectives\*</td>\s*<td[^>]*><strong>(.+?)</strong>", html),
        parts=_parts(html),
        funding_year_to_date=_one(r"to date</td>\s*<td[^>]*><strong>(£[\d,]+)</strong>", html),
        in_kind_year_to_date=_one(r"of which in kind: (£[\d,]+)", html),
        initiatives=_initiatives(html),
        attention=int(attention.group(1)) if attention else 0,
    )


@pytest.fixture
def web(demo: Demo) -> Iterator[tuple[TestClient, object]]:
    """The web application on the demo's database, a fortnight after the year ended, signed in."""
    settings = load_settings(
        ROOT / "config.toml", environ={"CEOP_WORKFLOW_DATABASE_URL": demo.database_url}
    )
    clock = FixedClock(datetime(2008, 7, 15, 12, 0, tzinfo=LONDON))
    database = Database(settings.database.url)
    service = build_service(settings, database, clock)
    hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    accounts = Accounts(settings, database, clock, hasher)
    accounts.add_user(VIEWER, (), PASSWORD)
    with TestClient(create_app(service, accounts, SECRET), follow_redirects=False) as client:
        page = client.get("/signin")
        token = _one(r'name="csrf_token" value="([^"]+)"', page.text)
        signed = client.post(
            "/signin",
            data={"email": VIEWER, "password": PASSWORD, "csrf_token": token, "next": "/"},
        )
        assert signed.status_code == 303, signed.text
        yield client, service
    database.dispose()


def test_every_figure_is_the_same_in_report_web_json_csv_and_email(
    demo: Demo, web: tuple[TestClient, object]
) -> None:
    client, service = web
    mailed = {
        str(m["Subject"]).rsplit(": ", 1)[-1]: m
        for m in demo.messages
        if m["X-Ceop-Template"] == "monthly_report"
    }
    compared = []
    for period, message in sorted(mailed.items()):
        month = datetime.strptime(period, "%B %Y").date()
        measures = service.measures(month)  # type: ignore[attr-defined]
        page = client.get(f"/report/monthly?month={month:%Y-%m}")
        assert page.status_code == 200
        renderings = {
            "text": from_text_report(render_text(measures)),
            "html": from_html_report(render_html(measures)),
            "json": from_json_report(render_json(measures)),
            "csv": from_csv_report(render_csv(measures)),
            "web": from_html_report(page.text),
            "email text": from_email_text(_text(message)),
            "email html": from_email_html(_html(message)),
        }
        first = renderings["text"]
        for name, figures in renderings.items():
            assert figures == first, f"{period}: {name} says {figures}, the text report {first}"
        compared.append((period, first))
    assert len(compared) >= 6, f"only {len(compared)} months were mailed: {sorted(mailed)}"
    figures = dict(compared)
    # The money is the report's, not the report's plus its in-kind part a second time (the
    # email used to claim £1,260,000 for October 2007 and £630,000 for June 2008).
    assert figures["October 2007"].funding_year_to_date == "£878,000"
    assert figures["June 2008"].funding_year_to_date == "£439,000"
    assert figures["June 2008"].in_kind_year_to_date == "£191,000"


def test_every_email_in_the_demo_outbox_links_to_the_web_application(demo: Demo) -> None:
    base = load_settings(ROOT / "config.toml", environ={}).web.base_url.rstrip("/")
    by_template: dict[str, list[int]] = {}
    for message in demo.messages:
        text, html = _text(message), _html(message)
        template = str(message["X-Ceop-Template"])
        linked = base + "/" in text and f'href="{base}/' in html
        by_template.setdefault(template, [0, 0])
        by_template[template][0] += 1
        by_template[template][1] += linked
    total = sum(count for count, _ in by_template.values())
    with_link = sum(linked for _, linked in by_template.values())
    missing = {t: c - n for t, (c, n) in by_template.items() if c != n}
    assert not missing, f"emails without a link, by template: {missing}"
    assert with_link == total > 50
    # Transitions' emails (packs, decisions, escalations) and the CEMT report are among them.
    for template in ("decision_made", "monthly_report", "escalation", "daily_digest"):
        assert by_template.get(template, [0])[0] > 0, template


def test_committee_members_get_at_most_one_email_a_day(demo: Demo) -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    members = set(settings.members("committee"))
    per_day: dict[tuple[str, str], list[str]] = {}
    for message in demo.messages:
        day = str(message["Date"])[:16]  # "Mon, 03 Dec 2007", as written in London time
        for address in str(message["To"]).replace(" ", "").split(","):
            if address in members:
                per_day.setdefault((address, day), []).append(str(message["X-Ceop-Template"]))
    assert per_day, "the demo sends the committee its packs"
    crowded = {key: templates for key, templates in per_day.items() if len(templates) > 1}
    assert not crowded, crowded
    # Packs that arrive together are folded into the member's daily digest.
    assert any(templates == ["daily_digest"] for templates in per_day.values())
