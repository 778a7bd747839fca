"""Digital's test language: the text of a ``Testcase`` element, read into rows.

A test is a header of signal names, then rows of values: numbers, ``X`` (don't care),
``(expr)``; ``loop(v, n) ... end loop``, ``repeat(n)``, ``bits(n, expr)`` (n one-bit
values, MSB first), ``let v = expr;``, ``while``, and ``#`` comments, evaluated with
Java's 64-bit ``long`` arithmetic as Digital does. :func:`parse_testdata` unrolls every
loop into plain rows (:class:`DigitalTest`); :func:`adders.digital.run_digital_tests`
runs them against a circuit.

>>> t = parse_testdata("A B Y\\nloop(a, 2)\\n loop(b, 2)\\n  (a) (b) (a & b)\\n end loop\\nend loop\\n")
>>> t.names, t.rows
(('A', 'B', 'Y'), ((0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)))
"""
from __future__ import annotations

import bisect
import random
import struct
from dataclasses import dataclass

from .errors import CarrylabTypeError, CarrylabValueError, CircuitFileError

__all__ = ["parse_testdata", "DigitalTest"]

_KEYWORDS = {"end": "END", "loop": "LOOP", "repeat": "REPEAT", "bits": "BITS", "let": "LET",
             "resetRandom": "RESETRANDOM", "while": "WHILE", "declare": "DECLARE",
             "program": "PROGRAM", "init": "INIT", "memory": "MEMORY"}
_SINGLE = {"(": "OPEN", ")": "CLOSE", ";": "SEMICOLON", "&": "AND", "|": "OR", "^": "XOR",
           "+": "ADD", "-": "SUB", "*": "MUL", "%": "MOD", "/": "DIV", "~": "BIN_NOT",
           ",": "COMMA", "=": "EQUAL"}
_SHOWN = {**{token: repr(char) for char, token in _SINGLE.items()}, "EOF": "end of text",
          "EOL": "end of line", "SHL": "'<<'", "SHR": "'>>'", "LT": "'<'", "LE": "'<='",
          "GT": "'>'", "GE": "'>='", "NE": "'!='", "LOG_NOT": "'!'"}
# Binary operators by precedence level, tightest first (Digital's OperatorPrecedence).
_LEVELS = [("MUL", "DIV", "MOD"), ("ADD", "SUB"), ("SHL", "SHR"), ("LT", "LE", "GT", "GE"),
           ("EQUAL", "NE"), ("AND",), ("XOR",), ("OR",)]
_MAX_ROWS = 1 << 22


