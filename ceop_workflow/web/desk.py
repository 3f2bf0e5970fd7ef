"""The admin's workflow desk: paste or upload a definition, see its problems (each with its key
path), its diagram, its differences from the newest loaded version and who sits in the states
they touch; run scenario tests on it; load it; migrate running partnerships, dry run first.

Admin role only, every form with its CSRF token; the work is done by `ceop_workflow.app.desk`
(the CLI's parser, diff, catalog and migrator) and `scenarios.pasted` (`workflows test`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ceop_workflow.app.desk import Examined, Problem, problems_of
from ceop_workflow.app.diagrams import draw
from ceop_workflow.engine.definitions import MAX_SOURCE_BYTES
from ceop_workflow.errors import BadInput, DefinitionError, Refused
from ceop_workflow.scenarios.pasted import run_texts, shipped_scenario
from ceop_workflow.scenarios.runner import ScenarioResult
from ceop_workflow.web.admin_home import ADMIN_ROLE
from ceop_workflow.web.auth import CSRF_FIELD, Principal, check_csrf
from ceop_workflow.web.context import Web, web_of

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
Version = Annotated[int, Query(ge=1, le=1_000_000)]
MAP_PREFIX = "map."


Posted = dict[str, list[str]]


async def _admin_form(request: Request) -> tuple[Web, Principal, Posted]:
    """The admin's posted form, CSRF-checked, each uploaded file read as UTF-8 text."""
    web = web_of(request)
    form = await request.form(max_part_size=MAX_SOURCE_BYTES + 1)
    try:
        check_csrf(request, web.sessions, form.get(CSRF_FIELD))
        me = web.require(request, role=ADMIN_ROLE)
        posted: Posted = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if not value.filename:
                    continue
                value = _decoded(key, await value.read(MAX_SOURCE_BYTES + 1))
            posted.setdefault(key, []).append(value)
    finally:
        await form.close()  # uploads are spooled to temporary files
    return web, me, posted


