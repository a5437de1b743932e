"""Python code, read with `ast` and followed statement by statement, the way it would run.

Values are carried from assignment to use (`r = shutil.rmtree; r(p)`, `p = Path.home() / '.ssh'`), imports
and aliases are resolved (`from os import system as s`, `__import__('shutil')`,
`importlib.import_module('sh' + 'util')`, `getattr(os, 'sys' + 'tem')`), loops give their elements to their
bodies (`[f.unlink() for f in p.iterdir()]` deletes everything in p), functions and classes of the program
are read where they are defined, and modules of the project it imports are read too.

Understanding is positive: a call is allowed only when it is one of the tables below (or the program's own
code). Everything else is reported as not understood, naming the call.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field

from changegate.understand.base import UNKNOWN_PART
from changegate.understand.commands.interpreters import pytables as T
from changegate.understand.commands.interpreters.actions import Actions
from changegate.understand.commands.interpreters.pytables import (
    constant,
    env_value,
    format_percent,
    is_file,
    join_path,
    path_attribute,
    read_source,
    truthy_constant,
    written,
)
from changegate.understand.commands.interpreters.services import service_attribute, service_call
from changegate.understand.commands.interpreters.values import Val, concat, merge

MAX_CODE = 512 * 1024  # bytes of Python read (a script on disk, a module it imports)
MAX_MODULES = 16  # project modules read for one program
MAX_DEPTH = 200  # nesting of expressions followed
PLAIN = frozenset({"str", "num", "data", "list", "dict", "bool", "none", "file", "environ"})
CLASS_BODY = "\x00class"  # marks the scope of a class body (no Python name can be it)


@dataclass
class ClassInfo:
    name: str
    methods: set[str] = field(default_factory=set)
    attributes: dict[str, Val] = field(default_factory=dict)
    bases: list[Val] = field(default_factory=list)


@dataclass
class Call:
    """One call as written: its name (for evidence), the callee's value, its arguments."""

    node: ast.Call
    callee: Val
    args: list[Val]
    kwargs: dict[str, Val]
    starred: bool  # `f(*xs)` or `f(**kw)`: more arguments than are seen

    def arg(self, index: int, *names: str) -> Val | None:
        for name in names:
            if name in self.kwargs:
                return self.kwargs[name]
        return self.args[index] if index < len(self.args) else None


