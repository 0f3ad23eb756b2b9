"""Parse 1C's ``$filter`` dialect of OData v3 into a syntax tree.

Literals: ``'text'`` (``''`` escapes a quote), ``guid'…'``, ``datetime'…'``, numbers,
``true``/``false``/``null``. Operators: ``eq ne gt ge lt le and or not add sub mul div``;
1C has no ``mod`` and no ``in``, so both are rejected. ``not`` applies to the
comparison that follows it (``not Code eq '1'`` means ``not (Code eq '1')``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from onec_bridge.emulator.errors import ODataError, bad_option
from onec_bridge.emulator.filter_ast import (
    BinaryOp,
    Call,
    Expr,
    Lambda,
    Literal,
    PropertyPath,
    UnaryOp,
)
from onec_bridge.emulator.model import EdmType

__all__ = ["COMPARISON_OPERATORS", "parse_filter"]

COMPARISON_OPERATORS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
_ADDITIVE = frozenset({"add", "sub"})
_MULTIPLICATIVE = frozenset({"mul", "div", "mod"})
_UNSUPPORTED_OPERATORS = frozenset({"mod", "in", "has"})
_KEYWORDS = COMPARISON_OPERATORS | _ADDITIVE | _MULTIPLICATIVE | {"and", "or", "not"}

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<guid>guid'(?P<guid_value>[^']*)')
  | (?P<datetime>datetime'(?P<datetime_value>[^']*)')
  | (?P<string>'(?P<string_value>(?:[^']|'')*)')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[MmDdLlFf]?)
  | (?P<name>[^\W\d]\w*)
  | (?P<punct>[(),/:])
    """,
    re.VERBOSE,
)
_GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    position: int
    value: object = None