def _decoded(field: str, data: bytes) -> str:
    if len(data) > MAX_SOURCE_BYTES:
        raise BadInput(f"{field}: larger than {MAX_SOURCE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{field}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def _one(posted: Posted, name: str) -> str | None:
    values = posted.get(name)
    return values[0] if values else None


def _text(posted: Posted, field: str, upload: str) -> str:
    """A file uploaded in `upload`, else the text of `field`; line ends as in a file."""
    text = _one(posted, upload) or _one(posted, field) or ""
    # Browsers send a text area's line ends as CRLF; a definition file has LF.
    return text.replace("\r\n", "\n")


def _examined_page(
    request: Request,
    web: Web,
    examined: Examined,
    scenario: ScenarioResult | None = None,
    scenario_problems: tuple[Problem, ...] = (),
    scenario_source: str = "",
) -> Response:
    d, change = examined.definition, examined.diff
    marks = {}
    if change is not None:
        marks = dict.fromkeys([*change.states_added, *change.transitions_added], "new")
        marks |= dict.fromkeys([*change.states_changed, *change.transitions_changed], "changed")
    drawing = draw(d, marks=marks) if d is not None else None
    return web.render(
        request,
        "desk_examined.html",
        {
            "x": examined,
            "drawing": drawing,
            "svg": Markup(drawing.svg) if drawing else "",
            "scenario": scenario,
            "scenario_problems": scenario_problems,
            "scenario_source": scenario_source,
            "shipped": bool(d and shipped_scenario(web.settings, d.name)),
        },
        status=200 if d is not None else 422,
    )


@router.get("/admin/workflows/new")
def new_definition(
    request: Request,
    start: Annotated[str, Query(max_length=64, pattern=r"^([a-z][a-z0-9_]*)?$")] = "",
) -> Response:
    """The form: paste a definition or upload its file; `start` begins from a loaded one."""
    web = web_of(request)
    web.require(request, role=ADMIN_ROLE)
    desk = web.desk
    source = ""
    if start:
        newest = max(
            (v.version for v in web.service.workflow_versions() if v.name == start),
            default=None,
        )
        if newest is not None:
            source = desk.source(start, newest)
    return web.render(request, "desk_new.html", {"source": source})


@router.post("/admin/workflows/check")
async def check_definition(request: Request) -> Response:
    """Every problem with its key path; or the diagram, the diff and who it touches."""
    web, _, form = await _admin_form(request)
    source = _text(form, "source", "file")
    examined = await run_in_threadpool(web.desk.examine, source)
    return _examined_page(request, web, examined)


@router.post("/admin/workflows/test")
async def test_definition(request: Request) -> Response:
    """The definition's scenario tests: a pasted or uploaded scenario, or the shipped one."""
    web, _, form = await _admin_form(request)
    source = _text(form, "source", "file")
    scenario_text = _text(form, "scenario", "scenario_file")
    examined = await run_in_threadpool(web.desk.examine, source)
    d = examined.definition
    if d is None:
        return _examined_page(request, web, examined)
    if not scenario_text.strip():
        scenario_text = shipped_scenario(web.settings, d.name) or ""
    if not scenario_text.strip():
        problem = Problem("", f"no scenario given, and none shipped as scenarios/{d.name}.toml")
        return _examined_page(request, web, examined, scenario_problems=(problem,))
    try:
        result = await run_in_threadpool(run_texts, web.settings, source, scenario_text)
    except DefinitionError as exc:
        found = problems_of(exc, "scenario.toml")
        return _examined_page(
            request, web, examined, scenario_problems=found, scenario_source=scenario_text
        )
    return _examined_page(request, web, examined, result, scenario_source=scenario_text)


@router.post("/admin/workflows/load")
async def load_definition(request: Request) -> Response:
    """Store the checked text as a new version (recorded), then show the migration's dry run."""
    web, me, form = await _admin_form(request)
    source = _text(form, "source", "file")
    expected = _one(form, "content_hash") or ""
    desk = web.desk
    try:
        loaded = await run_in_threadpool(desk.load, source, expected, me.email)
    except DefinitionError:
        # Shown as the check shows them, each with its key path, nothing stored.
        return _examined_page(request, web, await run_in_threadpool(desk.examine, source))
    query = urlencode({"to": loaded.version, "done": "loaded"})
    return RedirectResponse(f"/admin/workflows/{quote(loaded.name)}/migrate?{query}", 303)


def _mapping(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {
        key.removeprefix(MAP_PREFIX): value.strip()
        for key, value in pairs
        if key.startswith(MAP_PREFIX) and value.strip()
    }


@router.get("/admin/workflows/{name}/migrate")
async def migration_dry_run(
    request: Request,
    name: Name,
    to: Version,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """What migrating every running partnership of `name` to `to` would do: nothing changes."""
    web = web_of(request)
    me = web.require(request, role=ADMIN_ROLE)
    pairs = [(k, v) for k, v in request.query_params.multi_items()]
    mapping = _mapping(pairs)
    desk = web.desk
    context: dict[str, Any] = {"name": name, "to": to, "mapping": mapping, "done": done}
    try:
        context["plan"] = await run_in_threadpool(desk.migrate, name, to, mapping, me.email, True)
        context["refusal"] = ""
    except (Refused, BadInput) as exc:
        context["plan"], context["refusal"] = None, exc.message
    context["target_states"] = list(web.service.definition(name, to).states)
    context["stranded"] = await run_in_threadpool(desk.stranded, name, to)
    return web.render(request, "desk_migrate.html", context)


@router.post("/admin/workflows/{name}/migrate")
async def migrate(request: Request, name: Name) -> Response:
    """The migration the dry run showed, for real (refused if the plan changed since)."""
    web, me, form = await _admin_form(request)
    to = _one(form, "to")
    if to is None or not to.isdigit() or len(to) > 7:
        raise BadInput("to: expected a version number")
    pairs = [(k, v) for k, values in form.items() for v in values]
    plan = await run_in_threadpool(
        web.desk.migrate,
        name,
        int(to),
        _mapping(pairs),
        me.email,
        False,
        _one(form, "fingerprint"),
    )
    query = urlencode({"done": f"migrated {len(plan.moves)} partnership(s) of {name} to v{to}"})
    return RedirectResponse(f"/admin?{query}", 303)
