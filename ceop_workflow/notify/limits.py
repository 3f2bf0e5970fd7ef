"""The limits of one template render: its budget, and the checks that refuse huge values.

Jinja2's immutable sandbox stops templates from reaching Python internals, but not from running
for hours (`{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}`)
or from building gigabytes (`'a' * 10**9`, `|center(10**9)`, `'%0999999999d' % 1`). A Python
thread cannot be killed, so the render has to stop itself. The checks here, called by
`sandbox.BoundedSandbox` from its hooks:

- refuse, *before* building it, any value that would be larger than `MAX_VALUE` characters
  (or list items): repetition, concatenation, `%` and `format` widths, padding methods and
  filters, joins and replacements, huge powers of integers;
- count every value a render builds and every value it outputs against a per-render budget
  (`max_produced`), so a loop cannot pile up many large values either;
- check a per-render deadline and a step count at every loop iteration, call, attribute
  access, operator and include, so a render that runs too long stops within moments.

Every refusal is a `RenderLimit` (a `SecurityError`) whose message says what was refused.
Limits only apply inside `bounded(...)`, which the renderer wraps around each render.
"""

from __future__ import annotations

import re
import string
import time
import types
from collections.abc import Iterable, Iterator, Mapping, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.utils import Namespace

# No single value may be larger than this (characters of a string, items of a list).
MAX_VALUE = 1_000_000
# Integers beyond this many bits are refused (Python will not print more than 4,300 digits).
MAX_INT_BITS = 16_384
MAX_TOJSON_INDENT = 8
# A `%` conversion: flags, width, precision (each a number or `*`).
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\d+|\*)?(?:\.(\d+|\*))?[hlL]?([a-zA-Z%])")
_DIGITS = re.compile(r"\d+")


class RenderLimit(SecurityError):
    """A template tried to build too large a value or ran too long; the message says which."""


@dataclass
class _Budget:
    """What one render may still spend: the deadline, loop/call steps and characters built."""

    deadline: float
    seconds: float
    steps_left: int
    produced_left: int


# The budget of the render running in this thread (or task). One environment is shared by
# every render of a renderer, possibly in several threads at once, so it cannot live there.
_BUDGET: ContextVar[_Budget | None] = ContextVar("ceop_render_budget", default=None)


@contextmanager
def bounded(seconds: float, max_steps: int, max_produced: int) -> Iterator[None]:
    """Render inside this block to apply the deadline, step and production limits."""
    budget = _Budget(time.monotonic() + seconds, seconds, max_steps, max_produced)
    token = _BUDGET.set(budget)
    try:
        yield
    finally:
        _BUDGET.reset(token)


def tick() -> None:
    """One step of the current render: refuse to go on past the deadline or the step budget."""
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps_left -= 1
    if budget.steps_left < 0:
        raise RenderLimit("stopped: the template takes too many steps (a loop too long?)")
    # The clock is read every 64 steps: cheap, and still many times a millisecond.
    if budget.steps_left % 64 == 0 and time.monotonic() > budget.deadline:
        raise RenderLimit(
            f"stopped: rendering took longer than {budget.seconds:g} s (a loop too long?)"
        )


def produced(size: int) -> None:
    """Count `size` characters built by the current render against its budget."""
    if size > MAX_VALUE:
        raise RenderLimit(f"refused to build a value of more than {MAX_VALUE} characters")
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.produced_left -= size
    if budget.produced_left < 0:
        raise RenderLimit("stopped: the template builds too much text in all")


def size_of(value: object, limit: int = MAX_VALUE) -> int:
    """About how many characters `str(value)` takes; counting stops once past `limit`."""
    if isinstance(value, str):  # by far the most common: no walk needed
        return len(value)
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            total += 8
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, range):
            total += 24
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset | types.MappingProxyType):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif isinstance(item, Namespace):
            stack.append(item.__dict__.get("_Namespace__attrs", {}))
        else:  # functions, generators, undefined: a short repr
            total += 32
    return total


def _refuse_big(value: object, what: str) -> None:
    if size_of(value) > MAX_VALUE:
        raise RenderLimit(f"refused: {what} is larger than {MAX_VALUE} characters")


