"""No untyped dictionary crosses a use case's boundary.

Every public function and method of the "use cases and adapters" layer (tests/unit/test_layers.py
LAYERS) is read from its source: an annotation of a parameter or of the return value that
contains `dict[str, Any]`, `Mapping[str, Any]` (or `object` in place of `Any`), or a list of
dicts fails the test. Use cases return frozen dataclasses instead, so a renamed field is a mypy
error in every caller, and the CLI, the web pages and the JSON API render the same types.

Some values really are documents, not shapes of ours: those are allowed by name below, each
with its reason. A private name (`_x`, or a method of a class named `_X`) is not a boundary.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_layers import LAYERS, ROOT, module_name

USE_CASES = dict(LAYERS)["use cases and adapters"]

# An untyped mapping from names to values, or a list of dicts, anywhere in an annotation.
UNTYPED = re.compile(
    r"\b(dict|Mapping|MutableMapping)\[str, (Any|object)\]|\b(list|Sequence|tuple)\[dict\b"
)

_TEMPLATE_CONTEXT = (
    "a Jinja template's context: its keys are the templates' vocabulary (docs/notifications.md), "
    "which an admin's own template may use"
)
_STORED_DOCUMENT = "a JSON document stored in a column as it is (daemon_leases.last_sweep)"
# module:qualified name -> why it is a document rather than a shape.
ALLOWED: dict[str, str] = {
    # Template contexts, built for and handed to Jinja.
    **dict.fromkeys(
        [
            "notify.context:partnership_context",
            "notify.context:business_case_context",
            "notify.context:transition_context",
            "notify.context:business_case_reminder",
            "notify.context:review_due",
            "notify.context:review_overdue",
            "notify.context:stale_engagement",
            "notify.context:renewal_coming_up",
            "notify.contact_notices:contact_context",
            "notify.digest:digest_item",
            "notify.digest:DigestRule.wants",
            "notify.outbox:enqueue",
            "notify.render:TemplateRenderer.render",
            "notify.render:TemplateRenderer.render_subject",
            "notify.samples:sample_partnership",
            "notify.samples:sample_contexts",
            "scheduling.effects:Duty.mail",
            "reports.mailing:report_context",
            "reports.mailing:monthly_report_context",
        ],
        _TEMPLATE_CONTEXT,
    ),
    # Jinja's sandbox calls these hooks with its own signature.
    "notify.limits:check_string_method": "Jinja's sandbox hook: its keyword arguments",
    "notify.limits:check_filter": "Jinja's sandbox hook: its keyword arguments",
    # Rows of a table, written past the ORM.
    "notify.outbox:insert_row": "the columns of one INSERT, written past the ORM for speed",
    "notify.claims:record": "the columns of one UPDATE of a claimed outbox row",
    # Documents stored as they are.
    "scheduling.lease:record_sweep": _STORED_DOCUMENT,
    "scheduling.lease:record_workflows": _STORED_DOCUMENT,
    "scheduling.reload:FolderCheck.summary": _STORED_DOCUMENT,
    "scheduling.rows:settle": "a duty row's payload, a JSON document stored in timers.payload",
    # Documents published with their own schema or contract.
    "reports.render:measures_to_dict": "the monthly report's JSON, published with its JSON Schema",
    "adoption.health:health": "the /healthz body: monitors read its keys",
    # Spreadsheet rows, before and after they are checked.
    "adoption.sheets:read_table": "a spreadsheet's rows as read, keyed by its own header",
    "adoption.partner_rows:parse_row": "one spreadsheet row as read, before it is checked",
    "adoption.partner_rows:row_values": "one spreadsheet row as the import template writes it",
    # Plumbing inside the layer.
    "app.views:fields_of": "a result's fields, to build a subclass of it; never returned",
}


def _use_case_files() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        name = module_name(path)
        parts = name.split(".")
        if len(parts) > 1 and parts[1] in USE_CASES:
            yield name.removeprefix(f"{ROOT.name}."), path


def untyped_boundaries(module: str, source: str) -> list[str]:
    """`module:qualname (where): annotation` for every public signature with an untyped dict."""
    found: list[str] = []

    def visit(body: list[ast.stmt], prefix: str, private: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.", private or node.name.startswith("_"))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if private or node.name.startswith("_"):
                    continue
                args = node.args
                annotated = [
                    (a.arg, a.annotation)
                    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
                    + [a for a in (args.vararg, args.kwarg) if a is not None]
                ] + [("return", node.returns)]
                for where, annotation in annotated:
                    text = "" if annotation is None else ast.unparse(annotation)
                    if UNTYPED.search(text):
                        found.append(f"{module}:{prefix}{node.name} ({where}): {text}")

    visit(ast.parse(source).body, "", False)
    return found


def test_no_untyped_dict_crosses_a_use_case_boundary() -> None:
    found = [
        line
        for module, path in _use_case_files()
        for line in untyped_boundaries(module, path.read_text(encoding="utf-8"))
        if line.split(" ", 1)[0] not in ALLOWED
    ]
    assert not found, (
        "return a frozen dataclass instead (or, for a real document, add it to ALLOWED with "
        "its reason):\n" + "\n".join(found)
    )


def test_every_allowed_name_still_exists_and_still_needs_it() -> None:
    flagged = {
        line.split(" ", 1)[0]
        for module, path in _use_case_files()
        for line in untyped_boundaries(module, path.read_text(encoding="utf-8"))
    }
    stale = sorted(set(ALLOWED) - flagged)
    assert not stale, f"remove from ALLOWED (gone, private or typed now): {', '.join(stale)}"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("def show(pid: int) -> dict[str, Any]: ...", ["m:show (return)"]),
        ("def fire(data: Mapping[str, object]) -> None: ...", ["m:fire (data)"]),
        ("class Q:\n    def list(self) -> list[dict[str, Any]]: ...", ["m:Q.list (return)"]),
        ("async def x(**kw: dict[str, Any]) -> None: ...", ["m:x (kw)"]),
        ("def show(pid: int) -> Shown: ...", []),
        ("def counts() -> dict[str, int]: ...", []),
        ("def _private() -> dict[str, Any]: ...", []),
        ("class _Row:\n    def values(self) -> dict[str, Any]: ...", []),
    ],
)
def test_the_check_flags_untyped_dicts_in_public_signatures(
    source: str, flagged: list[str]
) -> None:
    found = [line.rsplit(":", 1)[0] for line in untyped_boundaries("m", source)]
    assert found == flagged
