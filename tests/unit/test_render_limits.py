"""Renders bounded in memory and time: huge values are refused before they are built, and a
render that runs too long stops itself with a one-line error naming template and line."""

from __future__ import annotations

import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from ceop_workflow.notify.render import TemplateError, TemplateRenderer

# Far below what any payload would reach unchecked (gigabytes), far above a normal render.
MEMORY_CEILING = 64 * 1024 * 1024

HUGE = [
    "{{ 'a' * 10**9 }}",
    "{{ 10**9 * 'a' }}",
    "{{ 'a'|center(10**9) }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%0999999999d'|format(1) }}",
    "{{ ('%999999d' * 1000) % (range(1000)|list) }}",
    "{{ '1'.zfill(10**9) }}",
    "{{ 'x'.ljust(10**9) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{0:>999999}{0:>999999}'.format(1) }}",
    "{{ (range(100000)|list) * 100000 }}",
    "{{ [('a' * 200000)] * 5 }}",
    "{{ 10**(10**10) }}",
    "{% set a = 10**4000 %}{{ a * a * a * a * a }}",
    "{{ 'x'|indent(10**9) }}",
    "{{ ('\\n' * 100000)|indent(100) }}",
    "{{ [1]|batch(10**9, 'x')|list }}",
    "{{ range(100000)|join('x' * 100000) }}",
    "{{ ('a' * 1000)|replace('', 'x' * 100000) }}",
    "{{ ('\\t' * 100000).expandtabs(1000) }}",
    "{% set a = 'x' * 500000 %}{% set b = a ~ a %}{{ b ~ b }}",
    "{% set a = 'x' * 600000 %}{{ a + a }}",
    "{% set x %}{% for i in range(100000) %}{{ 'a' * 1000000 }}{% endfor %}{% endset %}{{ x }}",
    "{% set b = 'a' * 1000000 %}{% set x %}{% for i in range(100000) %}{{ b }}{% endfor %}"
    "{% endset %}{{ x|length }}",
    "{% macro m() %}{% for i in range(100000) %}0123456789+{% endfor %}{% endmacro %}"
    "{{ m()|length }}",
    "{{ lipsum(10**6) }}",
]


def _renderer(tmp_path: Path, body: str, **limits: float) -> TemplateRenderer:
    (tmp_path / "hostile.subject.txt").write_text("Hi", encoding="utf-8")
    (tmp_path / "hostile.txt").write_text("Dear team,\n" + body, encoding="utf-8")
    (tmp_path / "hostile.html").write_text("<p>ok</p>", encoding="utf-8")
    return TemplateRenderer(tmp_path, **limits)  # type: ignore[arg-type]


@pytest.mark.parametrize("body", HUGE)
def test_huge_values_are_refused_before_they_are_built(tmp_path: Path, body: str) -> None:
    tracemalloc.start()
    try:
        renderer = _renderer(tmp_path, body)
        with pytest.raises(TemplateError) as caught:
            renderer.render("hostile", {})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < MEMORY_CEILING, f"peak {peak / 2**20:.0f} MiB"
    message = str(caught.value)
    assert "rendering took longer" not in message  # refused, not stopped by the deadline
    assert message.startswith("template 'hostile' (hostile.txt line 2): ")
    assert "refused" in message or "stopped" in message or "lipsum" in message, message
    assert "\n" not in message


def test_an_endless_loop_that_prints_nothing_is_stopped_at_the_deadline(tmp_path: Path) -> None:
    body = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    renderer = _renderer(tmp_path, body, max_seconds=0.3)

    started = time.monotonic()
    with pytest.raises(TemplateError) as caught:
        renderer.render("hostile", {})
    took = time.monotonic() - started

    assert 0.3 <= took < 1.5
    assert str(caught.value) == (
        "template 'hostile' (hostile.txt line 2): "
        "stopped: rendering took longer than 0.3 s (a loop too long?)"
    )


@pytest.mark.parametrize(
    "body",
    [
        # Exponential recursion through a macro: every call is a step.
        "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}",
        # A loop over a string, not a range.
        "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        # A recursive loop, three levels deep.
        "{% for x in range(100000) recursive %}{% if loop.depth < 3 %}{{ loop(range(100000)) }}"
        "{% endif %}"
        "{% endfor %}",
    ],
)
def test_every_kind_of_long_render_stops(tmp_path: Path, body: str) -> None:
    renderer = _renderer(tmp_path, body, max_seconds=0.3)

    started = time.monotonic()
    with pytest.raises(TemplateError, match="stopped: "):
        renderer.render("hostile", {})

    assert time.monotonic() - started < 1.5


def test_the_step_budget_stops_a_loop_before_the_deadline(tmp_path: Path) -> None:
    renderer = _renderer(
        tmp_path, "{% for i in range(5000) %}{% endfor %}", max_steps=1000, max_seconds=60
    )

    with pytest.raises(TemplateError, match="stopped: the template takes too many steps"):
        renderer.render("hostile", {})


def test_a_template_loop_cannot_shadow_the_guard(tmp_path: Path) -> None:
    body = (
        "{% set bounded_loop = range %}{% set environment = none %}"
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    renderer = _renderer(tmp_path, body, max_seconds=0.3)

    with pytest.raises(TemplateError, match="stopped: rendering took longer"):
        renderer.render("hostile", {})


def test_limits_are_per_render_and_per_thread(tmp_path: Path) -> None:
    """A slow render in one thread does not use up the budget of renders in another."""
    (tmp_path / "slow.subject.txt").write_text("Hi", encoding="utf-8")
    (tmp_path / "slow.txt").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    (tmp_path / "slow.html").write_text("<p>ok</p>", encoding="utf-8")
    renderer = _renderer(tmp_path, "{% for i in range(1000) %}{{ i }}{% endfor %}", max_steps=5000)
    errors: list[str] = []

    def slow() -> None:
        try:
            renderer.render("slow", {})
        except TemplateError as exc:
            errors.append(str(exc))

    thread = threading.Thread(target=slow)
    thread.start()
    outputs = [renderer.render("hostile", {}).text for _ in range(20)]
    thread.join()

    assert all(out.endswith("999") for out in outputs)
    assert len(errors) == 1 and "too many steps" in errors[0]


def test_ordinary_templates_still_render(tmp_path: Path) -> None:
    body = (
        "{{ 'hello %s'|format('world') }} {{ 'a{}b'.format(3) }} {{ 'x' * 3 }} "
        "{{ [1, 2]|join(', ') }} {{ 'ab'|center(6) }}|{{ ('a' ~ 'b')|upper }} "
        "{% for i in range(3) %}{{ loop.index }}{{ loop.last }} {% endfor %}"
        "{{ 2**10 }} {{ 'Hi %d' % 5 }} {{ [1] + [2] }} {{ 'one two'|wordwrap(4) }}"
    )
    renderer = _renderer(tmp_path, body)

    text = renderer.render("hostile", {}).text

    assert text == (
        "Dear team,\nhello world a3b xxx 1, 2   ab  |AB 1False 2False 3True "
        "1024 Hi 5 [1, 2] one\ntwo"
    )
