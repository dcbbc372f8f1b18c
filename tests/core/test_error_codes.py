"""Errors are raised by code, in Chinese without an English tail (see core.errors).

Every package declares one error type with a catalog of codes; raising the older core kinds
(``Conflict("...")``) is refused here, so that a new error gets a stable code and a message
that goes through gettext.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import core.errors
import inventory.errors
import ledger.errors
import logistics.errors
import payments.errors
import shop.errors
from core.errors import CunzhanError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "inventory", "payments", "ledger", "logistics", "shop")
BARE_KINDS = {
    "CunzhanError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "InvalidInput",
    "InvalidTransition",
    "AuthenticationFailed",
    "TooManyAttempts",
}
PACKAGE_TYPES = [
    core.errors.CoreError,
    inventory.errors.InventoryError,
    payments.errors.PaymentError,
    ledger.errors.LedgerError,
    logistics.errors.LogisticsError,
    shop.errors.ShopError,
]
#: "(english words)" after a message: what people must not read on a Chinese page.
ENGLISH_TAIL = re.compile(r"(?<!%)\([a-z][a-z0-9 ,.'/:;_-]*\)")
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: Bilingual on purpose: API documentation tags and what the command line prints.
BILINGUAL_FILES = {"shop/cli.py", "shop/demo.py"}
BILINGUAL_CALLS = {"Blueprint"}


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def _core_kinds_imported(tree: ast.Module) -> set[str]:
    """The bare kinds this module takes from core.errors (werkzeug has its own Forbidden...)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "core.errors"
        for alias in node.names
        if alias.name in BARE_KINDS
    }


def _raised_name(node: ast.Raise) -> str | None:
    return _called_name(node.exc) if isinstance(node.exc, ast.Call) else None


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _exempt_strings(tree: ast.Module) -> set[int]:
    """The ids of docstrings (they may quote anything) and of API tags' strings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called_name(node) in BILINGUAL_CALLS:
            arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
            found.update(id(n) for arg in arguments for n in ast.walk(arg))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def test_no_code_raises_a_bare_core_kind() -> None:
    offenders = [
        f"{path}:{node.lineno} raises {name}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise)
        and (name := _raised_name(node)) in BARE_KINDS
        and (name in _core_kinds_imported(tree) or name == "CunzhanError")
    ]
    assert offenders == [], "declare a code in the package's error type:\n" + "\n".join(offenders)


def test_no_chinese_text_in_the_code_carries_an_english_tail() -> None:
    offenders = []
    for path, tree in _sources():
        if path in BILINGUAL_FILES:
            continue
        docstrings = _exempt_strings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and CJK.search(node.value)
                and ENGLISH_TAIL.search(node.value)
            ):
                offenders.append(f"{path}:{node.lineno} {node.value!r}")
    assert offenders == [], "\n".join(offenders)


@pytest.mark.parametrize("error_type", PACKAGE_TYPES, ids=lambda t: t.__name__)
def test_every_declared_code_is_stable_and_its_message_is_chinese(
    error_type: type[CunzhanError],
) -> None:
    assert error_type.catalog, "a package type declares its codes"
    for code, (status, message) in error_type.catalog.items():
        assert CODE.match(code), code
        assert 400 <= status < 500, code
        text = getattr(message, "_args", (str(message),))[0]  # the msgid of a lazy string
        assert CJK.search(text) and not ENGLISH_TAIL.search(text), (code, text)


def test_an_undeclared_code_is_refused() -> None:
    with pytest.raises(KeyError):
        shop.errors.ShopError("no_such_code")
    error = shop.errors.ShopError("out_of_stock", title="稻米", left=2)
    assert (error.code, error.status, error.message) == (
        "out_of_stock",
        409,
        "「稻米」库存不足：只剩 2 件，请减少数量",
    )


def _error_types_by_name() -> dict[str, type[CunzhanError]]:
    """Every error class of ours that declares codes, by its name (subclasses included)."""
    found: dict[str, type[CunzhanError]] = {}
    pending: list[type[CunzhanError]] = list(PACKAGE_TYPES)
    while pending:
        kind = pending.pop()
        found[kind.__name__] = kind
        pending.extend(kind.__subclasses__())
    return found


def test_every_code_raised_by_name_is_declared() -> None:
    """``ShopError("typo")`` would be a KeyError, so a 500, at the moment of refusing: every
    literal code passed to a package's error type (in a raise, a lambda, anywhere) must be in
    that type's catalog."""
    types = _error_types_by_name()
    offenders = [
        f"{path}:{node.lineno} {name}({code!r})"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (name := _called_name(node)) in types
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(code := node.args[0].value, str)
        and code not in types[name].catalog
    ]
    assert offenders == [], "declare these codes:\n" + "\n".join(offenders)
