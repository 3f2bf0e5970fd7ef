"""A Jinja2 sandbox whose renders are bounded in time and in memory (see `limits`).

`BoundedSandbox` is the immutable sandbox plus hooks: operators that can build large values
(`*`, `**`, `%`, `+`), every call, attribute and item access, every filter, every `{{ ... }}`
output, every `~`, every block buffer joined, every include, and every `for` loop (compiled to
iterate through the environment) go through the checks and the render's budget in `limits`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ceop_workflow.notify.limits import (
    MAX_VALUE,
    RenderLimit,
    check_binop,
    check_filter,
    check_ints,
    check_string_method,
    produced,
    size_of,
    tick,
)


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    # Filters with pass_context/pass_environment/pass_eval_context get that first.
    passes = getattr(func, "jinja_pass_arg", None) is not None

    @wraps(func)  # keeps jinja_pass_arg, so Jinja still passes what the filter expects
    def guarded(*args: Any, **kwargs: Any) -> Any:
        tick()
        value, rest = (args[1], args[2:]) if passes else (args[0], args[1:])
        check_filter(name, value, rest, kwargs)
        result = func(*args, **kwargs)
        if isinstance(result, str | list | tuple | dict):
            produced(size_of(result))
        return result

    return guarded


def _bounded_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        tick()
        yield item


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles every `for` loop to go through the deadline, and every `~` through a size check."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            # An environment attribute, not a name: a template cannot shadow or replace it.
            guard = nodes.EnvironmentAttribute("bounded_loop", lineno=loop.lineno)
            loop.iter = nodes.Call(guard, [loop.iter], [], None, None, lineno=loop.lineno)
        super().visit_Template(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"{func_name}(environment.bounded_pieces((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with every way to build a large value or loop long checked."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=self._finalize, **options)
        # Lorem ipsum of any length is one call away; email templates have no use for it.
        self.globals.pop("lipsum", None)
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}

    def bounded_loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Every `for` loop iterates through this: one step per item."""
        return _bounded_iter(iterable)

    def bounded_pieces(self, pieces: tuple[Any, ...]) -> tuple[Any, ...]:
        """The operands of `~`, refused if they add up to too much before they are joined."""
        tick()
        produced(sum(size_of(piece) for piece in pieces))
        return pieces

    def concat(self, parts: Iterable[str]) -> str:
        """Join a block's buffer (macros, `{% set %}` blocks, calls) once its size is known."""
        items = list(parts)
        total = 0
        for item in items:
            total += len(item)
            if total > MAX_VALUE:
                raise RenderLimit(f"refused: a block renders more than {MAX_VALUE} characters")
        return "".join(items)

    def _finalize(self, value: Any) -> Any:
        # Every `{{ ... }}` passes here before it is turned into text.
        tick()
        produced(size_of(value))
        return value

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**`, `%` and `+`, refused when the result would be too large."""
        tick()
        check_binop(operator, left, right)
        result = super().call_binop(context, operator, left, right)
        if not isinstance(result, int | float):
            produced(size_of(result))
        return result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call from a template: a step, and string methods checked for size first."""
        tick()
        check_ints([*args, *kwargs.values()])
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by Jinja
        owner = getattr(target, "__self__", None)
        if isinstance(owner, str):
            check_string_method(getattr(target, "__name__", ""), owner, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list | tuple | dict):
            produced(size_of(result))
        return result

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Attribute access, one step."""
        tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Item access, one step."""
        tick()
        return super().getitem(obj, argument)

    def get_template(self, *args: Any, **kwargs: Any) -> Any:
        """Includes, imports and extends, one step each (a template can include itself)."""
        tick()
        return super().get_template(*args, **kwargs)
