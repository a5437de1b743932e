"""JavaScript, Ruby, Perl, PHP, Lua and R code, parsed just enough to follow it: statements, blocks,
expressions with their precedence, calls (with and without parentheses), callbacks and blocks, and the
values carried between them — as `pycode` does for Python with `ast`.

The parser evaluates as it reads: a call's callee and arguments are values (`values.Val`) by the time the
call is seen, so `const cp = require('child' + '_process'); cp.execSync('rm -rf ~')`,
`$f = "sys"."tem"; $f("…")` and `Dir.glob("/boot/*").each { |f| File.delete(f) }` are understood as what
they run. Each language (`Language`) names its keywords, its global objects, the functions it knows
(`FUNCTIONS`: qualified name -> handler) and the methods of plain values that change nothing. A call to
anything else is not understood; so is syntax the parser cannot follow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.services import service_attribute, service_call
from changegate.understand.commands.interpreters.tokens import Syntax, Token, tokenize
from changegate.understand.commands.interpreters.values import Val, concat, merge

MAX_DEPTH = 150
NOT_MINE = "\x00not handled"  # a fallback handler's answer for a name it does not know


class Unparsed(Exception):
    """Syntax the parser does not follow."""


@dataclass
class ScriptCall:
    """One call: the qualified name of what is called (or ""), the value called, its arguments, its keyword
    arguments (Ruby `key: v`, R `key = v`, PHP `name: v`), and the receiver of a method."""

    name: str
    callee: Val
    args: list[Val]
    kwargs: dict[str, Val] = field(default_factory=dict)
    receiver: Val | None = None
    text: str = ""

    def arg(self, index: int, *names: str) -> Val:
        for name in names:
            if name in self.kwargs:
                return self.kwargs[name]
        return self.args[index] if index < len(self.args) else Val.unknown()

    def option(self, name: str) -> Val | None:
        """An option given as a keyword argument or in a trailing options object (`{recursive: true}`)."""
        if name in self.kwargs:
            return self.kwargs[name]
        for arg in reversed(self.args):
            if arg.kind == "dict" and name in arg.fields:
                return arg.fields[name]
        return None


Handler = Callable[["Script", ScriptCall], Val]
MethodHandler = Callable[["Script", Val, str, ScriptCall], "Val | None"]


@dataclass(frozen=True)
class Language:
    name: str
    syntax: Syntax
    functions: Mapping[str, Handler]  # qualified name -> what calling it does
    globals: Mapping[str, Val]  # names that exist without being defined (`console`, `process`, `File`)
    pure: frozenset[str] = frozenset()  # modules / prefixes all of whose functions only compute
    safe_methods: frozenset[str] = frozenset()  # methods of plain values (strings, arrays, hashes)
    iterating: frozenset[str] = frozenset()  # methods that call their block with each element
    block_style: str = "brace"  # "brace" ({ … }), "end" (Ruby, Lua: … end)
    bareword_calls: bool = False  # a bare name is a call (Perl, Ruby)
    paren_less: frozenset[str] = frozenset()  # names called without parentheses (`print x`, `system "…"`)
    concat_ops: frozenset[str] = frozenset({"+"})
    named_args: str = ""  # "=" (R), ":" (Ruby, PHP 8): how a call's keyword arguments are written
    declarations: frozenset[str] = frozenset()  # `const`, `let`, `var`, `my`, `local`, …
    method_ops: frozenset[str] = frozenset({"."})  # what separates an object from its method
    aliases: Mapping[str, str] = field(default_factory=dict)  # module or function names as written -> canonical
    objects: Mapping[str, MethodHandler] = field(default_factory=dict)  # methods of objects (by kind)
    resolve_string_callee: bool = False  # `$f = "system"; $f(…)` (PHP)
    unary_file_tests: bool = False  # Perl's `-e $f`, `-d $dir`


BINARY_POWER = {
    "or": 2, "||": 3, "??": 3, "//": 3, "and": 4, "&&": 4, "|": 5, "^": 5, "&": 5, "==": 6, "!=": 6, "===": 6,
    "!==": 6, "<": 6, ">": 6, "<=": 6, ">=": 6, "<=>": 6, "=~": 6, "!~": 6, "eq": 6, "ne": 6, "lt": 6, "gt": 6,
    "le": 6, "ge": 6, "cmp": 6, "in": 6, "instanceof": 6, "%in%": 6, "..": 7, "...": 7, "<<": 9, ">>": 9, "+": 10,
    "-": 10, ".": 10, "*": 11, "/": 11, "%": 11, "x": 11, "%%": 11, "**": 12, "|>": 1, "%>%": 1,
}
ASSIGNMENTS = frozenset({"=", "+=", "-=", "*=", "/=", ".=", "||=", "&&=", "//=", "??=", "%=", "**=", "|=", "&=",
                         "<-", "<<=", ">>=", "^="})
STATEMENT_ENDS = frozenset({";"})
CLOSERS = frozenset({")", "]", "}"})
MODIFIERS = frozenset({"if", "unless", "while", "until", "for", "foreach"})


class Script:
    """Reads one program of `language` into `actions`."""

    def __init__(self, actions: Actions, language: Language) -> None:
        self.actions = actions
        self.lang = language
        self.tokens: list[Token] = []
        self.pos = 0
        self.scopes: list[dict[str, Val]] = [{}]
        self.loops: list[bool] = []
        self.depth = 0
        self.forks = 0
        self.functions: dict[str, Val] = {}
        self.returns: list[list[Val]] = []
        self.hints: list[Val | None] = []

    # --- entry ---------------------------------------------------------------------------------------------
    def run(self, code: str, origin: str) -> None:
        self.actions.allow_time(code)
        self.tokens = tokenize(code, self.lang.syntax)
        self.pos = 0
        self.hoist()
        error = next((t for t in self.tokens if t.kind == "error"), None)
        try:
            self.statements(stop=frozenset())
        except Unparsed as exc:
            self.actions.unknown(f"uses syntax changegate does not follow ({origin}: {exc})")
        except RecursionError:
            self.actions.unknown(f"nests too deeply to follow ({origin})")
        if error is not None:
            self.actions.unknown(f"cannot be read to its end ({origin}: {error.text})")

    def hoist(self) -> None:
        """Functions the program defines are known before it runs (JavaScript hoists them; a Ruby or Perl
        method may call one defined further down)."""
        for index, token in enumerate(self.tokens[:-1]):
            if token.kind == "name" and token.text in DEFINING_WORDS:
                name = self.tokens[index + 1]
                if name.kind == "name" and name.text not in self.functions:
                    self.functions[name.text] = Val("fn", name=name.text)

    # --- tokens ----------------------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token:
        index = min(self.pos + offset, len(self.tokens) - 1)
        return self.tokens[index]

    def next(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind in ("op", "name") and token.text in texts

    def accept(self, *texts: str) -> bool:
        if self.at(*texts):
            self.pos += 1
            return True
        return False

    def expect(self, text: str) -> None:
        self.skip_lines()
        if not self.accept(text):
            raise Unparsed(f"expected {text!r} near {self.near()!r}")

    def near(self) -> str:
        return " ".join(t.text for t in self.tokens[self.pos:self.pos + 4] if t.kind != "eol")[:40]

    def skip_lines(self) -> None:
        while self.peek().kind == "eol":
            self.pos += 1

    def at_end_of_statement(self) -> bool:
        token = self.peek()
        return token.kind in ("eol", "end") or (token.kind == "op" and token.text in (";", "}", ")", "]")) or \
            (token.kind == "name" and token.text in ("end", "then", "do") and self.lang.block_style == "end")

    # --- names -----------------------------------------------------------------------------------------------
    def bind(self, name: str, value: Val, *, declare: bool = False) -> None:
        if not declare:
            for scope in reversed(self.scopes):
                if name in scope:
                    scope[name] = value
                    return
        self.scopes[-1][name] = value

    def lookup(self, name: str) -> Val | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.functions:
            return self.functions[name]
        return None

    def global_name(self, name: str) -> Val:
        known = self.lang.globals.get(name)
        if known is not None:
            return known
        if name[:1].isupper() and self.lang.name == "Ruby":
            return Val("module", name=name)  # a constant: a class or module
        canonical = self.lang.aliases.get(name, name)
        if canonical in self.lang.functions or self.is_pure(canonical):
            return Val("func", name=canonical)
        return Val("func", name=name) if self.lang.bareword_calls else Val.unknown(f"the name {name}")

    def known_function(self, name: str) -> bool:
        canonical = self.lang.aliases.get(name, name)
        return canonical in self.lang.functions or canonical in self.functions or self.is_pure(canonical) or \
            self.lookup(name) is not None

    def is_pure(self, name: str) -> bool:
        parts = name.replace("::", ".").split(".")
        return any(".".join(parts[:i]) in self.lang.pure for i in range(1, len(parts) + 1))

    # --- statements --------------------------------------------------------------------------------------------
    def statements(self, stop: frozenset[str]) -> None:
        while True:
            self.actions.tick()
            token = self.peek()
            if token.kind == "end":
                return
            if token.kind == "eol" or (token.kind == "op" and token.text == ";"):
                self.pos += 1
                continue
            if token.kind in ("op", "name") and token.text in stop:
                return
            if token.kind == "op" and token.text in CLOSERS:
                if stop:
                    return
                self.pos += 1  # a stray closer at the top (`}` of a BEGIN block we did not open)
                continue
            before = self.pos
            self.statement()
            if self.pos == before:
                raise Unparsed(f"near {self.near()!r}")

    def block(self, *, loop: bool = False, endless: bool = False, params: Sequence[tuple[str, Val]] = ()) -> None:
        """A `{ … }` block (or a single statement where there are no braces)."""
        self.skip_lines()
        self.enter_scope(params, loop=loop, endless=endless)
        try:
            if self.accept("{"):
                self.statements(stop=frozenset({"}"}))
                self.expect("}")
            else:
                self.statement()
        finally:
            self.leave_scope(loop)

    def end_block(self, stops: frozenset[str], *, loop: bool = False, endless: bool = False,
                  params: Sequence[tuple[str, Val]] = ()) -> str:
        """Statements up to one of `stops` (Ruby and Lua: `end`, `else`, `elsif`, …): the stop reached."""
        self.enter_scope(params, loop=loop, endless=endless)
        try:
            self.statements(stop=stops)
        finally:
            self.leave_scope(loop)
        token = self.peek()
        if token.text not in stops:
            raise Unparsed(f"expected one of {sorted(stops)} near {self.near()!r}")
        self.pos += 1
        return token.text

    def enter_scope(self, params: Sequence[tuple[str, Val]], *, loop: bool, endless: bool) -> None:
        self.scopes.append(dict(params))
        if loop:
            self.loops.append(endless)

    def leave_scope(self, loop: bool) -> None:
        self.scopes.pop()
        if loop:
            self.loops.pop()

    def in_endless_loop(self) -> bool:
        return any(self.loops)

    def in_loop(self) -> bool:
        return bool(self.loops)

    def statement(self) -> None:
        token = self.peek()
        if token.kind == "name":
            handler = STATEMENTS.get((self.lang.block_style, token.text)) or STATEMENTS.get(("*", token.text))
            if handler is not None and self.lookup(token.text) is None:
                handler(self)
                return
        if token.kind == "op" and token.text == "{" and self.lang.block_style == "brace":
            self.block()
            return
        forks = self.forks
        self.expression()
        self.modifiers(forks)

    def modifiers(self, forks: int) -> None:
        """Perl's and Ruby's `STATEMENT if COND`, `fork while 1`: a loop modifier that never ends around a fork
        is a fork bomb."""
        while self.peek().kind == "name" and self.peek().text in MODIFIERS and self.lang.bareword_calls:
            keyword = self.next().text
            condition = self.expression()
            if keyword in ("while", "until") and self.forks > forks and constant_loop(keyword, condition):
                self.actions.fork(in_loop=True, evidence=keyword)
            elif keyword in ("for", "foreach", "while", "until") and self.forks > forks:
                self.actions.fork(in_loop=False, looped=True, evidence=keyword)

    # --- expressions -------------------------------------------------------------------------------------------
    def expression(self, power: int = 0) -> Val:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise Unparsed("nesting too deep")
            left = self.unary()
            return self.binary(left, power)
        finally:
            self.depth -= 1

    def binary(self, left: Val, power: int) -> Val:
        while True:
            token = self.peek()
            if token.kind == "eol":
                if self.continues_on_next_line():
                    self.skip_lines()
                    continue
                return left
            if token.kind not in ("op", "name"):
                return left
            op = token.text
            if op in ASSIGNMENTS and power <= 1:
                self.pos += 1
                self.skip_lines()
                value = self.expression(1)
                return self.assigned(left, op, value)
            if op == "?" and power <= 2 and token.kind == "op":
                self.pos += 1
                self.skip_lines()
                yes = self.expression(2)
                self.skip_lines()
                if not self.accept(":"):
                    raise Unparsed(f"a ? without : near {self.near()!r}")
                no = self.expression(2)
                left = merge([yes, no])
                continue
            if token.kind == "name" and op not in WORD_OPERATORS.get(self.lang.name, ()):
                return left
            bound = BINARY_POWER.get(op)
            if op == "." and "." not in self.lang.concat_ops:
                return left
            if op == ":" or bound is None or bound <= power:
                return left
            self.pos += 1
            self.skip_lines()
            right = self.expression(bound - 1 if op == "**" else bound)  # `**` groups to the right
            left = self.combine(op, left, right)

    def continues_on_next_line(self) -> bool:
        """A line that starts with `.method` or an operator continues the expression (method chains)."""
        index = self.pos
        while self.tokens[index].kind == "eol":
            index += 1
        token = self.tokens[index]
        return (token.kind == "op" and token.text in (".", "&.", "?.", "&&", "||", "+", "|>", "%>%") and \
            self.lang.block_style != "end") or (token.kind == "op" and token.text in (".", "&."))

    def combine(self, op: str, left: Val, right: Val) -> Val:
        if op in self.lang.concat_ops and (left.textual or right.textual or op != "+"):
            return concat([left, right])
        if op in ("||", "or", "??", "//"):
            return left if left.literal() else right
        if op in ("&&", "and"):
            return right
        if op in ("|>", "%>%"):
            return right
        if op in ("+", "-", "*", "/", "%", "**") and left.kind == "num" and right.kind == "num":
            return Val("num")
        return Val.data() if left.kind != "unknown" and right.kind != "unknown" else Val.unknown("a computed value")

    def assigned(self, target: Val, op: str, value: Val) -> Val:
        name = target.name if target.kind == "ref" and target.bound is None else None
        current = target.elem if name is not None and target.elem is not None else target
        if op in ("||=", "//=", "??="):
            value = current if current.literal() else value
        elif op in ("+=", ".=") and current.textual:
            value = concat([current, value])
        place = target.fields.get("\x00place")
        if place is not None and place.name == "env":
            if place.text:
                self.actions.ctx.env[place.text] = value.text_or_unknown()
            return value
        if name is not None:
            self.bind(name, value)
        elif target.kind == "list" and target.items is not None:
            refs = [t for t in target.items if t.kind == "ref" and t.bound is None]
            items = value.items if value.items is not None and len(value.items) == len(refs) else None
            for index, ref in enumerate(refs):
                field_key = ref.fields.get("\x00key")
                if field_key is not None and not (field_key.text or "").isdigit():
                    self.bind(ref.name, self.member(value, field_key.text or ""))  # `const {a} = …`
                else:
                    self.bind(ref.name, items[index] if items is not None else value.iterated())
        return value

    def unary(self) -> Val:
        self.skip_lines_in_parens()
        token = self.peek()
        if token.kind == "op":
            if token.text in ("!", "-", "+", "~", "\\", "*", "...", "&", "@", "++", "--", "**"):
                self.pos += 1
                if token.text == "-" and self.lang.unary_file_tests and self.peek().kind == "name" and \
                        len(self.peek().text) == 1:
                    self.pos += 1  # `-e $f`, `-d $dir`: a test, not a minus
                    if not self.at_end_of_statement() and not self.at(")", ",", "||", "&&", "or", "and"):
                        self.expression(13)
                    return Val("bool")
                operand = self.unary_operand(token.text)
                if token.text in ("...", "*", "**") and operand.kind == "list":
                    return operand
                return operand if token.text in ("\\", "&", "@", "...", "*") else Val.data()
            if token.text == "<" and self.lang.name == "Perl":
                return self.perl_readline()
        if token.kind == "name" and token.text in ("not", "typeof", "void", "delete", "await", "defined", "new",
                                                    "yield", "async", "lambda", "proc", "clone", "print",
                                                    "local", "my", "our", "const", "let", "var", "sub", "function",
                                                    "fn", "do", "def", "return", "throw", "raise", "scalar"):
            handled = self.keyword_expression(token.text)
            if handled is not None:
                return handled
        return self.postfix(self.primary())

    def skip_lines_in_parens(self) -> None:
        if self.peek().kind == "eol" and self.depth > 1:
            self.skip_lines()

    def unary_operand(self, op: str) -> Val:
        value = self.expression(13)
        return value

    def keyword_expression(self, word: str) -> Val | None:
        if word in ("not", "typeof", "void", "defined", "yield", "await", "clone", "scalar", "throw", "raise"):
            self.pos += 1
            if self.at_end_of_statement():
                return Val.data()
            value = self.expression(13 if word not in ("throw", "raise", "yield") else 0)
            return value if word in ("await", "clone") else Val.data()
        if word == "return":
            self.pos += 1
            if self.at_end_of_statement() or self.at("if", "unless"):
                return Val("none")
            value = self.expression()
            if self.returns:
                self.returns[-1].append(value)
            return value
        if word == "delete" and self.lang.name == "JavaScript":
            self.pos += 1
            self.expression(13)
            return Val("bool")
        if word == "new":
            self.pos += 1
            callee = self.postfix(self.primary(), calls=False)
            args: list[Val] = []
            if self.accept("("):
                args, _ = self.arguments(")")
            return self.postfix(self.construct(callee, args))
        if word in ("my", "our", "local", "const", "let", "var") and word in self.lang.declarations:
            self.pos += 1
            return self.declared()
        if word in ("sub", "function", "fn", "lambda", "proc", "async") or (word == "def" and self.lang.name == "Ruby"):
            return self.function_literal()
        if word == "print" and self.lang.name == "PHP":
            return None
        if word == "do" and self.lang.block_style == "brace" and self.lang.name == "Perl":
            self.pos += 1
            if self.at("{"):
                self.block()
                return Val.data()
            return self.call_value(Val("func", name="do"), [self.expression()], {}, None, "do FILE")
        return None

    def declared(self) -> Val:
        """`my $x`, `local x`, `const {a, b}`: the names declared, as a target for `=`."""
        if self.accept("("):
            targets = []
            while not self.at(")"):
                token = self.next()
                if token.kind in ("var", "name"):
                    self.bind(token.text, Val.unknown(f"the variable {token.text}"), declare=True)
                    targets.append(Val("ref", name=token.text))
                if token.kind == "end":
                    raise Unparsed("an unclosed declaration")
            self.pos += 1
            return Val.list_of(targets)
        if self.at("{", "["):
            closer = "}" if self.next().text == "{" else "]"
            names = self.destructured(closer)
            return Val("list", items=tuple(Val("ref", name=n, fields={"\x00key": Val.string(k)}) for k, n in names))
        token = self.next()
        if token.kind not in ("var", "name"):
            raise Unparsed(f"a declaration of {token.text!r}")
        self.bind(token.text, Val.unknown(f"the variable {token.text}"), declare=True)
        if self.at(":") and self.lang.name == "JavaScript":  # TypeScript annotation: skip the type
            self.pos += 1
            self.primary()
        return Val("ref", name=token.text)

    def destructured(self, closer: str) -> list[tuple[str, str]]:
        """`{a, b: c, ...rest}` / `[a, b]`: (key, name) pairs, after the closer."""
        pairs: list[tuple[str, str]] = []
        index = 0
        while not self.accept(closer):
            self.skip_lines()
            token = self.next()
            if token.kind == "end":
                raise Unparsed("an unclosed destructuring")
            if token.kind == "op" and token.text in (",", "..."):
                if token.text == ",":
                    index += 1
                continue
            if token.kind == "name":
                key = token.text
                name = key
                if self.accept(":"):
                    name = self.next().text
                if self.accept("="):
                    self.expression(2)
                pairs.append((key if closer == "}" else str(index), name))
        return pairs

    def perl_readline(self) -> Val:
        """`<STDIN>`, `<$fh>`, `<>`: a line read; `<*.txt>`: a glob."""
        start = self.pos
        self.pos += 1
        inner: list[str] = []
        while not self.at(">"):
            token = self.next()
            if token.kind in ("end", "eol"):
                self.pos = start + 1
                return Val.data()
            inner.append(token.text)
        self.pos += 1
        text = "".join(inner)
        if any(c in text for c in "*?[") or "/" in text:
            return Val.list_of(elem=Val.path(text, glob=True))
        return Val.string(UNKNOWN_PART)

    # --- primaries and postfix ---------------------------------------------------------------------------------
    def primary(self) -> Val:
        token = self.next()
        kind = token.kind
        if kind == "str":
            return self.string(token)
        if kind == "num":
            return Val("num", text=token.text if token.text.isdigit() else None)
        if kind == "cmd":
            command = self.string(token)
            self.actions.shell(command, f"{self.lang.name} backticks")
            return Val.string(UNKNOWN_PART)
        if kind == "words":
            return Val.list_of([Val.string(w) for w in token.parts if isinstance(w, str)])
        if kind == "regex":
            return Val.data()
        if kind == "sym":
            return Val.string(token.text)
        if kind == "var":
            return self.variable(token)
        if kind == "name":
            return self.name(token)
        if kind == "op":
            if token.text == "(":
                return self.parenthesized()
            if token.text == "[":
                items, _ = self.arguments("]")
                return Val.list_of(items)
            if token.text == "{":
                return self.object_literal()
            if token.text == "->" and self.lang.name == "Ruby":
                return self.function_literal(arrow_lambda=True)
            if token.text == "$" and self.lang.name == "R":
                return Val.data()
        if kind == "end":
            raise Unparsed("the code ends in the middle of an expression")
        raise Unparsed(f"unexpected {token.text!r}")

    def string(self, token: Token) -> Val:
        parts: list[Val] = []
        for part in token.parts:
            if isinstance(part, str):
                parts.append(Val.string(part))
            else:
                parts.append(self.embedded(part))
        return concat(parts) if parts else Val.string("")

    def embedded(self, tokens: list[Token]) -> Val:
        """The value of code inside a string (`"#{x}"`, `"$h{k}"`, `` `${x}` ``)."""
        saved = self.tokens, self.pos
        self.tokens, self.pos = tokens, 0
        try:
            value = self.expression()
            while self.peek().kind not in ("end",):  # `#{a; b}`: the last statement is the value
                if not self.accept(";"):
                    self.next()
                    continue
                value = self.expression()
            return value if value.kind in ("str", "path", "num") else Val.string(UNKNOWN_PART)
        except Unparsed:
            return Val.string(UNKNOWN_PART)
        finally:
            self.tokens, self.pos = saved

    def assignment_target(self, name: str) -> Val | None:
        """A name about to be assigned (`x = …`, `$f .= …`): a reference to it, holding its current value."""
        token = self.peek()
        if token.kind == "op" and token.text in ASSIGNMENTS:
            return Val("ref", name=name, elem=self.lookup(name))
        return None

    def variable(self, token: Token) -> Val:
        name = token.text
        target = self.assignment_target(name)
        if target is not None:
            return target
        known = self.lookup(name)
        if known is not None:
            return known
        special = self.lang.globals.get(name)
        if special is not None:
            return special
        if self.lang.resolve_string_callee or self.lang.name == "Perl":
            return Val.unknown(f"the variable {name}")
        return Val.unknown(f"the variable {name}")

    def name(self, token: Token) -> Val:
        name = token.text
        if name in ("true", "false", "TRUE", "FALSE", "T", "F", "True", "False"):
            return Val("bool", text="true" if name.lower().startswith("t") else "false")
        if name in ("null", "nil", "undefined", "NULL", "None", "undef", "NA", "NaN", "Infinity"):
            return Val("none")
        if name in ("this", "self", "super") and self.lookup(name) is None:
            return Val("instance", name=name)  # the program's own object: its methods were read with it
        if self.peek().kind == "op" and self.peek().text == "=>" and self.lang.name == "JavaScript":
            return self.arrow_function([name])
        target = self.assignment_target(name)
        if target is not None and (self.lookup(name) is not None or name not in self.lang.globals):
            return target
        known = self.lookup(name)
        if known is not None:
            if self.lang.bareword_calls and known.kind in ("fn", "func") and self.starts_arguments():
                return self.paren_less_call(known, name)
            return known if known.kind != "unknown" or not self.at("=") else Val("ref", name=name)
        if self.at("=") or (self.at(",") and self.lang.name in ("Lua", "Ruby")):
            return Val("ref", name=name)  # assignment to a name not seen before
        if self.lang.named_args == "=" and self.at("<-"):
            return Val("ref", name=name)
        value = self.global_name(name)
        if self.lang.name == "Perl" and not self.at("(") and not self.known_function(name):
            return Val.string(name)  # a bare word Perl knows no function for is a string (`OUT`, `n`)
        if self.lang.bareword_calls and value.kind == "func" and not self.at("(", ".", "::", "->", "[", "=>") and \
                not (self.peek().kind == "op" and self.peek().text == "{" and not self.peek().space and
                     self.lang.name == "Perl"):
            return self.paren_less_call(value, name)
        if name in self.lang.paren_less and self.starts_arguments():
            return self.paren_less_call(value, name)
        return value

    def starts_arguments(self) -> bool:
        """Whether the next token can start the argument of a call written without parentheses."""
        token = self.peek()
        if token.kind in ("str", "num", "var", "cmd", "words", "sym", "regex"):
            return True
        if token.kind == "name":
            return token.text not in ("if", "unless", "while", "until", "for", "foreach", "do", "then", "end",
                                      "rescue", "else", "elsif", "when", "in") and \
                token.text not in WORD_OPERATORS.get(self.lang.name, ())
        if token.kind == "op":
            if token.text in ("[", "{", "\\", "<", "::") and token.space:
                return token.text != "{" or self.lang.name == "Perl"
            if token.text in ("-", "*", "&", "!") and token.space and not self.peek(1).space:
                return True
            return token.text in ("(",) and token.space and self.lang.name == "Ruby"
        return False

    def paren_less_call(self, callee: Val, name: str) -> Val:
        """`system "ls"`, `unlink glob "/tmp/*"`, `puts x`, `FileUtils.rm_rf Dir.home`, `fork`."""
        args: list[Val] = []
        kwargs: dict[str, Val] = {}
        if self.lang.name == "Perl" and self.at("{") and name in ("eval", "do", "try", "BEGIN", "END"):
            self.block()
            return Val.data()
        if self.lang.name == "Perl" and self.at("{") and name in ("map", "grep", "sort", "first", "any", "all"):
            self.block(params=[("$_", Val.unknown("the element")), ("$a", Val.data()), ("$b", Val.data())])
        elif self.lang.name == "Perl" and self.peek().kind == "name" and name in ("print", "printf", "say") and \
                self.peek(1).kind in ("str", "var") and self.peek().text.isupper():
            self.pos += 1  # `print STDERR "…"`, `print OUT $x`: the filehandle
        if self.starts_arguments() or (self.lang.name == "Perl" and (self.at("(") or (self.at("{") and
                                                                       name in ("print", "printf")))):
            if self.lang.name == "Perl" and self.at("{") and name in ("print", "printf", "say"):
                self.block()
            args, kwargs = self.arguments(None)
        result = self.call_value(callee, args, kwargs, None, name)
        if self.lang.name == "Ruby" and (self.at("{") or self.at("do")):
            self.ruby_block(callee, name, args, hint=self.block_hint(callee, result))
        return result

    def parenthesized(self) -> Val:
        start = self.pos
        if self.lang.name == "JavaScript" and self.arrow_ahead():
            names = self.parameter_names(")")
            return self.arrow_function(names)
        items, _ = self.arguments(")")
        if self.lang.name == "R" and self.pos > start:
            pass
        if len(items) == 1:
            return items[0]
        return Val.list_of(items)

    def arrow_ahead(self) -> bool:
        depth = 1
        index = self.pos
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.kind == "op" and token.text in ("(", "[", "{"):
                depth += 1
            elif token.kind == "op" and token.text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    nxt = self.tokens[index + 1] if index + 1 < len(self.tokens) else token
                    return nxt.kind == "op" and nxt.text == "=>"
            elif token.kind == "end":
                return False
            index += 1
        return False

    def parameter_names(self, closer: str) -> list[str]:
        names: list[str] = []
        depth = 0
        while True:
            token = self.next()
            if token.kind == "end":
                raise Unparsed("an unclosed parameter list")
            if token.kind == "op" and token.text in ("(", "[", "{"):
                depth += 1
            elif token.kind == "op" and token.text in (")", "]", "}"):
                if depth == 0 and token.text == closer:
                    return names
                depth -= 1
            elif token.kind in ("name", "var") and depth <= 1 and token.text not in ("async",):
                previous = self.tokens[self.pos - 2] if self.pos >= 2 else token
                if not (previous.kind == "op" and previous.text in ("=", ":")):
                    names.append(token.text)

    def arrow_function(self, params: list[str], hint: Val | None = None) -> Val:
        self.expect("=>")
        hint = hint if hint is not None else self.argument_hint()
        return self.function_body(params, hint, expression_body=not self.at("{"))

    def function_literal(self, *, arrow_lambda: bool = False, hint: Val | None = None) -> Val:
        """`function (a) { … }`, `sub { … }`, `fn($x) => …`, `lambda { |x| … }`, `->(x) { … }`, `function(x) … end`."""
        if not arrow_lambda:
            word = self.next().text
            if word == "async":
                if self.at("function"):
                    self.pos += 1
                elif self.at("("):
                    self.pos += 1
                    return self.arrow_function(self.parameter_names(")"), hint)
                else:
                    return self.arrow_function([self.next().text], hint)
            if word in ("lambda", "proc") and self.lang.name == "Ruby":
                return self.ruby_block(Val("func", name=word), word, [], hint=hint)
        hint = hint if hint is not None else self.argument_hint()
        if self.peek().kind == "name" and not self.at("(") and self.lang.name != "Perl":
            self.pos += 1  # a named function expression
        params: list[str] = []
        if self.accept("("):
            params = self.parameter_names(")")
        if self.lang.name == "PHP" and self.accept("use"):
            self.expect("(")
            self.parameter_names(")")
        if self.lang.name == "PHP" and self.at("=>"):
            self.pos += 1
            return self.function_body(params, hint, expression_body=True, arrow_done=True)
        if self.lang.name == "Ruby" and arrow_lambda:
            return self.ruby_block(Val("func", name="lambda"), "lambda", [], hint=hint, params=params)
        if self.lang.block_style == "end":
            return self.function_body(params, hint, end_body=True)
        return self.function_body(params, hint)

    def function_body(self, params: Sequence[str], hint: Val | None, *, expression_body: bool = False,
                      end_body: bool = False, arrow_done: bool = True, loop: bool = False,
                      endless: bool = False) -> Val:
        bound = [(p, hint if i == 0 and hint is not None else Val.unknown(f"the parameter {p}"))
                 for i, p in enumerate(params)]
        self.returns.append([])
        loops, self.loops = self.loops, ([*self.loops, endless] if loop else [])
        try:
            if expression_body:
                self.scopes.append(dict(bound))
                try:
                    self.returns[-1].append(self.expression(1))
                finally:
                    self.scopes.pop()
            elif end_body:
                self.end_block(frozenset({"end"}), params=bound)
            else:
                self.block(params=bound)
        finally:
            self.loops = loops
            returned = self.returns.pop()
        value = Val("fn", name="function")
        if returned:
            value.elem = merge(returned)
        return value

    def object_literal(self) -> Val:
        """`{a: 1, 'b': x}`, `{key => v}`, `{ x = 1 }` (Lua): its known keys."""
        fields: dict[str, Val] = {}
        items: list[Val] = []
        while True:
            self.skip_lines()
            if self.accept("}"):
                break
            if self.peek().kind == "end":
                raise Unparsed("an unclosed object")
            if self.accept("..."):
                self.expression(2)
            else:
                key = self.peek()
                if key.kind in ("name", "str", "num", "sym") and self.peek(1).kind == "op" and \
                        self.peek(1).text in (":", "=>", "=") and not (key.kind == "sym" and self.peek(1).text == ":"):
                    self.pos += 2
                    name = self.string(key).text_or_unknown() if key.kind == "str" else key.text
                    self.skip_lines()
                    fields[name] = self.expression(2)
                elif key.kind == "op" and key.text == "[":
                    self.pos += 1
                    name_value = self.expression()
                    self.expect("]")
                    if self.accept(":") or self.accept("=") or self.accept("=>"):
                        fields[name_value.text_or_unknown()] = self.expression(2)
                elif key.kind == "name" and self.peek(1).kind == "op" and self.peek(1).text in (",", "}"):
                    self.pos += 1  # `{a, b}`: shorthand for a: a
                    fields[key.text] = self.lookup(key.text) or Val.unknown(key.text)
                elif key.kind == "name" and self.peek(1).kind == "op" and self.peek(1).text == "(":
                    self.pos += 1  # a method in an object literal: `{ f() { … } }`
                    params = self.parameter_names(")") if self.accept("(") else []
                    fields[key.text] = self.function_body(params, None)
                else:
                    value = self.expression(2)
                    if self.accept("=>"):
                        fields[value.text_or_unknown()] = self.expression(2)
                    else:
                        items.append(value)
            self.skip_lines()
            if not self.accept(","):
                self.accept(";")
        if items and not fields:
            return Val.list_of(items)
        return Val("dict", fields=fields)

    def arguments(self, closer: str | None) -> tuple[list[Val], dict[str, Val]]:
        """Arguments up to `closer` (consumed), or — for a call without parentheses — to the end of the
        statement or a low-precedence word (`or`, `and`, `if`, …)."""
        args: list[Val] = []
        kwargs: dict[str, Val] = {}
        while True:
            if closer is not None:
                self.skip_lines()
                if self.accept(closer):
                    return args, kwargs
            elif self.paren_less_done():
                return args, kwargs
            token = self.peek()
            if token.kind == "end":
                if closer is None:
                    return args, kwargs
                raise Unparsed(f"an unclosed {closer!r}")
            named = self.named_argument()
            if named is not None:
                kwargs[named[0]] = named[1]
            else:
                value = self.expression(0 if closer is not None else 2)
                if self.accept("=>"):
                    key = value.text_or_unknown()
                    kwargs[key] = self.expression(2)
                    args.append(Val("dict", fields={key: kwargs[key]}))
                else:
                    args.append(value)
            if closer is not None:
                self.skip_lines()
            if not self.accept(","):
                if closer is not None:
                    self.skip_lines()
                    if self.accept(closer):
                        return args, kwargs
                    raise Unparsed(f"expected {closer!r} near {self.near()!r}")
                return args, kwargs

    def paren_less_done(self) -> bool:
        token = self.peek()
        if token.kind in ("eol", "end"):
            return True
        if token.kind == "op" and token.text in (";", ")", "]", "}", "=>", "?", ":", "||", "&&", "or", "and"):
            return True
        return token.kind == "name" and token.text in ("if", "unless", "while", "until", "for", "foreach", "or",
                                                        "and", "do", "then", "end", "rescue")

    def named_argument(self) -> tuple[str, Val] | None:
        style = self.lang.named_args
        token, following = self.peek(), self.peek(1)
        if not style or token.kind != "name" or following.kind != "op":
            if style == ":" and token.kind == "str" and following.kind == "op" and following.text == ":" \
                    and self.lang.name == "Ruby":
                self.pos += 2
                return self.string(token).text_or_unknown(), self.expression(2)
            return None
        if following.text == style and not (style == "=" and self.peek(2).kind == "op" and self.peek(2).text == "="):
            if style == ":" and self.lang.name == "Ruby" and following.space:
                return None  # `a ? b : c` — a ternary, not `a: b`
            self.pos += 2
            self.skip_lines()
            return token.text, self.expression(2)
        return None

    def postfix(self, value: Val, *, calls: bool = True) -> Val:
        while True:
            token = self.peek()
            if token.kind == "eol" and self.continues_on_next_line():
                self.skip_lines()
                continue
            if token.kind == "str" and token.parts and self.lang.name == "JavaScript" and token.text and \
                    not token.space and self.tokens[self.pos].parts is not None and self.template_tag(value):
                self.pos += 1
                value = self.tagged_template(value, token)
                continue
            if token.kind == "str" and self.lang.name == "Lua" and value.kind in ("func", "ref", "fn") and calls:
                self.pos += 1
                value = self.call_value(value, [self.string(token)], {}, None, value.name)
                continue
            if token.kind != "op":
                return value
            op = token.text
            if op in self.lang.method_ops or op in ("?.", "&.", "::") or ((op == ":" and self.lang.name == "Lua"
                                                                          and self.peek(1).kind == "name"
                                                                          and self.peek(2).text in ("(", "{"))
                                                                          or (op == ":" and self.lang.name == "Lua"
                                                                          and self.peek(2).kind == "str")):
                if op == "." and "." in self.lang.concat_ops and self.lang.name != "Lua":
                    return value
                self.pos += 1
                self.skip_lines()
                member = self.next()
                if member.kind == "op" and member.text == "(" and op in ("?.",):
                    self.pos -= 1
                    continue
                if member.kind == "op" and member.text in ("[", "{") and op == "->":  # perl `$x->[0]`, `$h->{k}`
                    key = self.expression()
                    self.expect("]" if member.text == "[" else "}")
                    value = self.item(value, key)
                    continue
                if member.kind == "op" and member.text == "(" and op == "->":  # perl `$code->(…)`
                    args, kwargs = self.arguments(")")
                    value = self.call_value(value, args, kwargs, None, "a code reference")
                    continue
                if member.kind == "op" and member.text == "(" and op == "." and self.lang.name == "Ruby":
                    args, kwargs = self.arguments(")")  # `f.(x)`: call
                    value = self.call_value(value, args, kwargs, None, "a lambda")
                    continue
                if member.kind not in ("name", "var", "str"):
                    raise Unparsed(f"a member {member.text!r}")
                name = member.text if member.kind != "str" else self.string(member).text_or_unknown()
                value = self.member(value, name.lstrip("$") if member.kind == "var" else name)
                if self.lang.bareword_calls and calls and not self.at("(", "=") and not name[:1].isupper() and \
                        not (self.at("[") and not self.peek().space):
                    value = self.paren_less_call(value, name)  # Ruby and Perl: `Dir.home`, `$o->name` call
                continue
            if op == "[" and not (token.space and self.lang.name == "Ruby" and value.kind in ("func", "fn")):
                self.pos += 1
                key = self.expression() if not self.at("]") else Val.data()
                if self.accept(","):
                    while not self.at("]"):
                        self.expression()
                        if not self.accept(","):
                            break
                self.expect("]")
                value = self.item(value, key)
                continue
            if op == "{" and self.lang.name == "Perl" and not token.space:
                self.pos += 1
                if self.peek().kind == "name" and self.peek(1).kind == "op" and self.peek(1).text == "}":
                    key = Val.string(self.next().text)  # `$h{key}`: a bare word is the key's text
                else:
                    key = self.expression() if not self.at("}") else Val.data()
                self.expect("}")
                value = self.item(value, key)
                continue
            if op == "(" and calls and not (token.space and self.lang.name == "Perl" and value.kind == "str"):
                self.pos += 1
                hint = self.callback_hint(value)
                self.hints.append(hint)
                try:
                    args, kwargs = self.arguments(")")
                finally:
                    self.hints.pop()
                result = self.call_value(value, args, kwargs, None, value.name)
                if self.lang.name == "Ruby" and self.at("{", "do"):
                    self.ruby_block(value, value.name, args, hint=self.block_hint(value, result))
                value = result
                continue
            if op == "{" and self.lang.name == "Ruby" and calls and value.kind in ("func", "ref", "fn"):
                result = self.call_value(value, [], {}, None, value.name)
                self.ruby_block(value, value.name, [], hint=self.block_hint(value, result))
                value = result
                continue
            if op in ("++", "--") and not token.space:
                self.pos += 1
                return Val("num")
            return value

    def argument_hint(self) -> Val | None:
        """What a function literal written as an argument is given first (the call's `callback_hint`)."""
        return self.hints[-1] if self.hints else None

    def block_hint(self, callee: Val, result: Val) -> Val | None:
        """What a Ruby block after a call is given: each element where the method iterates (or returns a
        list, `Dir.glob(…) { |f| … }`), else what the call returned (`File.open(…) { |f| … }`)."""
        hint = self.callback_hint(callee)
        if hint is not None:
            return hint
        if result.kind == "list":
            return result.iterated()
        return result if result.kind not in ("unknown", "none") else None

    def callback_hint(self, callee: Val) -> Val | None:
        """What a function literal passed to this call is given first: each element for `forEach`/`map`, the
        value itself for `then`."""
        if callee.kind != "ref" or callee.bound is None:
            return None
        owner = callee.bound
        if callee.name in ("then", "tap", "yield_self", "then_do"):
            return owner
        if callee.name in self.lang.iterating:
            return owner.iterated()
        return None

    def template_tag(self, value: Val) -> bool:
        return value.kind in ("func", "ref")

    def tagged_template(self, tag: Val, token: Token) -> Val:
        text = self.string(token)
        name = self.qualified(tag)
        handler = self.lang.functions.get(f"{name}``")
        if handler is not None:
            return handler(self, ScriptCall(name, tag, [text], text=token.text))
        self.actions.unknown(f"tags a template with {name or tag.describe()}")
        return Val.unknown()

    def ruby_block(self, callee: Val, name: str, args: list[Val], *, hint: Val | None = None,
                   params: Sequence[str] = ()) -> Val:
        """`{ |x| … }` or `do |x| … end` after a call: run with each element where the call iterates."""
        brace = self.accept("{")
        if not brace:
            self.expect("do")
        self.skip_lines()
        names = list(params)
        if self.accept("|"):
            while not self.accept("|"):
                token = self.next()
                if token.kind == "end":
                    raise Unparsed("an unclosed block parameter list")
                if token.kind in ("name", "var"):
                    names.append(token.text)
        element = hint if hint is not None else self.callback_hint(callee)
        method = callee.name if callee.kind in ("ref", "func") else ""
        endless = method.rsplit(".", 1)[-1] in ("loop",) and (callee.bound is None or callee.kind == "func")
        if method.rsplit(".", 1)[-1] == "times" and callee.bound is not None:
            element = Val("num")
        bound = [(n, element if i == 0 and element is not None else Val.unknown(f"the block parameter {n}"))
                 for i, n in enumerate(names)]
        self.returns.append([])
        looped = endless or method.rsplit(".", 1)[-1] in self.lang.iterating
        try:
            if brace:
                self.enter_scope(bound, loop=looped, endless=endless)
                try:
                    self.statements(stop=frozenset({"}"}))
                    self.expect("}")
                finally:
                    self.leave_scope(looped)
            else:
                self.end_block(frozenset({"end"}), params=bound, loop=looped, endless=endless)
        finally:
            returned = self.returns.pop()
        value = Val("fn", name="block")
        if returned:
            value.elem = merge(returned)
        return value

    # --- values ---------------------------------------------------------------------------------------------------
    def qualified(self, value: Val) -> str:
        return value.name if value.kind in ("func", "module") else ""

    def member(self, owner: Val, name: str) -> Val:
        owner = self.settle(owner)
        if name in PROMISE_METHODS and self.lang.name == "JavaScript" and owner.kind in ("module", "func", "obj"):
            return Val("ref", name=name, bound=owner)  # `import('fs').then(f => …)`
        if owner.kind == "module" or (owner.kind == "func" and owner.bound is None and
                                      self.lang.name in ("JavaScript", "Lua", "R")):
            qualified = f"{owner.name}.{name}"
            constant = self.lang.globals.get(qualified)
            if constant is not None:
                return constant
            if name[:1].isupper() and self.lang.name == "Ruby":
                return Val("module", name=qualified)
            return Val("func", name=self.lang.aliases.get(qualified, qualified))
        if owner.kind == "environ":
            return self.env_value(name)
        if owner.kind in ("obj", "dict") and name in owner.fields:
            return owner.fields[name]
        if owner.kind == "str" and name == "length":
            return Val("num")
        return Val("ref", name=name, bound=owner)

    def settle(self, value: Val) -> Val:
        if value.kind != "ref" or value.bound is None:
            return value
        owner = value.bound
        if owner.kind == "obj":
            nested = service_attribute(owner, value.name)
            if nested is not None:
                return nested
        if owner.kind in PLAIN and value.name not in self.lang.safe_methods:
            return Val.data()
        return value

    def item(self, owner: Val, key: Val) -> Val:
        owner = self.settle(owner)
        if owner.kind == "environ":
            name = key.literal()
            value = self.env_value(name) if name is not None else Val.string(UNKNOWN_PART)
            value.fields["\x00place"] = Val("str", name="env", text=name or "")
            return value
        if owner.kind == "dict":
            name = key.literal()
            if name is not None and name in owner.fields:
                return owner.fields[name]
            return Val.data()
        if owner.kind == "list":
            if owner.items is not None and key.kind == "num" and key.text is not None and key.text.isdigit():
                index = int(key.text)
                if index < len(owner.items):
                    return owner.items[index]
            return owner.iterated()
        if owner.kind == "obj":
            nested = service_attribute(owner, key.text_or_unknown())
            if nested is not None:
                return nested
        if owner.kind == "module":
            name = key.literal()
            if name is not None:
                return self.member(owner, name)
            self.actions.opaque(f"takes a function of {owner.name} whose name is only known at run time")
            return Val.unknown()
        if owner.kind in ("str", "path", "data", "num"):
            return Val.data()
        return Val.unknown(f"an item of {owner.describe()}")

    def env_value(self, name: str) -> Val:
        if name == "HOME":
            home = self.actions.ctx.getenv("HOME") or self.actions.ctx.home
            return Val.path(home) if home else Val.string(UNKNOWN_PART)
        value = self.actions.ctx.getenv(name)
        return Val.string(value) if value is not None else Val.string(UNKNOWN_PART)

    def construct(self, callee: Val, args: list[Val]) -> Val:
        """`new X(…)`: a library object where X is one, else an instance nothing is known about."""
        name = self.qualified(callee) or (callee.name if callee.kind == "ref" else "")
        handler = self.lang.functions.get(f"new {name}") or self.lang.functions.get("new *")
        if handler is not None:
            made = handler(self, ScriptCall(name, callee, args))
            if made.kind != "unknown" or made.why != NOT_MINE:
                return made
        if callee.kind == "fn":
            return Val("instance", name=callee.name)  # the program's own class: its methods were read
        if self.is_pure(name) or name in PURE_CONSTRUCTORS:
            return Val.data()
        self.actions.unknown(f"makes a {name or callee.describe()} object")
        return Val.unknown()

    def call_value(self, callee: Val, args: list[Val], kwargs: dict[str, Val], receiver: Val | None, text: str,
                   block: Val | None = None) -> Val:
        """Call `callee`: the program's own function, a known function, or a method of a value."""
        if block is not None:
            args = [*args, block]
        if callee.kind == "fn":
            return callee.elem or Val.data()
        if callee.kind == "str" and self.lang.resolve_string_callee:
            name = callee.literal()
            if name is None:
                self.actions.opaque(f"calls a function whose name is only known at run time ({callee.describe()})")
                return Val.unknown()
            callee = Val("func", name=self.lang.aliases.get(name, name))
        if callee.kind in ("func", "module"):
            result = self.call_function(callee.name, ScriptCall(callee.name, callee, args, kwargs, receiver, text))
        elif callee.kind == "ref" and callee.bound is not None:
            result = self.call_method(callee.bound, callee.name, ScriptCall(callee.name, callee, args, kwargs,
                                                                            callee.bound, text))
        else:
            self.actions.unknown(f"calls {callee.describe()}")
            return Val.unknown()
        self.callbacks(callee, args)
        return result

    def callbacks(self, callee: Val, args: list[Val]) -> None:
        """A function of a library passed to a call (`.then(eval)`, `files.forEach(fs.unlinkSync)`) is called
        by it, with each element where the call iterates and with what is only known then otherwise."""
        functions = [a for a in args if a.kind == "func" and a.name not in self.lang.pure and not self.is_pure(a.name)]
        if not functions:
            return
        given = self.callback_hint(callee) or Val.unknown("a callback's argument")
        for function in functions[:4]:
            self.call_function(function.name, ScriptCall(function.name, function, [given]))

    def call_function(self, name: str, call: ScriptCall) -> Val:
        canonical = self.lang.aliases.get(name, name)
        handler = self.lang.functions.get(canonical)
        if handler is not None:
            call.name = canonical
            return handler(self, call)
        own = self.functions.get(canonical)
        if own is not None:
            return own.elem or Val.data()
        if self.is_pure(canonical):
            return Val.data()
        fallback = self.lang.functions.get("*")
        if fallback is not None:
            made = fallback(self, call)
            if made.kind != "unknown" or made.why != NOT_MINE:
                return made
        self.actions.unknown(f"calls {canonical}()")
        return Val.unknown(f"what {canonical}() returns")

    def call_method(self, owner: Val, method: str, call: ScriptCall) -> Val:
        owner = self.settle(owner)
        if method in PROMISE_METHODS and self.lang.name == "JavaScript":
            return owner  # its callbacks were read with what the promise gives
        if owner.kind == "obj":
            result = service_call(self.actions, owner, method, call.args, call.kwargs)
            if result is not None:
                return result
            handler = self.lang.objects.get(owner.name)
            if handler is not None:
                handled = handler(self, owner, method, call)
                if handled is not None:
                    return handled
            self.actions.unknown(f"calls .{method}() on a {owner.name} object")
            return Val.unknown()
        handler = self.lang.objects.get(owner.kind)
        if handler is not None:
            handled = handler(self, owner, method, call)
            if handled is not None:
                return handled
        if owner.kind == "instance":
            return Val.data()
        if owner.kind in ("func", "fn") and method in ("call", "apply", "()", "yield", "invoke"):
            args = call.args
            if self.lang.name == "JavaScript":  # f.call(this, …), f.apply(this, [...])
                args = list(args[1].items or [args[1].iterated()]) if method == "apply" and len(args) > 1 else args[1:]
            return self.call_value(owner, args, call.kwargs, None, call.text)
        if owner.kind in ("module", "func"):
            return self.call_function(f"{owner.name}.{method}", call)
        if owner.kind in PLAIN or owner.kind in ("fn",):
            if method in self.lang.safe_methods:
                return plain_result(owner, method, call)
            self.actions.unknown(f"calls .{method}() on {owner.describe()}")
            return Val.unknown()
        if method in self.lang.safe_methods and method in SAFE_ON_ANYTHING:
            return plain_result(owner, method, call)
        self.actions.unknown(f"calls .{method}() on {owner.describe()}")
        return Val.unknown()


PLAIN = frozenset({"str", "num", "data", "list", "dict", "bool", "none", "path"})
PROMISE_METHODS = frozenset({"then", "catch", "finally"})
DEFINING_WORDS = frozenset({"function", "def", "sub", "class"})
WORD_OPERATORS = {"Perl": frozenset({"and", "or", "not", "x", "eq", "ne", "lt", "gt", "le", "ge", "cmp"}),
                  "Ruby": frozenset({"and", "or", "not"}), "Lua": frozenset({"and", "or", "not"}),
                  "PHP": frozenset({"and", "or", "xor", "instanceof"}),
                  "JavaScript": frozenset({"in", "instanceof"}), "R": frozenset()}
# methods harmless whatever they are called on (a callback's parameter, a library's return value)
SAFE_ON_ANYTHING = frozenset({"toString", "to_s", "to_i", "to_a", "to_h", "to_json", "inspect", "length", "size",
                              "join", "split", "trim", "strip", "chomp", "toUpperCase", "toLowerCase", "upcase",
                              "downcase", "includes", "include?", "startsWith", "endsWith", "start_with?",
                              "end_with?", "map", "forEach", "each", "filter", "select", "reject", "find",
                              "reduce", "sort", "sort_by", "keys", "values", "then", "catch", "finally", "log",
                              "json", "text", "first", "last", "count", "sum", "push", "concat", "slice",
                              "substring", "replace", "gsub", "sub", "match", "test", "toFixed", "format",
                              "empty?", "nil?", "any?", "all?", "key?", "has_key?", "fetch", "dig", "get", "has",
                              "indexOf", "some", "every", "entries", "flat", "flatMap", "reverse", "uniq",
                              "compact", "flatten", "each_with_index", "with_index", "times", "upto", "downto",
                              "each_line", "lines", "chars", "bytes", "to_sym", "freeze", "dup", "clone", "hash",
                              "zip", "min", "max", "group_by", "partition", "each_slice", "tally", "sample"})
PURE_CONSTRUCTORS = frozenset({"Date", "Map", "Set", "Array", "Object", "Error", "TypeError", "RegExp",
                               "Promise", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "WeakMap",
                               "Intl.NumberFormat", "Intl.DateTimeFormat", "Uint8Array", "ArrayBuffer"})


def plain_result(owner: Val, method: str, call: ScriptCall) -> Val:
    if method in ("map", "collect", "flat_map", "flatMap", "filter", "select", "reject", "sort", "sort_by",
                  "reverse", "uniq", "compact", "slice", "concat", "flatten", "to_a", "entries", "keys",
                  "values", "grep"):
        return Val.list_of(elem=owner.iterated() if method not in ("map", "collect", "flat_map", "flatMap") else
                           next((a.elem for a in call.args if a.kind == "fn" and a.elem is not None), Val.data()))
    if method in ("first", "last", "find", "detect", "sample", "min", "max", "pop", "shift"):
        return owner.iterated()
    if method in ("join",) and owner.items is not None:
        separator = call.args[0].text_or_unknown() if call.args else ""
        return Val.string(separator.join(i.text_or_unknown() for i in owner.items))
    if method in ("trim", "strip", "chomp", "toString", "to_s") and owner.textual:
        return Val("str", text=(owner.text or "").strip() if method != "toString" and method != "to_s" else owner.text,
                   glob=owner.glob)
    if method in ("split", "lines", "chars", "each_line"):
        return Val.list_of(elem=Val.string(UNKNOWN_PART))
    if method in ("then", "tap", "catch", "finally", "each", "forEach", "each_with_index", "times"):
        return owner
    if owner.kind == "str":
        return Val.string(UNKNOWN_PART)
    return Val.data()


def constant_loop(keyword: str, condition: Val) -> bool:
    """`while 1`, `while true`, `until false`: a condition that never changes."""
    if keyword == "while":
        return condition.kind in ("num", "bool", "str") and condition.text not in ("0", "false", "", None)
    return (condition.kind in ("bool", "none") and condition.text in ("false", None)) or \
        (condition.kind == "num" and condition.text == "0")


# --- statement keywords ---------------------------------------------------------------------------------------

def parenthesized_condition(script: Script) -> Val:
    script.skip_lines()
    if script.accept("("):
        value = script.expression()
        while script.accept(";"):  # `for (init; cond; step)`
            if not script.at(")", ";"):
                value = script.expression()
        script.expect(")")
        return value
    return script.expression()


def brace_if(script: Script) -> None:
    script.next()
    parenthesized_condition(script)
    script.block()
    while True:
        script.skip_lines()
        if script.accept("elsif", "elseif"):
            parenthesized_condition(script)
            script.block()
        elif script.at("else"):
            script.next()
            if script.at("if"):
                brace_if(script)
                return
            script.block()
            return
        else:
            return


def brace_while(script: Script) -> None:
    keyword = script.next().text
    condition = parenthesized_condition(script)
    script.block(loop=True, endless=constant_loop(keyword if keyword != "until" else "until", condition) or
                 (condition.kind == "unknown" and False))


def brace_for(script: Script) -> None:
    """`for (init; cond; step)`, `for (const x of xs)`, `foreach my $x (@list)`, `foreach ($a as $k => $v)`."""
    script.next()
    script.skip_lines()
    name: str | None = None
    if script.peek().kind == "name" and script.peek().text in ("my", "our", "local") and script.lang.name == "Perl":
        script.pos += 1
    if script.peek().kind == "var" and script.lang.name == "Perl":
        name = script.next().text
    if not script.accept("("):
        raise Unparsed(f"a for loop near {script.near()!r}")
    if script.at(";"):  # `for (;;)`: an endless loop
        script.pos += 1
        if script.accept(";") and script.accept(")"):
            script.block(loop=True, endless=True)
            return
        raise Unparsed("a for(;…) loop")
    if script.peek().kind == "name" and script.peek().text in ("const", "let", "var"):
        script.pos += 1
    start = script.pos
    element: Val = Val.unknown("a loop variable")
    names: list[str] = []
    if script.lang.name == "JavaScript" and script.peek(1).kind == "name" and script.peek(1).text in ("of", "in"):
        names = [script.next().text]
        of = script.next().text == "of"
        iterable = script.expression()
        element = iterable.iterated() if of else Val.string(UNKNOWN_PART)
    elif script.lang.name == "JavaScript" and script.at("{", "["):
        closer = "}" if script.next().text == "{" else "]"
        names = [n for _, n in script.destructured(closer)]
        script.next()
        script.expression()
    elif script.lang.name == "PHP":
        iterable = script.expression()
        if script.accept("as"):
            first = script.next().text
            names = [first]
            if script.accept("=>"):
                names = [script.next().text]
            element = iterable.iterated()
    else:
        script.pos = start
        value = script.expression() if not script.at(";") else Val.data()
        if script.accept(";"):
            while not script.at(")"):
                if script.peek().kind == "end":
                    raise Unparsed("an unclosed for loop")
                script.expression() if not script.at(";") else script.next()
                script.accept(";")
        else:
            element = value.iterated()
        if name is not None:
            names = [name]
    script.expect(")")
    script.block(loop=True, params=[(n, element) for n in names] or ([("$_", element)] if script.lang.name == "Perl"
                                                                      else []))


def brace_function(script: Script) -> None:
    """`function NAME(…) { … }`, `sub NAME { … }`, `async function NAME(…)`."""
    script.next()
    if script.at("function"):
        script.next()
    script.accept("*")
    name_token = script.next()
    if name_token.kind not in ("name",):
        raise Unparsed(f"a function named {name_token.text!r}")
    placeholder = Val("fn", name=name_token.text)
    script.functions[name_token.text] = placeholder
    params = script.parameter_names(")") if script.accept("(") else []
    if script.lang.name == "PHP" and script.accept(":"):
        script.next()
    if script.at(";"):  # a forward declaration
        return
    value = script.function_body(params, None)
    placeholder.elem = value.elem


def brace_return(script: Script) -> None:
    script.keyword_expression("return")
    if script.lang.bareword_calls:
        script.modifiers(script.forks)


def brace_try(script: Script) -> None:
    script.next()
    script.block()
    while True:
        script.skip_lines()
        if script.accept("catch"):
            names: list[str] = []
            if script.accept("("):
                names = script.parameter_names(")")
            script.block(params=[(n, Val.data()) for n in names])
        elif script.accept("finally"):
            script.block()
        else:
            return


def brace_switch(script: Script) -> None:
    script.next()
    parenthesized_condition(script)
    script.expect("{")
    while not script.accept("}"):
        script.skip_lines()
        if script.accept("case"):
            script.expression()
            script.expect(":")
        elif script.accept("default"):
            script.expect(":")
        elif script.peek().kind == "end":
            raise Unparsed("an unclosed switch")
        else:
            script.statement()


def brace_do(script: Script) -> None:
    """`do { … } while (cond)`: its body runs at least once, and for ever under a constant condition."""
    script.next()
    start = script.forks
    script.block(loop=True)
    script.skip_lines()
    if script.at("while", "until"):
        keyword = script.next().text
        condition = parenthesized_condition(script)
        if script.forks > start and constant_loop(keyword, condition):
            script.actions.fork(in_loop=True, evidence=f"do {{ … }} {keyword}")


def skip_to_end_of_statement(script: Script) -> None:
    while not script.at_end_of_statement():
        if script.peek().kind == "end":
            return
        script.next()


def javascript_import(script: Script) -> None:
    """`import x from 'm'`, `import {a as b} from 'm'`, `import * as x from 'm'`, `import 'm'`."""
    script.next()
    if script.at("("):  # import('m') as a statement
        script.pos -= 1
        script.expression()
        return
    names: list[tuple[str, str]] = []  # (exported, local)
    if script.peek().kind == "str":
        module = script.string(script.next())
        script.call_function("require", ScriptCall("require", Val("func", name="require"), [module]))
        return
    while not script.at("from"):
        token = script.next()
        if token.kind == "end":
            raise Unparsed("an import without from")
        if token.kind == "op" and token.text == "*":
            script.expect("as")
            names.append(("*", script.next().text))
        elif token.kind == "op" and token.text == "{":
            while not script.accept("}"):
                inner = script.next()
                if inner.kind == "end":
                    raise Unparsed("an unclosed import")
                if inner.kind == "name":
                    local = inner.text
                    if script.accept("as"):
                        local = script.next().text
                    names.append((inner.text, local))
        elif token.kind == "name" and token.text != "type":
            names.append(("default", token.text))
    script.expect("from")
    module = script.string(script.next())
    value = script.call_function("require", ScriptCall("require", Val("func", name="require"), [module]))
    for exported, local in names:
        script.bind(local, value if exported in ("*", "default") else script.member(value, exported), declare=True)


def javascript_export(script: Script) -> None:
    script.next()
    script.accept("default")


def javascript_class(script: Script) -> None:
    """`class X extends Y { method(…) { … } }`: the methods are read; an instance is data."""
    script.next()
    name = script.next().text
    script.functions[name] = Val("fn", name=name)
    if script.accept("extends"):
        script.expression()
    script.expect("{")
    while not script.accept("}"):
        script.skip_lines()
        if script.accept(";"):
            continue
        while script.peek().kind == "name" and script.peek().text in ("static", "async", "get", "set") and \
                script.peek(1).kind == "name":
            script.next()
        token = script.next()
        if token.kind == "end":
            raise Unparsed("an unclosed class")
        if script.accept("("):
            params = script.parameter_names(")")
            script.function_body(params, None)
        elif script.accept("="):
            script.expression()


def perl_use(script: Script) -> None:
    """`use File::Path qw(remove_tree);`, `require X;`, `use strict;`: imported names become functions."""
    script.next()
    token = script.next()
    if token.kind == "num":
        return
    module = token.text
    imported: list[str] = []
    while not script.at_end_of_statement():
        value = script.expression(2)
        if value.kind == "list" and value.items is not None:
            imported += [i.text_or_unknown() for i in value.items]
        elif value.textual:
            imported.append(value.text_or_unknown())
        if not script.accept(","):
            break
    for name in imported:
        if name and name[0].isalpha():
            script.bind(name, Val("func", name=f"{module}::{name}"), declare=True)
    for name in PERL_DEFAULT_EXPORTS.get(module, ()):
        script.bind(name, Val("func", name=f"{module}::{name}"), declare=True)


PERL_DEFAULT_EXPORTS = {"File::Path": ("mkpath", "rmtree"), "File::Copy": ("copy", "move"),
                        "File::Basename": ("basename", "dirname", "fileparse"), "Cwd": ("getcwd", "cwd"),
                        "File::Temp": ("tempfile",), "POSIX": ("strftime", "floor", "ceil")}


def perl_sub(script: Script) -> None:
    script.next()
    if script.at("{"):  # an anonymous sub as a statement
        script.function_body([], None)
        return
    brace_function_named(script)


def brace_function_named(script: Script) -> None:
    name_token = script.next()
    placeholder = Val("fn", name=name_token.text)
    script.functions[name_token.text] = placeholder
    if script.at("("):  # a prototype
        script.parameter_names(")") if script.accept("(") else None
    value = script.function_body([], None)
    placeholder.elem = value.elem


def perl_package(script: Script) -> None:
    script.next()
    skip_to_end_of_statement(script)


def perl_special_block(script: Script) -> None:
    script.next()
    script.block()


def perl_loop_control(script: Script) -> None:
    script.next()
    if script.peek().kind == "name" and script.peek().text.isupper():
        script.next()
    script.modifiers(script.forks)


def perl_format(script: Script) -> None:
    raise Unparsed("a format declaration")


def php_echo(script: Script) -> None:
    script.next()
    script.arguments(None)


def php_namespace(script: Script) -> None:
    script.next()
    skip_to_end_of_statement(script)


# Ruby and Lua: blocks closed by `end`
RUBY_ENDS = frozenset({"end"})


def end_if(script: Script) -> None:
    keyword = script.next().text
    script.expression()
    script.accept("then")
    stops = frozenset({"end", "elsif", "elseif", "else"})
    while True:
        reached = script.end_block(stops)
        if reached in ("elsif", "elseif"):
            script.expression()
            script.accept("then")
            continue
        if reached == "else":
            script.end_block(RUBY_ENDS)
        return
    del keyword


def end_while(script: Script) -> None:
    keyword = script.next().text
    condition = script.expression()
    script.accept("do")
    script.end_block(RUBY_ENDS, loop=True, endless=constant_loop(keyword, condition))


def lua_for(script: Script) -> None:
    """`for i = 1, n do … end`, `for k, v in pairs(t) do … end`, Ruby's `for x in xs … end`."""
    script.next()
    names = [script.next().text]
    while script.accept(","):
        names.append(script.next().text)
    element: Val = Val("num")
    if script.accept("="):
        script.arguments(None) if script.lang.name == "Lua" else script.expression()
    else:
        script.expect("in")
        iterable = script.expression()
        element = iterable.iterated()
        while script.accept(","):
            script.expression()
    script.accept("do")
    script.end_block(RUBY_ENDS, loop=True, params=[(n, element) for n in names])


def end_def(script: Script) -> None:
    """`def name(params) … end` (Ruby), `function name(…) … end` (Lua), `local function name(…)`."""
    script.next()
    if script.at("function"):
        script.next()
    name = script.next().text
    while script.accept(".", ":", "::"):
        name += "." + script.next().text
    placeholder = Val("fn", name=name)
    script.functions[name.rsplit(".", 1)[-1]] = placeholder
    params: list[str] = []
    if script.accept("("):
        params = script.parameter_names(")")
    elif script.lang.name == "Ruby":
        while script.peek().kind in ("name", "var") and not script.at_end_of_statement():
            params.append(script.next().text)
            if not script.accept(","):
                break
    if script.lang.name == "Ruby" and script.accept("="):  # an endless method: `def f(x) = expr`
        script.scopes.append({p: Val.unknown(f"the parameter {p}") for p in params})
        try:
            script.expression()
        finally:
            script.scopes.pop()
        return
    value = script.function_body(params, None, end_body=True)
    placeholder.elem = value.elem


def end_class(script: Script) -> None:
    script.next()
    if script.accept("<<"):
        script.expression()
    else:
        script.next()
        while script.accept("::"):
            script.next()
        if script.accept("<"):
            script.expression()
    script.end_block(RUBY_ENDS)


def end_begin(script: Script) -> None:
    """`begin … rescue … ensure … end` (and `begin … end while cond`)."""
    script.next()
    start = script.forks
    stops = frozenset({"end", "rescue", "ensure", "else"})
    while True:
        reached = script.end_block(stops, loop=True)
        if reached == "rescue":
            skip_to_end_of_statement(script)
            continue
        if reached in ("ensure", "else"):
            continue
        break
    if script.at("while", "until"):
        keyword = script.next().text
        condition = script.expression()
        if script.forks > start and constant_loop(keyword, condition):
            script.actions.fork(in_loop=True, evidence=f"begin … end {keyword}")


def end_case(script: Script) -> None:
    script.next()
    if not script.at_end_of_statement():
        script.expression()
    stops = frozenset({"end", "when", "else", "in"})
    while True:
        reached = script.end_block(stops)
        if reached in ("when", "in"):
            script.arguments(None)
            script.accept("then")
            continue
        if reached == "else":
            script.end_block(RUBY_ENDS)
        return


def end_do(script: Script) -> None:
    script.next()
    script.end_block(RUBY_ENDS)


def lua_repeat(script: Script) -> None:
    script.next()
    start = script.forks
    script.end_block(frozenset({"until"}), loop=True)
    condition = script.expression()
    if script.forks > start and constant_loop("until", condition):
        script.actions.fork(in_loop=True, evidence="repeat … until")


def lua_local(script: Script) -> None:
    script.next()
    if script.at("function"):
        end_def(script)
        return
    names = [script.next().text]
    while script.accept(","):
        names.append(script.next().text)
    for name in names:
        script.bind(name, Val("none"), declare=True)
    if script.accept("="):
        values, _ = script.arguments(None)
        for index, name in enumerate(names):
            script.bind(name, values[index] if index < len(values) else Val("none"), declare=True)


def r_function_or_control(script: Script) -> None:
    keyword = script.peek().text
    if keyword in ("if",):
        brace_if(script)
    elif keyword in ("while",):
        brace_while(script)
    elif keyword == "repeat":
        script.next()
        start = script.forks
        script.block(loop=True, endless=True)
        if script.forks > start:
            script.actions.fork(in_loop=True, evidence="repeat")
    elif keyword == "for":
        script.next()
        script.expect("(")
        name = script.next().text
        script.expect("in")
        iterable = script.expression()
        script.expect(")")
        script.block(loop=True, params=[(name, iterable.iterated())])


Statement = Callable[[Script], None]
STATEMENTS: dict[tuple[str, str], Statement] = {
    ("brace", "if"): brace_if, ("brace", "unless"): brace_if, ("brace", "while"): brace_while,
    ("brace", "until"): brace_while, ("brace", "for"): brace_for, ("brace", "foreach"): brace_for,
    ("brace", "function"): brace_function, ("brace", "async"): brace_function, ("brace", "try"): brace_try,
    ("brace", "switch"): brace_switch, ("brace", "do"): brace_do, ("brace", "import"): javascript_import,
    ("brace", "export"): javascript_export, ("brace", "class"): javascript_class, ("brace", "use"): perl_use,
    ("brace", "no"): perl_use, ("brace", "sub"): perl_sub, ("brace", "package"): perl_package,
    ("brace", "BEGIN"): perl_special_block, ("brace", "END"): perl_special_block,
    ("brace", "last"): perl_loop_control, ("brace", "next"): perl_loop_control, ("brace", "redo"): perl_loop_control,
    ("brace", "return"): brace_return, ("brace", "echo"): php_echo, ("brace", "namespace"): php_namespace,
    ("brace", "repeat"): r_function_or_control, ("brace", "break"): perl_loop_control,
    ("brace", "continue"): perl_loop_control, ("brace", "format"): perl_format,
    ("end", "if"): end_if, ("end", "unless"): end_if, ("end", "while"): end_while, ("end", "until"): end_while,
    ("end", "for"): lua_for, ("end", "def"): end_def, ("end", "function"): end_def, ("end", "class"): end_class,
    ("end", "module"): end_class, ("end", "begin"): end_begin, ("end", "case"): end_case, ("end", "do"): end_do,
    ("end", "repeat"): lua_repeat, ("end", "local"): lua_local, ("end", "return"): brace_return,
    ("end", "break"): perl_loop_control, ("end", "next"): perl_loop_control, ("end", "redo"): perl_loop_control,
    ("end", "retry"): perl_loop_control, ("end", "goto"): perl_loop_control,
}


def run_code(actions: Actions, language: Language, code: str, origin: str) -> None:
    Script(actions, language).run(code, origin)