def check_ints(args: Iterable[object]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_VALUE:
            raise RenderLimit(f"refused: the number {_short(arg)} is larger than {MAX_VALUE}")


def _short(number: int) -> str:
    return str(number) if number.bit_length() < 64 else f"of {number.bit_length()} bits"


def check_binop(operator: str, left: object, right: object) -> None:
    """Refuse `left <operator> right` if its result would be too large."""
    if operator == "*":
        _check_product(left, right)
    elif operator == "**":
        _check_power(left, right)
    elif operator == "%" and isinstance(left, str):
        check_percent(left, right)
    elif operator == "+" and not isinstance(left, int | float | complex):
        _check_sum(left, right)


def _check_sum(left: object, right: object) -> None:
    if size_of(left) + size_of(right) > MAX_VALUE:
        raise RenderLimit(f"refused to build a value of more than {MAX_VALUE} characters")


def _check_product(left: object, right: object) -> None:
    for seq, times in ((left, right), (right, left)):
        numeric = isinstance(seq, int | float)
        if isinstance(times, int) and not numeric and size_of(seq) * max(times, 0) > MAX_VALUE:
            raise RenderLimit(f"refused to repeat a value {_short(times)} times")
    if not (isinstance(left, int) and isinstance(right, int)):
        return
    if left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise RenderLimit(f"refused: a product of more than {MAX_INT_BITS} bits")


def _check_power(base: object, exponent: object) -> None:
    if not (isinstance(base, int) and isinstance(exponent, int)) or exponent <= 0 or abs(base) < 2:
        return
    if exponent > MAX_INT_BITS or base.bit_length() * exponent > MAX_INT_BITS:
        raise RenderLimit(f"refused: a power of more than {MAX_INT_BITS} bits")


def check_percent(fmt: str, args: object) -> None:
    """Refuse `fmt % args` if its widths and arguments add up to too large a string."""
    _refuse_big(args, "what is formatted")
    total = len(fmt) + size_of(args)
    for match in _PERCENT_SPEC.finditer(fmt):
        for number in match.group(1, 2):
            if number == "*":
                raise RenderLimit("refused: '*' widths in % formatting")
            total += _number(number)
    if total > MAX_VALUE:
        raise RenderLimit(f"refused: % formatting wider than {MAX_VALUE} characters")


def check_format(fmt: str, args: Iterable[object]) -> None:
    """Refuse `fmt.format(*args)` if its field widths and arguments add up to too much."""
    total = len(fmt)
    for arg in args:
        total += size_of(arg)
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format will raise the same error itself
    for _literal, _field, spec, _conversion in fields:
        if spec and "{" in spec:
            raise RenderLimit("refused: nested fields in a format spec")
        for number in _DIGITS.findall(spec or ""):
            total += _number(number)
    if total > MAX_VALUE:
        raise RenderLimit(f"refused: formatting wider than {MAX_VALUE} characters")


def _number(digits: str | None) -> int:
    if not digits:
        return 0
    if len(digits) > 7:  # also keeps int() away from thousands of digits
        raise RenderLimit(f"refused: a width or precision larger than {MAX_VALUE}")
    return int(digits)


def check_string_method(
    name: str, text: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> None:
    """Refuse a `str` method call whose result would be too large (widths are checked apart)."""
    values = [*args, *kwargs.values()]
    if name == "format":
        check_format(text, values)
    elif name == "format_map" and args and isinstance(args[0], Mapping):
        check_format(text, args[0].values())
    elif name == "join" and args and isinstance(args[0], Sized):
        # (A generator is left alone: each item it makes is counted as it is made.)
        items = args[0]
        if size_of(items) + len(text) * len(items) > MAX_VALUE:
            raise RenderLimit(f"refused to join into more than {MAX_VALUE} characters")
    elif name == "replace" and len(args) >= 2:
        check_replace(text, args[0], args[1])
    elif name == "expandtabs":
        tab = values[0] if values and isinstance(values[0], int) else 8
        if text.count("\t") * max(tab, 0) + len(text) > MAX_VALUE:
            raise RenderLimit(f"refused to build a value of more than {MAX_VALUE} characters")
    elif name == "translate":
        raise RenderLimit("refused: str.translate")
    for value in values:
        _refuse_big(value, f"an argument of {name}")


def check_replace(text: object, old: object, new: object) -> None:
    """Refuse a replacement that would grow `text` past `MAX_VALUE`."""
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = text.count(old) if old else len(text) + 1
        if len(text) + count * max(len(new) - len(old), 0) > MAX_VALUE:
            raise RenderLimit(f"refused: replace would build more than {MAX_VALUE} characters")


def check_filter(name: str, value: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    check_ints([*args, *kwargs.values()])
    _refuse_big(value, f"the value given to |{name}")
    for arg in [*args, *kwargs.values()]:
        _refuse_big(arg, f"an argument of |{name}")
    if name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        width_size = (
            len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        )
        lines = str(value).count("\n") + 1 if isinstance(value, str) else 1
        if size_of(value) + lines * width_size > MAX_VALUE:
            raise RenderLimit(f"refused: indent would build more than {MAX_VALUE} characters")
    elif name == "format" and isinstance(value, str):
        check_percent(value, kwargs or args)
    elif name == "replace" and len(args) >= 2:
        check_replace(value, args[0], args[1])
    elif name == "join":
        sep = args[0] if args else kwargs.get("d", "")
        count = len(value) if isinstance(value, Sized) else 0
        if isinstance(sep, str) and len(sep) * count + size_of(value) > MAX_VALUE:
            raise RenderLimit(f"refused to join into more than {MAX_VALUE} characters")
    elif name == "tojson":
        indent = args[0] if args else kwargs.get("indent")
        if isinstance(indent, int) and indent > MAX_TOJSON_INDENT:
            raise RenderLimit(f"refused: tojson indent above {MAX_TOJSON_INDENT}")
    elif name == "sum":
        start = args[2] if len(args) > 2 else kwargs.get("start", 0)
        if not isinstance(start, int | float):
            raise RenderLimit("refused: |sum with a start that is not a number")