class PythonCode:
    """Walks one program (and the project modules it imports) into `actions`."""

    def __init__(self, actions: Actions, search: Sequence[str] = (), *, loaded: set[str] | None = None) -> None:
        self.actions = actions
        self.search = [s for s in search if s]
        self.loaded: set[str] = loaded if loaded is not None else set()
        self.globals: dict[str, Val] = {}
        self.scopes: list[dict[str, Val]] = []
        self.loops: list[bool] = []  # one per enclosing loop: does it never end?
        self.classes: dict[str, ClassInfo] = {}
        self.current_class: list[ClassInfo] = []
        self.returns: list[list[Val]] = []
        self.depth = 0

    # --- entry ---------------------------------------------------------------------------------------------
    def run(self, code: str, origin: str) -> None:
        self.actions.allow_time(code)
        if len(code) > MAX_CODE:
            self.actions.unknown(f"is larger than {MAX_CODE // 1024} KiB ({origin})")
            return
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.actions.unknown(f"does not parse as Python 3 ({origin}: {type(exc).__name__})")
            return
        try:
            self.block(tree.body)
        except RecursionError:
            self.actions.unknown(f"nests too deeply to follow ({origin})")

    # --- names ---------------------------------------------------------------------------------------------
    def bind(self, name: str, value: Val) -> None:
        (self.scopes[-1] if self.scopes else self.globals)[name] = value

    def lookup(self, name: str) -> Val:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.globals:
            return self.globals[name]
        if name in T.BUILTINS or name in T.EXCEPTIONS:
            return Val("func", name=f"builtins.{name}")
        if name in ("__builtins__", "builtins"):
            return Val("module", name="builtins")
        if name in ("__name__", "__file__", "__doc__"):
            return Val.string("__main__" if name == "__name__" else UNKNOWN_PART)
        return Val.unknown(f"the name {name}")

    def assign(self, target: ast.expr, value: Val) -> None:
        value = self.settle(value)
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value.items if value.items is not None and len(value.items) == len(target.elts) else None
            for index, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    self.assign(element.value, Val.list_of(elem=value.iterated()))
                else:
                    self.assign(element, items[index] if items is not None else value.iterated())
        elif isinstance(target, ast.Attribute):
            owner = self.expr(target.value)
            if owner.kind == "instance" and owner.name in self.classes:
                self.classes[owner.name].attributes[target.attr] = value
            elif owner.kind == "module" and owner.name == "os" and target.attr == "environ":
                pass
        elif isinstance(target, ast.Subscript):
            owner = self.expr(target.value)
            key = self.expr(target.slice)
            if owner.kind == "environ":
                name = key.literal()
                if name is not None:
                    self.actions.ctx.env[name] = value.text_or_unknown()
            elif owner.kind == "dict" and key.literal() is not None:
                owner.fields[key.literal() or ""] = value
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value)

    # --- statements ----------------------------------------------------------------------------------------
    def block(self, body: Sequence[ast.stmt]) -> None:
        # a function may call one defined after it (`def main(): helper()`): the names are known up front
        scope = self.scopes[-1] if self.scopes else self.globals
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name not in scope:
                scope[statement.name] = Val("fn", name=statement.name)
            elif isinstance(statement, ast.ClassDef) and statement.name not in scope:
                scope[statement.name] = Val("class", name=statement.name)
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        self.actions.tick()
        if isinstance(node, ast.Expr):
            self.expr(node.value)
        elif isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.assign(target, value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.expr(node.value))
        elif isinstance(node, ast.AugAssign):
            current = self.expr(node.target) if isinstance(node.target, ast.Name) else Val.unknown()
            added = self.expr(node.value)
            if isinstance(node.op, ast.Add) and current.textual and added.textual:
                self.assign(node.target, concat([current, added]))
            elif isinstance(node.target, ast.Name):
                self.assign(node.target, merge([current, added]) if current.kind != "unknown" else Val.data())
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self.import_(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node)
        elif isinstance(node, ast.ClassDef):
            self.class_(node)
        elif isinstance(node, ast.If):
            self.expr(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterable = self.expr(node.iter)
            self.assign(node.target, iterable.iterated())
            self.loop(node.body, endless=iterable.kind == "obj" and iterable.name == "endless")
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            test = self.expr(node.test)
            self.loop(node.body, endless=truthy_constant(node.test, test))
            self.block(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, value)
            self.block(node.body)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            self.block(node.body)
            for handler in node.handlers:
                if handler.type is not None:
                    self.expr(handler.type)
                if handler.name:
                    self.bind(handler.name, Val.data())
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, ast.Return):
            value = self.expr(node.value) if node.value is not None else Val("none")
            if self.returns:
                self.returns[-1].append(value)
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.expr(node.exc)
        elif isinstance(node, ast.Assert):
            self.expr(node.test)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if not isinstance(target, ast.Name):
                    self.expr(target.value if isinstance(target, (ast.Subscript, ast.Attribute)) else target)
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            for case in node.cases:
                if case.guard is not None:
                    self.expr(case.guard)
                self.block(case.body)
        elif isinstance(node, (ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)):
            return
        else:
            self.actions.unknown(f"uses a statement changegate does not follow ({type(node).__name__})")

    def loop(self, body: Sequence[ast.stmt], *, endless: bool) -> None:
        self.loops.append(endless)
        try:
            self.block(body)
        finally:
            self.loops.pop()

    def in_endless_loop(self) -> bool:
        return any(self.loops)

    # --- imports ---------------------------------------------------------------------------------------------
    def import_(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                module = self.module(alias.name)
                if alias.asname:
                    self.bind(alias.asname, module)
                else:
                    head = alias.name.split(".", 1)[0]
                    self.bind(head, self.module(head) if head != alias.name else module)
            return
        base = node.module or ""
        if node.level:
            base = "project:" + base  # a relative import: the project's own code
        for alias in node.names:
            if alias.name == "*":
                self.star_import(base)
                continue
            qualified = f"{base}.{alias.name}" if base else alias.name
            value = self.module(qualified, quiet=True) if self.project_file(qualified) else None
            if value is None:
                owner = self.module(base)
                value = self.attribute(owner, alias.name)
            self.bind(alias.asname or alias.name, value)

    def star_import(self, base: str) -> None:
        module = self.module(base)
        if module.kind == "module" and module.name.startswith("project:"):
            return
        for name in T.STAR_EXPORTS.get(base, ()):
            self.bind(name, Val("func", name=f"{base}.{name}"))

    def module(self, name: str, *, quiet: bool = False) -> Val:
        """A module by its dotted name: the project's own (read now), or a library one."""
        if name.startswith("project:"):
            return Val("module", name=name)
        path = self.project_file(name)
        if path is not None:
            self.read_module(name, path)
            return Val("module", name=f"project:{name}")
        return Val("module", name=T.MODULE_ALIASES.get(name, name))

    def project_file(self, name: str) -> str | None:
        relative = name.removeprefix("project:").replace(".", "/")
        if not relative:
            return None
        for directory in self.search:
            for candidate in (f"{relative}.py", f"{relative}/__init__.py"):
                path = posixpath.join(directory, candidate)
                if path in self.actions.ctx.files or is_file(path):
                    return path
        return None

    def read_module(self, name: str, path: str) -> None:
        if path in self.loaded:
            return
        self.loaded.add(path)
        if len(self.loaded) > MAX_MODULES:
            self.actions.unknown(f"imports more than {MAX_MODULES} modules of the project ({name})")
            return
        text = self.actions.ctx.files.get(path)
        if text is None:
            text = read_source(path)
        if text is None or text == UNKNOWN_PART:
            self.actions.unknown(f"imports the project module {name}, which cannot be read ({path})")
            return
        PythonCode(self.actions, self.search, loaded=self.loaded).run(text, f"the module {path}")

    # --- definitions -----------------------------------------------------------------------------------------
    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> Val:
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
            self.expr(default)
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.expr(decorator)
        scope: dict[str, Val] = {}
        params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        method_of = self.current_class[-1] if self.in_class_body() else None
        static = not isinstance(node, ast.Lambda) and any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
        for index, arg in enumerate(params):
            if index == 0 and method_of is not None and not static:
                scope[arg.arg] = Val("instance" if arg.arg != "cls" else "class", name=method_of.name)
            else:
                scope[arg.arg] = Val.unknown(f"the parameter {arg.arg}")
        for extra in (node.args.vararg, node.args.kwarg):
            if extra is not None:
                scope[extra.arg] = Val.unknown(f"the parameter {extra.arg}")
        name = "lambda" if isinstance(node, ast.Lambda) else node.name
        value = Val("fn", name=name)
        if not isinstance(node, ast.Lambda):
            self.bind(name, value)
            if method_of is not None:
                method_of.methods.add(name)
        self.scopes.append(scope)
        self.returns.append([])
        loops, self.loops = self.loops, []
        try:
            if isinstance(node, ast.Lambda):
                self.returns[-1].append(self.expr(node.body))
            else:
                self.block(node.body)
        finally:
            self.loops = loops
            self.scopes.pop()
            returned = self.returns.pop()
        if returned:
            value.elem = merge(returned)  # what calling it gives
        return value

    def in_class_body(self) -> bool:
        """Directly in a class's body, where a `def` is a method (a def nested in a method is none)."""
        return bool(self.current_class) and bool(self.scopes) and CLASS_BODY in self.scopes[-1]

    def class_(self, node: ast.ClassDef) -> None:
        info = ClassInfo(node.name, bases=[self.expr(b) for b in node.bases])
        for keyword in node.keywords:
            self.expr(keyword.value)
        for decorator in node.decorator_list:
            self.expr(decorator)
        self.classes[node.name] = info
        self.bind(node.name, Val("class", name=node.name))
        self.current_class.append(info)
        self.scopes.append({CLASS_BODY: Val.data()})
        try:
            self.block(node.body)
        finally:
            self.scopes.pop()
            self.current_class.pop()

    # --- expressions -----------------------------------------------------------------------------------------
    def expr(self, node: ast.expr | None) -> Val:
        if node is None:
            return Val("none")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                self.actions.unknown("nests expressions too deeply to follow")
                return Val.unknown("too deep")
            self.actions.tick()
            return self._expr(node)
        finally:
            self.depth -= 1

    def _expr(self, node: ast.expr) -> Val:
        if isinstance(node, ast.Constant):
            return constant(node.value)
        if isinstance(node, ast.JoinedStr):
            return concat([self.expr(v) for v in node.values])
        if isinstance(node, ast.FormattedValue):
            value = self.expr(node.value)
            if node.format_spec is not None:
                self.expr(node.format_spec)
            return value if value.kind in ("str", "path", "num") else Val.string(UNKNOWN_PART)
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.expr(node.value), node.attr)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.expr(node.value), self.expr(node.slice))
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.BoolOp):
            values = [self.expr(v) for v in node.values]
            if isinstance(node.op, ast.Or):
                return next((v for v in values if v.literal()), values[-1]) if values else Val.data()
            return values[-1] if values else Val.data()
        if isinstance(node, ast.UnaryOp):
            self.expr(node.operand)
            return Val.data()
        if isinstance(node, ast.Compare):
            self.expr(node.left)
            for comparator in node.comparators:
                self.expr(comparator)
            return Val("bool")
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return merge([self.expr(node.body), self.expr(node.orelse)])
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.expr(e) for e in node.elts]
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return Val.list_of(elem=merge([i.iterated() if isinstance(e, ast.Starred) else i
                                               for i, e in zip(items, node.elts, strict=True)]))
            return Val.list_of(items)
        if isinstance(node, ast.Dict):
            fields: dict[str, Val] = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                evaluated = self.expr(value_node)
                name = self.expr(key_node).literal() if key_node is not None else None
                if name is not None:
                    fields[name] = evaluated
            return Val("dict", fields=fields)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        if isinstance(node, ast.Lambda):
            return self.function(node)
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom)):
            return self.expr(node.value) if node.value is not None else Val("none")
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.assign(node.target, value)
            return value
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.expr(part)
            return Val.data()
        self.actions.unknown(f"uses an expression changegate does not follow ({type(node).__name__})")
        return Val.unknown(type(node).__name__)

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> Val:
        self.scopes.append({})
        try:
            for generator in node.generators:
                iterable = self.expr(generator.iter)
                self.assign(generator.target, iterable.iterated())
                for condition in generator.ifs:
                    self.expr(condition)
            if isinstance(node, ast.DictComp):
                self.expr(node.key)
                element = self.expr(node.value)
            else:
                element = self.expr(node.elt)
        finally:
            self.scopes.pop()
        return Val.list_of(elem=element)

    def binary(self, node: ast.BinOp) -> Val:
        left, right = self.expr(node.left), self.expr(node.right)
        if isinstance(node.op, ast.Add) and (left.textual or right.textual):
            return concat([left, right])
        if isinstance(node.op, ast.Div) and left.kind == "path":
            return join_path(left, right)
        if isinstance(node.op, ast.Mod) and left.kind == "str":
            return Val.string(format_percent(left.text_or_unknown(), right))
        if isinstance(node.op, ast.Add) and left.kind == "list" and right.kind == "list":
            if left.items is not None and right.items is not None:
                return Val.list_of([*left.items, *right.items])
            return Val.list_of(elem=merge([left.iterated(), right.iterated()]))
        if left.kind == "num" and right.kind == "num":
            return Val("num")
        return Val.data() if left.kind != "unknown" and right.kind != "unknown" else Val.unknown("a computed value")

    # --- attributes and items --------------------------------------------------------------------------------
    def settle(self, value: Val) -> Val:
        """An attribute used as a value rather than called: a library object's sub-object (`es.indices`,
        `client.shop`) where it is one; an attribute of plain data (`.real`, `.stdout`) is data."""
        if value.kind != "ref" or value.bound is None:
            return value
        owner = value.bound
        if owner.kind == "obj":
            nested = service_attribute(owner, value.name)
            if nested is not None:
                return nested
        if owner.kind in PLAIN and value.name not in T.SAFE_METHODS:
            return Val.data()
        return value

    def attribute(self, owner: Val, name: str) -> Val:
        owner = self.settle(owner)
        if owner.kind == "module":
            qualified = f"{owner.name}.{name}"
            if owner.name.startswith("project:"):
                return Val("fn", name=qualified)
            if qualified in T.MODULES or qualified in T.MODULE_ALIASES:
                return Val("module", name=T.MODULE_ALIASES.get(qualified, qualified))
            constant_value = T.CONSTANTS.get(qualified)
            if constant_value is not None:
                return constant_value(self.actions)
            return Val("func", name=qualified)
        if owner.kind == "func" and owner.name in T.CLASSES_WITH_STATICS:
            return Val("func", name=f"{owner.name}.{name}")
        if owner.kind == "path":
            return path_attribute(owner, name) or Val("ref", name=name, bound=owner)
        if owner.kind == "file" and name == "name":
            return owner.field("path") or Val.string(UNKNOWN_PART)
        if owner.kind == "obj" and name in owner.fields:
            return owner.fields[name]
        if owner.kind == "obj" and owner.name in ("subprocess-result", "popen", "http-response") and \
                name in ("stdout", "stderr", "returncode", "pid", "text", "content", "status_code", "headers", "ok",
                         "reason", "url", "encoding", "status"):
            return Val.data()
        if owner.kind == "instance" and owner.name in self.classes:
            info = self.classes[owner.name]
            if name in info.attributes:
                return info.attributes[name]
            if name in info.methods:
                return Val("fn", name=f"{owner.name}.{name}")
        if owner.kind == "class" and owner.name in self.classes and name in self.classes[owner.name].methods:
            return Val("fn", name=f"{owner.name}.{name}")
        return Val("ref", name=name, bound=owner)

    def subscript(self, owner: Val, key: Val) -> Val:
        owner = self.settle(owner)
        if owner.kind == "environ":
            name = key.literal()
            if name is None:
                return Val.string(UNKNOWN_PART)
            return env_value(self.actions, name)
        if owner.kind == "dict":
            name = key.literal()
            if name is not None and name in owner.fields:
                return owner.fields[name]
            return Val.data()
        if owner.kind == "list":
            if owner.items is not None and key.kind == "num" and key.text is not None and key.text.lstrip("-").isdigit():
                index = int(key.text)
                if -len(owner.items) <= index < len(owner.items):
                    return owner.items[index]
            return owner.iterated() if key.kind != "data" else owner
        if owner.kind == "obj":
            nested = service_attribute(owner, key.text_or_unknown())
            if nested is not None:
                return nested
        if owner.kind in ("str", "path"):
            return Val.string(UNKNOWN_PART)
        if owner.kind in ("data", "num", "file"):
            return Val.data()
        return Val.unknown(f"an item of {owner.describe()}")

    # --- calls -------------------------------------------------------------------------------------------------
    def call(self, node: ast.Call) -> Val:
        callee = self.expr(node.func)
        args: list[Val] = []
        starred = False
        for argument in node.args:
            value = self.settle(self.expr(argument))
            if isinstance(argument, ast.Starred):
                starred = True
                if value.items is not None:
                    args.extend(value.items)
                    continue
            args.append(value)
        kwargs: dict[str, Val] = {}
        for keyword in node.keywords:
            value = self.settle(self.expr(keyword.value))
            if keyword.arg is None:
                starred = True
                kwargs.update(value.fields)
            else:
                kwargs[keyword.arg] = value
        call = Call(node, callee, args, kwargs, starred)
        result = self.invoke(call)
        self.apply_callbacks(call)
        return result

    def invoke(self, call: Call) -> Val:
        callee = call.callee
        if callee.kind == "fn":
            return callee.elem or Val.data()
        if callee.kind == "class":
            return Val("instance", name=callee.name)
        if callee.kind == "func":
            return self.library_call(callee.name, call)
        if callee.kind == "ref" and callee.bound is not None:
            return self.method_call(callee.bound, callee.name, call)
        if callee.kind == "module":
            self.actions.unknown(f"calls the module {callee.name}")
            return Val.unknown()
        self.actions.unknown(f"calls {written(call.node.func)}()")
        return Val.unknown(f"what {written(call.node.func)}() returns")

    def library_call(self, name: str, call: Call) -> Val:
        name = T.FUNCTION_ALIASES.get(name, name)
        handler = T.handler_for(name)
        if handler is not None:
            return handler(self, Call(call.node, Val("func", name=name), call.args, call.kwargs, call.starred))
        if T.is_pure(name) or name.startswith("project:"):
            return Val.data()
        self.actions.unknown(f"calls {name}()")
        return Val.unknown(f"what {name}() returns")

    def method_call(self, owner: Val, method: str, call: Call) -> Val:
        if owner.kind == "path":
            return T.path_method(self, owner, method, call)
        if owner.kind == "obj":
            result = service_call(self.actions, owner, method, call.args, call.kwargs)
            if result is not None:
                return result
            handler = T.OBJECT_METHODS.get(owner.name)
            if handler is not None:
                handled = handler(self, owner, method, call)
                if handled is not None:
                    return handled
            self.actions.unknown(f"calls .{method}() on a {owner.name} object")
            return Val.unknown()
        if owner.kind == "file":
            return T.file_method(self, owner, method, call)
        if owner.kind == "environ":
            return T.environ_method(self, method, call)
        if owner.kind in ("str", "num", "bool", "none", "data", "list", "dict"):
            if method in T.SAFE_METHODS or (method.startswith("__") and method.endswith("__")):
                return T.plain_method(owner, method, call)
            self.actions.unknown(f"calls .{method}() on {owner.describe()}")
            return Val.unknown()
        if owner.kind == "instance":
            info = self.classes.get(owner.name)
            if info is not None and method in info.methods:
                return Val.data()
            if method in T.SAFE_METHODS or method.startswith(("assert", "__")) or method in T.TEST_CASE_METHODS:
                return Val.data()
            self.actions.unknown(f"calls .{method}() on a {owner.name} object")
            return Val.unknown()
        if owner.kind in ("fn", "class", "func", "module"):
            if method in ("__call__", "__init__", "__new__"):
                return self.invoke(Call(call.node, owner, call.args, call.kwargs, call.starred))
            if owner.kind == "func" and method in T.SAFE_METHODS:
                return Val.data()
            return self.library_call(f"{owner.name}.{method}", call)
        if method in T.SAFE_ON_ANYTHING or (method.startswith("__") and method.endswith("__")):
            return Val.data()
        self.actions.unknown(f"calls .{method}() on {owner.describe()}")
        return Val.unknown(f"what .{method}() returns")

    def apply_callbacks(self, call: Call) -> None:
        """A function passed to another call (`map(os.remove, paths)`, `atexit.register(shutil.rmtree, p)`,
        `Thread(target=os.system, args=(cmd,))`) runs with what follows it."""
        handled = call.callee.kind == "func" and call.callee.name in T.CALLBACK_TAKERS
        if handled:
            return
        candidates = [(i, a) for i, a in enumerate(call.args) if is_callable(a)]
        for index, function in candidates:
            rest = call.args[index + 1:]
            self.invoke(Call(call.node, function, [r.iterated() if r.kind == "list" else r for r in rest], {},
                             True))
        target = call.kwargs.get("target")
        if target is not None and is_callable(target):
            given = call.kwargs.get("args")
            self.invoke(Call(call.node, target, list(given.items or ()) if given is not None else [], {}, True))




def is_callable(value: Val) -> bool:
    """A library function or a method of a path, library object or instance: passed to another call, it
    is called with what follows it."""
    if value.kind == "func":
        return True
    return value.kind == "ref" and value.bound is not None and value.bound.kind in ("path", "obj", "instance")
