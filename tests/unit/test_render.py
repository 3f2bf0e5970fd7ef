"""The template renderer: sandbox, strictness, escaping, header safety, and the shipped set."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceop_workflow.errors import BadInput
from ceop_workflow.notify.render import TemplateError, TemplateRenderer
from ceop_workflow.notify.samples import sample_contexts, sample_partnership

SHIPPED = Path(__file__).resolve().parents[2] / "notifications"


def _folder(tmp_path: Path, **messages: tuple[str, str, str]) -> Path:
    """A templates folder with one (subject, text, html) triple per message."""
    for name, (subject, text, html) in messages.items():
        (tmp_path / f"{name}.subject.txt").write_text(subject, encoding="utf-8")
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def shipped() -> TemplateRenderer:
    return TemplateRenderer(SHIPPED)


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("{{ ''.__class__.__mro__ }}", {}),
        ("{{ x.__class__ }}", {"x": {"a": 1}}),
        ("{{ x.__class__.__init__.__globals__ }}", {"x": "text"}),
    ],
)
def test_sandbox_refuses_internals_with_a_one_line_error(
    tmp_path: Path, source: str, context: dict[str, object]
) -> None:
    renderer = TemplateRenderer(_folder(tmp_path, sneaky=("Hi", "ok", "<p>" + source + "</p>")))

    with pytest.raises(TemplateError) as caught:
        renderer.render("sneaky", context)

    message = str(caught.value)
    assert "'sneaky'" in message
    assert "sneaky.html line 1" in message
    assert "sandbox" in message
    assert "\n" not in message
    assert isinstance(caught.value, BadInput)


def test_sandbox_refuses_changing_the_context(tmp_path: Path) -> None:
    renderer = TemplateRenderer(
        _folder(tmp_path, grow=("Hi", "{{ items.append(1) }}", "<p>ok</p>"))
    )

    with pytest.raises(TemplateError, match=r"grow.txt line 1\): refused by the sandbox"):
        renderer.render("grow", {"items": []})


def test_misspelt_variable_names_template_and_variable(tmp_path: Path) -> None:
    partnership = sample_partnership()
    renderer = TemplateRenderer(
        _folder(
            tmp_path,
            monthly_review_due=(
                "Review {{ partnership.partner }}",
                "Due {{ due }}\nfor {{ partnersip.partner }}\n",
                "<p>{{ partnership.partner }}</p>",
            ),
        )
    )

    with pytest.raises(TemplateError) as caught:
        renderer.render("monthly_review_due", {"partnership": partnership, "due": "2025-12-05"})
    assert "'monthly_review_due'" in str(caught.value)
    assert "monthly_review_due.txt line 2" in str(caught.value)
    assert "'partnersip' is undefined" in str(caught.value)

    problems = renderer.validate_all()
    assert any(
        "monthly_review_due" in problem and "partnersip" in problem for problem in problems
    ), problems


def test_misspelt_key_fails_too(tmp_path: Path) -> None:
    renderer = TemplateRenderer(
        _folder(tmp_path, note=("Hi", "{{ partnership.partnr }}", "<p>x</p>"))
    )

    with pytest.raises(TemplateError, match="has no attribute 'partnr'"):
        renderer.render("note", {"partnership": sample_partnership()})


def test_partner_name_escaped_in_html_but_plain_in_text(shipped: TemplateRenderer) -> None:
    context = sample_contexts()["escalation"][0]
    context["partnership"] = sample_partnership(partner="<script>alert(1)</script>")

    rendered = shipped.render("escalation", context)

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.text
    assert "&lt;" not in rendered.text


def test_html_parts_escape_even_in_a_minimal_template(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_folder(tmp_path, plain=("{{ v }}", "{{ v }}", "<p>{{ v }}</p>")))

    rendered = renderer.render("plain", {"v": "a & <b>"})

    assert rendered.html == "<p>a &amp; &lt;b&gt;</p>"
    assert rendered.text == "a & <b>"
    assert rendered.subject == "a & <b>"


def test_subject_newlines_are_stripped(shipped: TemplateRenderer, tmp_path: Path) -> None:
    context = sample_contexts()["escalation"][0]
    context["partnership"] = sample_partnership(partner="Evil\r\nBcc: victim@example.com\n")

    subject = shipped.render("escalation", context).subject

    assert "\r" not in subject
    assert "\n" not in subject
    assert "Evil Bcc: victim@example.com needs your attention" in subject

    multi_line = TemplateRenderer(
        _folder(tmp_path, multi=("First\n\n  second\u2028third\n", "t", "<p>h</p>"))
    )
    assert multi_line.render("multi", {}).subject == "First second third"


def test_empty_subject_is_an_error(tmp_path: Path) -> None:
    renderer = TemplateRenderer(_folder(tmp_path, blank=("{{ s }}\n", "t", "<p>h</p>")))

    with pytest.raises(TemplateError, match="renders empty"):
        renderer.render("blank", {"s": " "})


def test_output_is_capped(tmp_path: Path) -> None:
    renderer = TemplateRenderer(
        _folder(
            tmp_path,
            huge=("Hi", "{% for i in range(100000) %}0123456789{% endfor %}", "<p>x</p>"),
        ),
        max_output_bytes=64 * 1024,
    )

    with pytest.raises(TemplateError, match=r"huge.txt renders more than 65536 bytes"):
        renderer.render("huge", {})


def test_context_must_be_plain_data(shipped: TemplateRenderer) -> None:
    class Row:
        partner = "Live object"

    context = sample_contexts()["escalation"][0]
    context["partnership"] = Row()

    with pytest.raises(BadInput, match=r"context.partnership is a Row"):
        shipped.render("escalation", context)


def test_unknown_template_lists_known_ones(shipped: TemplateRenderer) -> None:
    with pytest.raises(TemplateError, match=r"unknown template 'nope'; known templates: "):
        shipped.render("nope", {})


def test_one_broken_template_does_not_stop_the_others(tmp_path: Path) -> None:
    renderer = TemplateRenderer(
        _folder(
            tmp_path,
            broken=("Hi", "{% if %}", "<p>x</p>"),
            fine=("Hi", "text", "<p>html</p>"),
        )
    )

    assert renderer.render("fine", {}).text == "text"
    with pytest.raises(TemplateError, match=r"syntax error in broken.txt line 1"):
        renderer.render("broken", {})
    assert any(p.startswith("syntax error in broken.txt line 1") for p in renderer.validate_all())


def test_incomplete_and_stray_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "half.subject.txt").write_text("Hi", encoding="utf-8")
    (tmp_path / "half.txt").write_text("text", encoding="utf-8")
    (tmp_path / "Bad-Name.html").write_text("<p>x</p>", encoding="utf-8")
    renderer = TemplateRenderer(tmp_path)

    assert "half" not in renderer.known_templates()
    problems = renderer.validate_all()
    assert "template 'half' is incomplete: missing half.html" in problems
    assert any(p.startswith("unexpected file Bad-Name.html") for p in problems)
    assert any(p.startswith("template 'escalation' is missing") for p in problems)


def test_templates_are_read_once(tmp_path: Path) -> None:
    folder = _folder(tmp_path, once=("Hi", "before", "<p>before</p>"))
    renderer = TemplateRenderer(folder)
    (folder / "once.txt").write_text("after", encoding="utf-8")

    assert renderer.render("once", {}).text == "before"


def test_shipped_folder_is_valid_and_complete(shipped: TemplateRenderer) -> None:
    assert shipped.validate_all() == []
    assert shipped.known_templates() == set(sample_contexts())


@pytest.mark.parametrize(
    ("name", "variant"),
    [(name, i) for name, variants in sample_contexts().items() for i in range(len(variants))],
)
def test_every_shipped_template_renders_its_sample(
    shipped: TemplateRenderer, name: str, variant: int
) -> None:
    context = sample_contexts()[name][variant]

    rendered = shipped.render(name, context)

    assert rendered.subject
    assert "\n" not in rendered.subject
    assert "By when" in rendered.text or name == "monthly_report"
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")
    link = context["link"]
    if link:
        assert str(link) in rendered.text
        assert str(link) in rendered.html


def test_an_admin_added_message_is_checked_against_the_sample_keys(tmp_path: Path) -> None:
    for path in SHIPPED.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    _folder(
        tmp_path,
        thank_you=("Thanks, {{ partnership.partner }}", "By {{ due }}", "<p>{{ dew }}</p>"),
    )
    renderer = TemplateRenderer(tmp_path)

    assert "thank_you" in renderer.known_templates()
    problems = renderer.validate_all()
    assert len(problems) == 1
    assert problems[0].startswith("template 'thank_you' (thank_you.html line 1)")
    assert "'dew' is undefined" in problems[0]