def _tokenize(text: str, option: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise bad_option(option, f"unexpected character {text[position]!r} at {position}")
        kind = match.lastgroup or ""
        if kind in ("guid_value", "datetime_value", "string_value"):
            kind = kind.removesuffix("_value")
        if kind != "space":
            tokens.append(_make_token(match, kind, position, option))
        position = match.end()
    tokens.append(_Token("eof", "", len(text)))
    return tokens


def _make_token(match: re.Match[str], kind: str, position: int, option: str) -> _Token:
    text = match.group(0)
    if kind == "string":
        return _Token(kind, text, position, match.group("string_value").replace("''", "'"))
    if kind == "guid":
        value = match.group("guid_value")
        if not _GUID_RE.match(value):
            raise bad_option(option, f"invalid guid literal {text!r} at {position}")
        return _Token(kind, text, position, value.lower())
    if kind == "datetime":
        return _Token(kind, text, position, _parse_datetime(match.group("datetime_value"), option))
    return _Token(kind, text, position)


def _parse_datetime(text: str, option: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_option(
            option, f"invalid datetime literal {text!r}; use datetime'YYYY-MM-DDTHH:MM:SS'"
        ) from None
    if moment.tzinfo is not None:
        raise bad_option(option, f"datetime {text!r} has an offset; 1C dates are local")
    return moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")


def _number_literal(text: str) -> Literal:
    body = text.rstrip("MmDdLlFf")
    if text[-1:] in ("L", "l") or re.fullmatch(r"-?\d+", body):
        return Literal(int(body), EdmType.INT64)
    return Literal(Decimal(body), EdmType.DOUBLE)  # exact digits, as 1C's numbers are


class _Parser:
    def __init__(self, text: str, option: str) -> None:
        self.option = option
        self.tokens = _tokenize(text, option)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def error(self, detail: str) -> ODataError:
        token = self.current
        where = "the end" if token.kind == "eof" else f"{token.text!r} at {token.position}"
        return bad_option(self.option, f"{detail} (near {where})")

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def accept_word(self, words: frozenset[str] | set[str]) -> str | None:
        token = self.current
        if token.kind == "name" and token.text in words:
            self.index += 1
            return token.text
        return None

    def expect_punct(self, char: str) -> None:
        if self.current.kind != "punct" or self.current.text != char:
            raise self.error(f"expected {char!r}")
        self.index += 1

    def parse(self) -> Expr:
        expr = self.parse_or()
        if self.current.kind != "eof":
            word = self.current.text
            if word in _UNSUPPORTED_OPERATORS:
                raise self.error(f"operator {word!r} is not supported by 1C")
            raise self.error("unexpected token")
        return expr

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while self.accept_word({"or"}):
            left = BinaryOp("or", left, self.parse_and())
        return left

    def parse_and(self) -> Expr:
        left = self.parse_not()
        while self.accept_word({"and"}):
            left = BinaryOp("and", left, self.parse_not())
        return left

    def parse_not(self) -> Expr:
        if self.accept_word({"not"}):
            return UnaryOp("not", self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self) -> Expr:
        left = self.parse_additive()
        operator = self.accept_word(COMPARISON_OPERATORS)
        if operator is None:
            return left
        return BinaryOp(operator, left, self.parse_additive())

    def parse_additive(self) -> Expr:
        left = self.parse_multiplicative()
        while operator := self.accept_word(_ADDITIVE):
            left = BinaryOp(operator, left, self.parse_multiplicative())
        return left

    def parse_multiplicative(self) -> Expr:
        left = self.parse_primary()
        while operator := self.accept_word(_MULTIPLICATIVE):
            if operator == "mod":
                raise self.error("operator 'mod' is not supported by 1C")
            left = BinaryOp(operator, left, self.parse_primary())
        return left

    def parse_primary(self) -> Expr:
        token = self.current
        if token.kind == "punct" and token.text == "(":
            self.advance()
            inner = self.parse_or()
            self.expect_punct(")")
            return inner
        if token.kind in ("string", "guid", "datetime", "number"):
            self.advance()
            return _literal(token)
        if token.kind == "name" and token.text not in _KEYWORDS:
            return self.parse_name()
        raise self.error("expected a property, literal or function")

    def parse_name(self) -> Expr:
        word = self.advance().text
        if word in ("true", "false"):
            return Literal(word == "true", EdmType.BOOLEAN)
        if word == "null":
            return Literal(None, None)
        if self.current.kind == "punct" and self.current.text == "(":
            return Call(word.lower(), self.parse_arguments())
        segments = [word]
        while self.current.kind == "punct" and self.current.text == "/":
            self.advance()
            if self.current.kind != "name":
                raise self.error("expected a property name after '/'")
            segment = self.advance().text
            if segment in ("any", "all") and self.current.text == "(":
                return self.parse_lambda(PropertyPath(tuple(segments)), segment)
            segments.append(segment)
        return PropertyPath(tuple(segments))

    def parse_arguments(self) -> tuple[Expr, ...]:
        self.expect_punct("(")
        args: list[Expr] = []
        if self.current.text != ")":
            args.append(self.parse_or())
            while self.current.kind == "punct" and self.current.text == ",":
                self.advance()
                args.append(self.parse_or())
        self.expect_punct(")")
        return tuple(args)

    def parse_lambda(self, collection: PropertyPath, quantifier: str) -> Expr:
        self.expect_punct("(")
        if self.current.text == ")":
            self.advance()
            return Lambda(collection, quantifier, None, None)
        if self.current.kind != "name":
            raise self.error("expected a lambda variable")
        variable = self.advance().text
        self.expect_punct(":")
        body = self.parse_or()
        self.expect_punct(")")
        return Lambda(collection, quantifier, variable, body)


def _literal(token: _Token) -> Literal:
    if token.kind == "string":
        return Literal(token.value, EdmType.STRING)
    if token.kind == "guid":
        return Literal(token.value, EdmType.GUID)
    if token.kind == "datetime":
        return Literal(token.value, EdmType.DATETIME)
    return _number_literal(token.text)


def parse_filter(text: str, option: str = "$filter") -> Expr:
    """Parse ``text``; a syntax error becomes 1C's 400 with code 14 naming the position."""
    if not text.strip():
        raise bad_option(option, "the expression is empty")
    return _Parser(text, option).parse()