def _long(v: int) -> int:
    """Python int -> Java ``long`` (two's complement, 64 bits)."""
    return ((v + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)


def _java_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return _long(q if (a >= 0) == (b >= 0) else -q)


_BINARY = {
    "MUL": lambda a, b: _long(a * b), "ADD": lambda a, b: _long(a + b),
    "SUB": lambda a, b: _long(a - b), "DIV": _java_div,
    "MOD": lambda a, b: _long(a - b * _java_div(a, b)),
    "SHL": lambda a, b: _long(a << (b & 63)), "SHR": lambda a, b: a >> (b & 63),
    "LT": lambda a, b: int(a < b), "LE": lambda a, b: int(a <= b),
    "GT": lambda a, b: int(a > b), "GE": lambda a, b: int(a >= b),
    "EQUAL": lambda a, b: int(a == b), "NE": lambda a, b: int(a != b),
    "AND": lambda a, b: a & b, "XOR": lambda a, b: a ^ b, "OR": lambda a, b: a | b,
}


def _decode(text: str) -> int:
    """Digital's number syntax: decimal, 0x hex, 0b binary, leading 0 octal, floats."""
    s = text.strip()
    if not s:
        return 0
    if ":" in s:
        value, frac = s.split(":", 1)
        return _long(int(float(value) * (1 << abs(int(frac))) + 0.5))
    if "." in s:
        if s[-1] in "dD":
            return _long(struct.unpack(">q", struct.pack(">d", float(s[:-1])))[0])
        return struct.unpack(">i", struct.pack(">f", float(s)))[0]
    neg = s.startswith("-")
    p = 1 if neg else 0
    if p >= len(s):
        raise CarrylabValueError(f"not a number: {s!r}")
    zero = False
    while p < len(s) and s[p] == "0":
        zero, p = True, p + 1
    if p >= len(s):
        return 0
    radix = 10
    if zero:
        if neg:
            raise CarrylabValueError(f"not a number: {s!r}")
        radix = {"x": 16, "X": 16, "b": 2, "B": 2}.get(s[p], 8)
        if radix != 8:
            p += 1
            if p == len(s):
                raise CarrylabValueError(f"not a number: {s!r}")
    value = 0
    for ch in s[p:]:
        value = _long(value * radix + int(ch, radix))      # int() raises on a bad digit
    return _long(-value) if neg else value


class _Scanner:
    """Digital's test-data tokenizer: one character of look-back, ``#`` comments, and an
    end of line that a peek consumes."""

    def __init__(self, text: str):
        self.text, self.i = text, 0
        self.newlines = [k for k, ch in enumerate(text) if ch == "\n"]
        self.back: str | None = None
        self.back_at = 0
        self.at = 0                  # index of the character read last
        self.cached: str | None = None
        self.ident = ""
        self.line = 1                # line where the last token began

    def _int(self) -> str:
        if self.back is not None:
            c, self.back, self.at = self.back, None, self.back_at
            return c
        self.at = self.i
        if self.i >= len(self.text):
            return ""
        c = self.text[self.i]
        self.i += 1
        return c

    def _unread(self, c: str):
        self.back, self.back_at = c, self.at

    def _char(self) -> str:
        c = self._int()
        if c == "#":
            while c not in ("\n", ""):
                c = self._int()
        return c

    def peek(self) -> str:
        if self.cached is not None:
            return self.cached
        c = self._char()
        while c in (" ", "\t"):
            c = self._char()
        self.line = bisect.bisect_left(self.newlines, self.at) + 1
        if c == "":
            token = "EOF"
        elif c in "\n\r":
            return "EOL"
        elif c in _SINGLE:
            token = _SINGLE[c]
        elif c in "<>":
            nxt = self._char()
            if nxt == c:
                token = "SHL" if c == "<" else "SHR"
            elif nxt == "=":
                token = "LE" if c == "<" else "GE"
            else:
                self._unread(nxt)
                token = "LT" if c == "<" else "GT"
        elif c == "!":
            nxt = self._char()
            if nxt == "=":
                token = "NE"
            else:
                self._unread(nxt)
                token = "LOG_NOT"
        elif c.isascii() and (c.isalpha() or c == "_"):
            chars = [c]
            c = self._char()
            while c.isascii() and (c.isalnum() or c == "_"):
                chars.append(c)
                c = self._char()
            self._unread(c)
            self.ident = "".join(chars)
            token = _KEYWORDS.get(self.ident, "IDENT")
        elif c.isascii() and c.isdigit():
            chars = [c]
            c = self._char()
            while c and (c.isascii() and (c.isdigit() or c in "abcdefABCDEFxX:.")):
                chars.append(c)
                c = self._char()
            self._unread(c)
            self.ident = "".join(chars)
            token = "NUMBER"
        else:
            self.ident, token = c, "UNKNOWN"
        self.cached = token
        return token

    def next(self) -> str:
        token = self.peek()
        self.cached = None
        return token

    def header_name(self) -> str:
        """Digital's ``simpleIdent``: a signal name of the header, EOL or EOF."""
        chars = []
        while True:
            c = self._char()
            if c == "":
                return "EOF"
            if c in "\n\r":
                if chars:
                    self._unread(c)
                    self.ident = "".join(chars)
                    return "IDENT"
                return "EOL"
            if c in " \t":
                if chars:
                    self.ident = "".join(chars)
                    return "IDENT"
            else:
                chars.append(c)

    def skip_empty_lines(self):
        c = self._char()
        while c in ("\n", "\r", " "):
            c = self._char()
        self._unread(c)


class _Context:
    def __init__(self, parent=None):
        self.parent, self.vars = parent, {}

    def get(self, name: str, fail):
        ctx = self
        while ctx is not None:
            if name in ctx.vars:
                return ctx.vars[name]
            ctx = ctx.parent
        fail(f"variable {name!r} is not defined (carrylab's tests cannot read circuit outputs)")


class _TestParser:
    def __init__(self, text: str, origin: str):
        self.tok = _Scanner(text)
        self.origin = origin
        self.random = random.Random(0)

    def fail(self, message: str):
        raise CircuitFileError(f"{self.origin}, line {self.tok.line}: {message}")

    def unexpected(self, token: str):
        if token in ("IDENT", "NUMBER", "UNKNOWN"):
            shown = repr(self.tok.ident)
        else:
            shown = _SHOWN.get(token) or repr(token.lower())
        self.fail(f"unexpected {shown}")

    def expect(self, token: str):
        got = self.tok.next()
        if got != token:
            self.unexpected(got)

    def number(self) -> int:
        try:
            return _decode(self.tok.ident)
        except ValueError:
            self.fail(f"{self.tok.ident!r} is not a number")

    def parse(self):
        self.tok.skip_empty_lines()
        names = []
        while True:
            token = self.tok.header_name()
            if token == "IDENT":
                if self.tok.ident in names:
                    self.fail(f"signal {self.tok.ident!r} appears twice in the header")
                names.append(self.tok.ident)
            elif token == "EOL" and names:
                break
            elif token == "EOF":
                self.fail("the test has no rows" if names else "the test is empty")
            elif token != "EOL":
                self.unexpected(token)
            else:
                self.fail("the first line must name the signals")
        self.names = names
        body = self.rows(None)
        self.expect("EOF")
        return names, body

    def rows(self, end: str | None):
        items = []
        while True:
            t = self.tok.peek()
            if t == "EOL":
                continue
            if t == "EOF":
                if end is not None:
                    self.fail(f"'{end.lower()}' without 'end {end.lower()}'")
                return items
            if t in ("BITS", "OPEN", "IDENT", "NUMBER"):
                items.append(self.row())
            elif t == "END":
                self.tok.next()
                self.expect(end or "EOF")
                return items
            elif t == "LET":
                self.tok.next()
                self.expect("IDENT")
                var = self.tok.ident
                self.expect("EQUAL")
                expr = self.expression()
                self.expect("SEMICOLON")
                items.append(lambda ctx, out, var=var, expr=expr: ctx.vars.__setitem__(var, expr(ctx)))
            elif t == "RESETRANDOM":
                self.tok.next()
                self.expect("SEMICOLON")
                items.append(lambda ctx, out: self.random.seed(0))
            elif t in ("REPEAT", "LOOP"):
                self.tok.next()
                self.expect("OPEN")
                var = "n"
                if t == "LOOP":
                    self.expect("IDENT")
                    var = self.tok.ident
                    self.expect("COMMA")
                count = self.expression()(_Context())
                self.expect("CLOSE")
                if count > 1 << 24:
                    self.fail(f"too many iterations: {count}")
                inner = [self.row()] if t == "REPEAT" else self.rows("LOOP")
                items.append(self._loop(var, count, inner))
            elif t == "WHILE":
                self.tok.next()
                self.expect("OPEN")
                cond = self.expression()
                self.expect("CLOSE")
                inner = self.rows("WHILE")
                items.append(self._while(cond, inner))
            elif t in ("DECLARE", "PROGRAM", "INIT", "MEMORY"):
                self.fail(f"{t.lower()!r} is not supported by carrylab's test runner "
                          f"(combinational circuits only)")
            else:
                self.unexpected(self.tok.next())

    @staticmethod
    def _run(items, ctx, out):
        for item in items:
            item(ctx, out)

    def _loop(self, var, count, inner):
        def emit(ctx, out):
            child = _Context(ctx)
            for i in range(count):
                child.vars[var] = i
                self._run(inner, child, out)
        return emit

    def _while(self, cond, inner):
        def emit(ctx, out):
            while cond(ctx) != 0:
                if len(out) > _MAX_ROWS:
                    self.fail(f"more than {_MAX_ROWS} rows")
                self._run(inner, ctx, out)
        return emit

    def row(self):
        line = self.tok.line
        parts = []
        while True:
            t = self.tok.next()
            if t == "NUMBER":
                parts.append(("value", self.number()))
            elif t == "BITS":
                self.expect("OPEN")
                count = self.expression()(_Context())
                self.expect("COMMA")
                expr = self.expression()
                self.expect("CLOSE")
                parts.append(("bits", count, expr))
            elif t == "IDENT":
                word = self.tok.ident.upper()
                if word in ("X", "Z", "C"):
                    parts.append(("value", word))
                else:
                    try:
                        parts.append(("value", _decode(word)))
                    except ValueError:
                        self.fail(f"{self.tok.ident!r} is not a number")
            elif t == "OPEN":
                parts.append(("expr", self.expression()))
                self.expect("CLOSE")
            elif t in ("EOL", "EOF"):
                break
            else:
                self.unexpected(t)
        size = len(self.names)

        def emit(ctx, out):
            values = []
            for part in parts:
                if part[0] == "value":
                    values.append(part[1])
                elif part[0] == "expr":
                    values.append(part[1](ctx))
                else:
                    v = part[2](ctx)
                    values += [(v >> k) & 1 for k in reversed(range(part[1]))]
            if len(values) != size:
                raise CircuitFileError(f"{self.origin}, line {line}: {size} values expected, "
                                       f"found {len(values)}")
            if len(out) >= _MAX_ROWS:
                raise CircuitFileError(f"{self.origin}: more than {_MAX_ROWS} test rows")
            out.append(tuple(values))
        return emit

    def expression(self, level: int = len(_LEVELS) - 1):
        if level < 0:
            return self.operand()
        left = self.expression(level - 1)
        while self.tok.peek() in _LEVELS[level]:
            op = _BINARY[self.tok.next()]
            right = self.expression(level - 1)
            left = (lambda a, b, f: lambda ctx: f(a(ctx), b(ctx)))(left, right, op)
        return left

    def operand(self):
        t = self.tok.next()
        if t == "IDENT":
            name = self.tok.ident
            if self.tok.peek() == "OPEN":
                args = []
                while True:
                    self.tok.next()
                    args.append(self.expression())
                    if self.tok.peek() != "COMMA":
                        break
                self.expect("CLOSE")
                return self.function(name, args)
            return lambda ctx: ctx.get(name, self.fail)
        if t == "NUMBER":
            value = self.number()
            return lambda ctx: value
        if t in ("SUB", "BIN_NOT", "LOG_NOT"):
            inner = self.operand()
            if t == "SUB":
                return lambda ctx: _long(-inner(ctx))
            if t == "BIN_NOT":
                return lambda ctx: ~inner(ctx)
            return lambda ctx: int(inner(ctx) == 0)
        if t == "OPEN":
            expr = self.expression()
            self.expect("CLOSE")
            return expr
        self.unexpected(t)

    def function(self, name: str, args):
        arity = {"signExt": 2, "random": 1, "ite": 3}
        if name not in arity:
            self.fail(f"unknown function {name!r}")
        if len(args) != arity[name]:
            self.fail(f"{name} takes {arity[name]} arguments, found {len(args)}")
        if name == "ite":
            return lambda ctx: args[1](ctx) if args[0](ctx) != 0 else args[2](ctx)
        if name == "random":
            return lambda ctx: self.random.getrandbits(64) % max(args[0](ctx) & ((1 << 64) - 1), 1)

        def sign_ext(ctx):
            bits, value = args[0](ctx), args[1](ctx)
            if not 0 <= bits <= 63:
                self.fail(f"signExt: invalid bit count {bits}")
            mask = (1 << bits) - 1
            return _long(value | ~mask) if bits and (value >> (bits - 1)) & 1 else value & mask
        return sign_ext


@dataclass(frozen=True)
class DigitalTest:
    """The rows of one Digital test: ``names`` (the header) and ``rows``, one tuple per
    test row with loops unrolled; a value is a Java ``long`` or ``"X"`` (don't care),
    ``"Z"`` or ``"C"``."""
    label: str
    names: tuple
    rows: tuple
    origin: str = "Testdata"


def parse_testdata(text: str, label: str = "", origin: str = "Testdata") -> DigitalTest:
    """Parse the text of a Digital test (the ``Testdata`` of a ``Testcase`` element).

    >>> t = parse_testdata("A B Y\\nloop(a, 2)\\n loop(b, 2)\\n  (a) (b) (a & b)\\n end loop\\nend loop\\n")
    >>> t.names, t.rows
    (('A', 'B', 'Y'), ((0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)))
    """
    if not isinstance(text, str):
        raise CarrylabTypeError(f"text must be a str, got {type(text).__name__}")
    parser = _TestParser(text, origin)
    names, body = parser.parse()
    out: list = []
    parser._run(body, _Context(), out)
    return DigitalTest(label, tuple(names), tuple(out), origin)
