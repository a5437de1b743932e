"""A tokenizer for the scripting languages read by `scripted` — JavaScript, Ruby, Perl, PHP, Lua, R and the
like: names, sigilled variables, numbers, operators, and strings with their interpolated parts (`"$x"`,
`"#{x}"`, `` `${x}` ``), commands in backticks (`` `cmd` ``, `qx{}`, `%x{}`), regexes and quote-like
operators. Each language says which of these it has (`Syntax`). What the tokenizer cannot read (an
unterminated string) ends the token stream with an `error` token, so the analyzer says it did not
understand the code rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TOKENS = 50_000


@dataclass(frozen=True, slots=True)
class Syntax:
    line_comments: tuple[str, ...] = ("#",)
    block_comments: tuple[tuple[str, str], ...] = ()
    sigils: str = ""  # characters that start a variable: `$x` (Perl, PHP), `@x`, `%x` (Perl), `@x` (Ruby)
    interpolating: str = ""  # quotes whose strings interpolate variables
    backtick: str = ""  # "command" (Perl, Ruby, PHP) or "template" (JavaScript)
    quote_like: bool = False  # Perl's q qq qw qx m s tr y qr
    percent_literals: bool = False  # Ruby's %w %q %Q %x %i
    long_strings: bool = False  # Lua's [[…]]
    regex: bool = False  # /…/ literals where a value is expected
    symbols: bool = False  # Ruby's :name
    heredocs: bool = False  # <<EOF, <<~EOF, <<<EOF (Perl, Ruby, PHP)
    interpolation: str = ""  # "dollar" ($x, ${x}, {$x}), "hash" (#{x}), "template" (${x})
    newline_ends: bool = False  # a line break ends a statement (Ruby, Lua, R, JavaScript's ASI)
    dotted_names: bool = False  # R: `file.remove` is one name
    dollar_names: bool = False  # JavaScript: `$`, `Bun.$`, `$http` are names


@dataclass(slots=True)
class Token:
    kind: str  # name, var, str, num, op, cmd, words, regex, sym, eol, error, end
    text: str
    parts: list[str | list[Token]] = field(default_factory=list)  # str/cmd: literal text and embedded code
    space: bool = False  # whitespace before it (Ruby's `f -1` vs `f - 1`, paren-less calls)
    line: int = 0


OPERATORS = sorted([
    "===", "!==", "**=", "...", "<=>", "<<=", ">>=", "&&=", "||=", "//=", "??=", "?.", "::", "->", "=>", "==",
    "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", ".=", "**", "<<", ">>", "..", "=~",
    "!~", "??", "|=", "&=", "^=", "<-", "%%", "&.", "|>",
], key=len, reverse=True)
OPERATOR = re.compile("|".join(re.escape(o) for o in OPERATORS))
BLANKS = re.compile(r"[ \t\r\f\v]+")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[?!]?")
DOTTED_NAME = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*")
DOLLAR_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?")
PERL_QUOTES = frozenset({"q", "qq", "qw", "qx", "m", "qr", "s", "tr", "y"})
PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
# after these a `/` starts a regex, not a division
REGEX_AFTER_OPS = frozenset({"(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "=~", "!~", "&&", "||",
                             "==", "!=", "+", "-", "*", "%", "<", ">", "=>", "return", "and", "or", "not",
                             "split", "grep", "if", "unless", "when", "typeof", "case"})
HEREDOC = re.compile(r"""<<([~-]?)(["'`]?)([A-Za-z_][A-Za-z0-9_]*)\2""")
PHP_HEREDOC = re.compile(r"""<<<\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1""")


class Lexer:
    def __init__(self, text: str, syntax: Syntax) -> None:
        self.text = text
        self.syntax = syntax
        self.pos = 0
        self.line = 1
        self.tokens: list[Token] = []
        self.pending_heredocs: list[tuple[Token, str, bool, bool]] = []  # token, terminator, indented, raw

    def run(self) -> list[Token]:
        try:
            self.scan()
        except LexError as exc:
            self.tokens.append(Token("error", str(exc), line=self.line))
        self.tokens.append(Token("end", "", line=self.line))
        return self.tokens

    # --- scanning -------------------------------------------------------------------------------------------
    def scan(self) -> None:
        text, syntax = self.text, self.syntax
        space = False
        while self.pos < len(text):
            if len(self.tokens) > MAX_TOKENS:
                raise LexError(f"more than {MAX_TOKENS} tokens")
            c = text[self.pos]
            if c == "\n":
                self.pos += 1
                self.line += 1
                if self.pending_heredocs:
                    self.read_heredocs()
                self.emit("eol", "\n", space)
                space = True
                continue
            if c in " \t\r\f\v":
                blank = BLANKS.match(text, self.pos)
                self.pos = blank.end() if blank else self.pos + 1
                space = True
                continue
            if c == "\\" and text.startswith("\\\n", self.pos):
                self.pos += 2
                space = True
                continue
            if self.comment():
                space = True
                continue
            start = self.pos
            if c in "'\"" or (c == "`" and syntax.backtick):
                self.quoted(c, space)
            elif c.isdigit():
                match = NUMBER.match(text, self.pos)
                number = match.group(0) if match else c
                self.pos += len(number)
                self.emit("num", number, space)
            elif c in syntax.sigils and self.sigil(space):
                pass
            elif c.isalpha() or c == "_" or (c == "$" and syntax.dollar_names):
                self.word(space)
            elif (syntax.symbols and c == ":" and self.symbol(space)) or (syntax.percent_literals and c == "%" and self.percent(space)):
                pass
            elif syntax.long_strings and c == "[" and re.match(r"\[=*\[", text[self.pos:self.pos + 8]):
                self.long_string(space)
            elif syntax.regex and c == "/" and self.regex_allowed():
                self.pos += 1
                body = self.until_delimiter("/")
                self.flags()
                self.emit("regex", body, space)
            elif syntax.heredocs and c == "<" and self.heredoc(space):
                pass
            else:
                found = OPERATOR.match(text, self.pos)
                op = found.group(0) if found else c
                self.pos += len(op)
                self.emit("op", op, space)
            space = self.pos == start
        if self.pending_heredocs:
            self.read_heredocs()

    def emit(self, kind: str, value: str, space: bool, parts: list[str | list[Token]] | None = None) -> Token:
        token = Token(kind, value, parts or [], space, self.line)
        self.tokens.append(token)
        return token

    def comment(self) -> bool:
        text = self.text
        for start, end in self.syntax.block_comments:
            if text.startswith(start, self.pos):
                close = text.find(end, self.pos + len(start))
                stop = len(text) if close == -1 else close + len(end)
                self.line += text.count("\n", self.pos, stop)
                self.pos = stop
                return True
        for prefix in self.syntax.line_comments:
            if text.startswith(prefix, self.pos) and not (prefix == "#" and self.syntax.interpolation == "hash"
                                                          and text.startswith("#{", self.pos)):
                if prefix == "--" and self.syntax.long_strings and re.match(r"--\[=*\[", text[self.pos:self.pos + 8]):
                    close = text.find("]]", self.pos)
                    stop = len(text) if close == -1 else close + 2
                    self.line += text.count("\n", self.pos, stop)
                    self.pos = stop
                    return True
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline == -1 else newline
                return True
        return False

    def previous(self) -> Token | None:
        for token in reversed(self.tokens):
            if token.kind != "eol":
                return token
        return None

    def regex_allowed(self) -> bool:
        previous = self.previous()
        if previous is None:
            return True
        if previous.kind in ("op",):
            return previous.text in REGEX_AFTER_OPS
        return previous.kind == "name" and previous.text in REGEX_AFTER_OPS

    # --- strings --------------------------------------------------------------------------------------------
    def quoted(self, quote: str, space: bool) -> None:
        self.pos += 1
        body = self.until_delimiter(quote)
        kind = "str"
        interpolate = quote in self.syntax.interpolating
        if quote == "`":
            kind = "cmd" if self.syntax.backtick == "command" else "str"
            interpolate = True
        parts: list[str | list[Token]] = self.interpolate(body) if interpolate else [unescape(body, quote)]
        self.emit(kind, body, space, parts)

    def until_delimiter(self, close: str, open_: str = "") -> str:
        """The text up to the closing delimiter (nested pairs counted), escapes kept; past it."""
        text = self.text
        depth = 0
        start = self.pos
        while self.pos < len(text):
            c = text[self.pos]
            if c == "\\":
                self.pos += 2
                continue
            if c == "\n":
                self.line += 1
            if open_ and c == open_:
                depth += 1
            elif c == close:
                if depth == 0:
                    body = text[start:self.pos]
                    self.pos += 1
                    return body
                depth -= 1
            self.pos += 1
        raise LexError("a string, regex or quote that does not end")

    def flags(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isalpha():
            self.pos += 1

    def interpolate(self, body: str) -> list[str | list[Token]]:
        """Literal text and the code embedded in a double-quoted string."""
        style = self.syntax.interpolation
        parts: list[str | list[Token]] = []
        literal: list[str] = []
        i = 0
        while i < len(body):
            c = body[i]
            if c == "\\" and i + 1 < len(body):
                literal.append(ESCAPES.get(body[i + 1], body[i + 1]))
                i += 2
                continue
            embedded: str | None = None
            if (style == "hash" and body.startswith("#{", i)) or (style == "template" and body.startswith("${", i)):
                end = matching(body, i + 1, "{", "}")
                embedded, i = body[i + 2:end], end + 1
            elif style == "dollar" and c in "$@" and i + 1 < len(body) and (body[i + 1] == "{" or
                                                                            PLAIN_NAME.match(body, i + 1)):
                if body[i + 1] == "{":
                    end = matching(body, i + 1, "{", "}")
                    inner = body[i + 2:end]
                    embedded = (c + inner) if PLAIN_NAME.fullmatch(inner) else inner
                    i = end + 1
                else:
                    match = PLAIN_NAME.match(body, i + 1)
                    assert match is not None
                    end = match.end()
                    # `$h{key}`, `$a[0]`, `$o->{k}`: the subscript belongs to the variable
                    while (end < len(body) and body[end] in "[{") or body.startswith("->", end):
                        if body.startswith("->", end):
                            if end + 2 < len(body) and body[end + 2] in "[{":
                                end += 2
                                continue
                            break
                        end = matching(body, end, body[end], "]" if body[end] == "[" else "}") + 1
                    embedded, i = c + body[i + 1:end], end
            elif style == "dollar" and body.startswith("{$", i):
                end = matching(body, i, "{", "}")
                embedded, i = body[i + 1:end], end + 1
            if embedded is None:
                literal.append(c)
                i += 1
                continue
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Lexer(embedded, self.syntax).run())
        if literal or not parts:
            parts.append("".join(literal))
        return parts

    def sigil(self, space: bool) -> bool:
        text = self.text
        c = text[self.pos]
        nxt = text[self.pos + 1:self.pos + 2]
        if c == "%" and not (nxt.isalpha() or nxt in "_{"):
            return False
        if c == "@" and self.syntax.sigils == "@$" and nxt == "@":  # ruby class variable
            match = PLAIN_NAME.match(text, self.pos + 2)
            if match:
                self.emit("var", "@@" + match.group(0), space)
                self.pos = match.end()
                return True
        match = PLAIN_NAME.match(text, self.pos + 1)
        if match:
            name = match.group(0)
            self.pos = match.end()
            while text.startswith("::", self.pos) and PLAIN_NAME.match(text, self.pos + 2):
                more = PLAIN_NAME.match(text, self.pos + 2)
                assert more is not None
                name += "::" + more.group(0)
                self.pos = more.end()
            self.emit("var", c + name, space)
            return True
        if c == "$" and nxt and nxt in "_0!@&/\\,;.$":  # perl's special variables
            self.pos += 2
            self.emit("var", c + nxt, space)
            return True
        if c == "$" and nxt == "{":
            close = matching(text, self.pos + 1, "{", "}")
            self.emit("var", "$" + text[self.pos + 2:close].strip(), space)
            self.pos = close + 1
            return True
        return False

    def word(self, space: bool) -> None:
        text = self.text
        pattern = DOTTED_NAME if self.syntax.dotted_names else DOLLAR_NAME if self.syntax.dollar_names else NAME
        match = pattern.match(text, self.pos)
        assert match is not None
        name = match.group(0)
        if name.endswith(("?", "!")) and self.syntax.symbols is False:
            name = name[:-1]
        if self.syntax.quote_like and name in PERL_QUOTES and self.perl_quote(name, space):
            return
        self.pos += len(name)
        if self.syntax.quote_like:  # Perl package names: File::Path::rmtree
            while text.startswith("::", self.pos) and PLAIN_NAME.match(text, self.pos + 2):
                more = PLAIN_NAME.match(text, self.pos + 2)
                assert more is not None
                name += "::" + more.group(0)
                self.pos = more.end()
        self.emit("name", name, space)

    def perl_quote(self, name: str, space: bool) -> bool:
        text = self.text
        after = self.pos + len(name)
        while after < len(text) and text[after] in " \t":
            after += 1
        if after >= len(text):
            return False
        opener = text[after]
        if opener.isalnum() or opener in "_,;)=" or (opener == "=" and text[after + 1:after + 2] == ">"):
            return False
        if text.startswith("=>", after):
            return False
        closer = PAIRS.get(opener, opener)
        self.pos = after + 1
        first = self.until_delimiter(closer, opener if closer != opener else "")
        second = ""
        if name in ("s", "tr", "y"):
            if closer != opener:
                while self.pos < len(text) and text[self.pos] in " \t":
                    self.pos += 1
                if self.pos < len(text):
                    inner_open = text[self.pos]
                    inner_close = PAIRS.get(inner_open, inner_open)
                    self.pos += 1
                    second = self.until_delimiter(inner_close, inner_open if inner_close != inner_open else "")
            else:
                second = self.until_delimiter(closer)
        self.flags()
        if name == "qw":
            self.emit("words", first, space, [w for w in first.split()])
        elif name in ("q",):
            self.emit("str", first, space, [unescape(first, closer)])
        elif name == "qq":
            self.emit("str", first, space, self.interpolate(first))
        elif name == "qx":
            self.emit("cmd", first, space, [first] if opener == "'" else self.interpolate(first))
        else:
            self.emit("regex", first + ("\x00" + second if second else ""), space)
        return True

    def symbol(self, space: bool) -> bool:
        text = self.text
        if text.startswith("::", self.pos):
            return False
        match = NAME.match(text, self.pos + 1)
        previous = self.previous()
        if match and (previous is None or (previous.kind == "op" and previous.text not in (")", "]")) or space):
            self.pos = match.end()
            self.emit("sym", match.group(0), space, [match.group(0)])
            return True
        if text.startswith((':"', ":'"), self.pos):
            quote = text[self.pos + 1]
            self.pos += 2
            body = self.until_delimiter(quote)
            self.emit("sym", body, space, [body])
            return True
        return False

    def percent(self, space: bool) -> bool:
        text = self.text
        match = re.match(r"%([qQwWxiIr]?)([^\w\s])", text[self.pos:self.pos + 3])
        previous = self.previous()
        if match is None or (previous is not None and previous.kind in ("name", "var", "num", "str")
                             and not space) or (previous is not None and previous.kind in ("var", "num")):
            return False
        kind, opener = match.group(1), match.group(2)
        closer = PAIRS.get(opener, opener)
        self.pos += len(match.group(0))
        body = self.until_delimiter(closer, opener if closer != opener else "")
        if kind in ("w", "W", "i", "I"):
            self.emit("words", body, space, [w for w in body.split()])
        elif kind == "x":
            self.emit("cmd", body, space, self.interpolate(body))
        elif kind == "r":
            self.flags()
            self.emit("regex", body, space)
        elif kind == "q":
            self.emit("str", body, space, [body])
        else:
            self.emit("str", body, space, self.interpolate(body))
        return True

    def long_string(self, space: bool) -> None:
        text = self.text
        match = re.match(r"\[(=*)\[", text[self.pos:])
        assert match is not None
        closer = "]" + match.group(1) + "]"
        start = self.pos + len(match.group(0))
        end = text.find(closer, start)
        if end == -1:
            raise LexError("a long string that does not end")
        body = text[start:end]
        self.line += body.count("\n")
        self.pos = end + len(closer)
        self.emit("str", body, space, [body.removeprefix("\n")])

    def heredoc(self, space: bool) -> bool:
        text = self.text
        php = PHP_HEREDOC.match(text, self.pos)
        if php is not None:
            self.pos = php.end()
            token = self.emit("str", "", space)
            self.pending_heredocs.append((token, php.group(2), True, php.group(1) == "'"))
            return True
        match = HEREDOC.match(text, self.pos)
        previous = self.previous()
        if match is None or (previous is not None and previous.kind in ("var", "num", "name") and
                             previous.text not in ("print", "puts", "echo", "return", "say", "system", "exec")):
            return False
        self.pos = match.end()
        token = self.emit("cmd" if match.group(2) == "`" else "str", "", space)
        self.pending_heredocs.append((token, match.group(3), bool(match.group(1)), match.group(2) == "'"))
        return True

    def read_heredocs(self) -> None:
        text = self.text
        for token, terminator, indented, raw in self.pending_heredocs:
            lines: list[str] = []
            while self.pos < len(text):
                newline = text.find("\n", self.pos)
                line = text[self.pos:] if newline == -1 else text[self.pos:newline]
                self.pos = len(text) if newline == -1 else newline + 1
                self.line += 1
                if (line.strip() if indented else line) in (terminator, terminator + ";"):
                    break
                lines.append(line)
            body = "\n".join(lines) + "\n"
            token.text = body
            token.parts = [body] if raw else self.interpolate(body)
        self.pending_heredocs = []


class LexError(Exception):
    pass


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\x00", "e": "\x1b", "a": "\a"}


def unescape(body: str, quote: str) -> str:
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(nxt if nxt in (quote, "\\") else (ESCAPES.get(nxt, "\\" + nxt) if quote == '"' else "\\" + nxt))
            i += 2
            continue
        out.append(body[i])
        i += 1
    return "".join(out)


def matching(text: str, start: int, open_: str, close: str) -> int:
    """The index of the `close` that matches the `open_` at `start`."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise LexError("a `{` or `[` in a string that does not close")


def tokenize(text: str, syntax: Syntax) -> list[Token]:
    return Lexer(text, syntax).run()
