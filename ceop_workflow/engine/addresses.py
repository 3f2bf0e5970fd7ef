"""Email addresses as ceop-workflow accepts them: one pure check for wherever one enters.

An address is `local@domain`, in ASCII, at most 254 characters: the local part a dot-atom of
RFC 5322 (letters, digits and ``!#$%&'*+/=?^_`{|}~-``, dots between, at most 64), the domain
two or more labels of letters, digits and inner hyphens (at most 63 each) ending in a label of
letters. No spaces, quotes, comments, brackets, line breaks or other control characters, so an
address can never add a header to an email (`kw@ceop.example\\nBcc: evil@x.y`) or a line to the
CLI's output. Addresses are compared lower-cased and trimmed; the checks return that form.
"""

from __future__ import annotations

import functools
import re

from ceop_workflow.errors import BadInput

MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LABEL = re.compile(r"[A-Za-z]{2,63}")


# Cached: pure, and every firing checks its actor's address (a handful of people fire most).
@functools.lru_cache(maxsize=1024)
def address_problem(value: str) -> str | None:
    """Why `value` (already trimmed) is not an email address we accept; None if it is one."""
    if not value:
        return "it is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "it contains a line break or another control character"
    if not value.isascii():
        return "it contains characters other than ASCII"
    if any(c.isspace() for c in value):
        return "it contains a space"
    if len(value) > MAX_LENGTH:
        return f"it is longer than {MAX_LENGTH} characters"
    if value.count("@") != 1:
        return "it needs exactly one @" if "@" in value else "it has no @"
    local, domain = value.split("@")
    if len(local) > MAX_LOCAL_LENGTH:
        return f"the part before @ is longer than {MAX_LOCAL_LENGTH} characters"
    if not _LOCAL.fullmatch(local):
        return "the part before @ is not letters, digits and .!#$%&'*+/=?^_`{|}~-"
    return domain_problem(domain)


def domain_problem(domain: str) -> str | None:
    """Why `domain` is not a domain name an address may end in; None if it is one."""
    labels = domain.split(".")
    if len(labels) < 2:
        return "the domain needs a dot (e.g. ceop.example)"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "the domain is not letters, digits and inner hyphens between dots"
    if not _TOP_LABEL.fullmatch(labels[-1]):
        return "the domain does not end in a name of letters"
    return None


def check_address(raw: str, where: str) -> str:
    """`raw` trimmed and lower-cased if it is an email address; else `BadInput`, one line:
    `WHERE: 'RAW' is not an email address: WHY` (`raw` shown escaped, so it stays one line).
    """
    value = raw.strip()
    problem = address_problem(value)
    if problem is not None:
        raise BadInput(f"{where}: {_shown(raw)} is not an email address: {problem}")
    return value.lower()


def _shown(raw: str) -> str:
    # repr escapes line breaks and control characters; cut so one line stays readable.
    shown = repr(raw)
    return shown if len(shown) <= 80 else shown[:77] + "..."
