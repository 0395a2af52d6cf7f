"""What a Python training script writes and reads, found by reading its syntax tree.

`mlci init` must never guess a model, metrics or plots path that no script produces, so
it reads the scripts (with `ast`: never importing or running them) and collects the
files they write, each with the call and the line that writes it, plus the facts that
decide the rest of the guess: metrics logged to MLflow, a DVCLive logger, GPU use.

A path counts only when it can be worked out from the source: string literals, simple
f-strings, constants, `os.path.join`, `Path(...) / ...`, `Path(__file__).parent` and the
defaults of argparse options and function parameters. A write whose path is computed at
run time is kept as `unresolved`, so init can say it saw one and could not name it.

Paths come back relative to the repository root, as the training command (run from
the root, or from a DVC stage's `wdir`) would resolve them.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp")
MODEL_SUFFIXES = (
    ".joblib", ".pkl", ".pickle", ".pt", ".pth", ".ckpt", ".h5", ".keras", ".onnx",
    ".model", ".cbm", ".ubj", ".safetensors", ".skops", ".bin", ".sav",
)  # fmt: skip
DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".feather", ".json", ".jsonl", ".xlsx", ".npy")
MODEL_NAMES = re.compile(
    r"model|clf|classifier|regressor|estimator|pipe|net|learner|booster|forest|tree|svm|knn",
    re.IGNORECASE,
)
METRIC_NAMES = re.compile(r"metric|score|result|eval|summary|performance", re.IGNORECASE)
PLOT_NAMES = re.compile(
    r"plot|figure|fig|chart|curve|roc|prc|precision_recall|confusion|residual|importance|"
    r"calibration|loss|history|lift|gain",
    re.IGNORECASE,
)
# `accuracy: `, `Accuracy = `, `f1 `: the label before a value in a `key: value` text line.
_TEXT_LABEL = re.compile(r"(?:^|\n)\s*[A-Za-z_][\w .\-/()%]*?(?:\s*[:=]\s*|\s+)$")
_FIT_CALLS = {"fit", "partial_fit", "fit_generator", "train", "backward", "train_model"}
_MODEL_DUMPS = {
    ("joblib", "dump"), ("pickle", "dump"), ("torch", "save"), ("dill", "dump"),
    ("cloudpickle", "dump"), ("skops", "dump"), ("io", "dump"), ("onnx", "save"),
    ("onnx", "save_model"), ("saved_model", "save"), ("models", "save_model"),
    ("keras", "save_model"), ("safetensors", "save_file"), ("torch", "save_file"),
}  # fmt: skip
_TABLE_WRITES = {"to_csv", "to_json", "to_parquet", "to_feather", "to_excel", "savetxt", "save"}


@dataclass(frozen=True)
class Written:
    """A file a script writes: its path, what it holds (`kind`) and how it is written."""

    path: str  # relative to the repository root, POSIX separators
    kind: str  # metrics | model | plot | data | file
    format: str  # json | yaml | text | csv | tsv | image | binary | folder | ...
    source: str  # the script, relative to the root
    line: int
    how: str  # "json.dump of a dict of numbers", "plt.savefig"

    def evidence(self) -> str:
        return f"written by {self.source} line {self.line} ({self.how})"


@dataclass(frozen=True)
class Read:
    path: str
    source: str
    line: int
    how: str


@dataclass(frozen=True)
class Mark:
    """A line worth citing: GPU use, an MLflow call, a write whose path is computed."""

    source: str
    line: int
    text: str

    def evidence(self) -> str:
        return f"{self.source} line {self.line} {self.text}"


@dataclass(frozen=True)
class ScriptFacts:
    source: str
    writes: tuple[Written, ...] = ()
    reads: tuple[Read, ...] = ()
    unresolved: tuple[Mark, ...] = ()
    mlflow_metrics: tuple[Mark, ...] = ()  # log_metric(s), autolog
    mlflow_params: tuple[Mark, ...] = ()
    mlflow_models: tuple[Mark, ...] = ()  # log_model: the model is an MLflow artifact
    tracking_uri: str | None = None  # a literal mlflow.set_tracking_uri(...)
    dvclive: tuple[Mark, ...] = ()  # text: the DVCLive folder
    gpu: tuple[Mark, ...] = ()
    fits: tuple[Mark, ...] = ()  # calls that train a model
    is_main: bool = False  # has `if __name__ == "__main__"` (or is a plain script)
    imports: tuple[str, ...] = ()  # dotted module names, relative ones with leading dots
    required_args: tuple[str, ...] = ()  # argparse options with no default that are required
    mentions: tuple[str, ...] = ()  # every string literal (to find a params file named anywhere)
    error: str | None = None  # the script does not parse

    def written(self, kind: str) -> tuple[Written, ...]:
        return tuple(w for w in self.writes if w.kind == kind)


def _dotted(node: ast.AST) -> str:
    """`np.savetxt` -> "np.savetxt"; anything else that is not a name chain -> ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return ""


def _arg(call: ast.Call, position: int, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _mode(call: ast.Call) -> str:
    mode = _arg(call, 1, "mode")
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return mode.value
    return "r" if mode is None else "?"


def _writes_mode(mode: str) -> bool:
    return any(flag in mode for flag in "wax+")


class _Script(ast.NodeVisitor):
    def __init__(self, source: str, root: Path, cwd: str, tree: ast.Module) -> None:
        self.source, self.root, self.cwd, self.tree = source, root, cwd, tree
        self.assigned: dict[str, list[ast.expr]] = {}
        self.options: dict[str, ast.expr | None] = {}  # argparse dest -> default
        self.required: list[str] = []
        self.streams: dict[str, tuple[str | None, str, int]] = {}  # f -> (path, mode, line)
        self.writes: list[Written] = []
        self.reads: list[Read] = []
        self.unresolved: list[Mark] = []
        self.mlflow_metrics: list[Mark] = []
        self.mlflow_params: list[Mark] = []
        self.mlflow_models: list[Mark] = []
        self.tracking_uri: str | None = None
        self.dvclive: list[Mark] = []
        self.gpu: list[Mark] = []
        self.fits: list[Mark] = []
        self.cuda_names: set[str] = set()
        self._collect()

    # -- the first pass: names, argparse options, streams -------------------------------

    def _collect(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is not None:
                    self.assigned.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._parameter_defaults(node.args)
            elif isinstance(node, ast.Call) and _dotted(node.func).endswith("add_argument"):
                self._option(node)
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self._stream(item.optional_vars.id, item.context_expr)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    self._stream(target.id, node.value)
        for name, values in self.assigned.items():
            if any(self._is_cuda(value) for value in values):
                self.cuda_names.add(name)

    def _parameter_defaults(self, args: ast.arguments) -> None:
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            self.assigned.setdefault(arg.arg, []).append(default)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                self.assigned.setdefault(arg.arg, []).append(kw_default)

    def _option(self, call: ast.Call) -> None:
        flags = [
            a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        dest_node = next((k.value for k in call.keywords if k.arg == "dest"), None)
        if isinstance(dest_node, ast.Constant) and isinstance(dest_node.value, str):
            dest = dest_node.value
        else:
            longs = [f for f in flags if f.startswith("--")]
            chosen = longs[0] if longs else (flags[0] if flags else "")
            dest = chosen.lstrip("-").replace("-", "_")
        if not dest:
            return
        default = next((k.value for k in call.keywords if k.arg == "default"), None)
        self.options[dest] = default
        required = next((k.value for k in call.keywords if k.arg == "required"), None)
        positional = bool(flags) and not flags[0].startswith("-")
        nargs = next((k.value for k in call.keywords if k.arg == "nargs"), None)
        optional_positional = isinstance(nargs, ast.Constant) and nargs.value in ("?", "*")
        if default is None and (
            (isinstance(required, ast.Constant) and required.value is True)
            or (positional and not optional_positional)
        ):
            self.required.append(flags[0])

    def _stream(self, name: str, value: ast.expr) -> None:
        found = self._stream_info(value)
        if found is not None:
            self.streams[name] = found

    def _stream_info(self, value: ast.expr) -> tuple[str | None, str, int] | None:
        """(path, mode, line) of `open(...)`/`Path(...).open(...)`, else None."""
        if not isinstance(value, ast.Call):
            return None
        func = _dotted(value.func)
        if func in ("open", "io.open", "codecs.open", "gzip.open"):
            path, mode = self.path_of(_arg(value, 0, "file", "filename")), _mode(value)
        elif func.endswith(".open") and isinstance(value.func, ast.Attribute):
            path = self.path_of(value.func.value)  # Path("x").open("w")
            mode = _mode(value) if value.args else "r"
            if value.args and isinstance(value.args[0], ast.Constant):
                mode = str(value.args[0].value)
        else:
            return None
        return path, mode, value.lineno

    # -- resolving an expression to a path ----------------------------------------------

    def text(self, node: ast.AST | None, depth: int = 0) -> str | None:
        """The string an expression evaluates to, when the source alone tells it."""
        if node is None or depth > 8:
            return None
        deeper = depth + 1
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts = [
                self.text(v.value if isinstance(v, ast.FormattedValue) else v, deeper)
                for v in node.values
            ]
            return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return str(self.root / self.source)
            values = {self.text(v, deeper) for v in self.assigned.get(node.id, [])}
            values.discard(None)
            return values.pop() if len(values) == 1 else None
        if isinstance(node, ast.Attribute):
            if node.attr in self.options and isinstance(node.value, ast.Name):
                return self.text(self.options[node.attr], deeper)
            if node.attr == "parent":
                inner = self.text(node.value, deeper)
                return posixpath.dirname(inner) if inner is not None else None
            return None
        if isinstance(node, ast.BinOp):
            left, right = self.text(node.left, deeper), self.text(node.right, deeper)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div):
                return posixpath.join(left, right)
            if isinstance(node.op, ast.Add):
                return left + right
            return None
        if isinstance(node, ast.Call):
            return self._call_text(node, deeper)
        return None

    def _call_text(self, node: ast.Call, depth: int) -> str | None:
        func = _dotted(node.func)
        name = func.rsplit(".", 1)[-1]
        if name in ("Path", "PurePath", "PosixPath") or func in ("os.path.join", "path.join"):
            parts = [self.text(a, depth) for a in node.args]
            if not parts:
                return "."
            return None if any(p is None for p in parts) else posixpath.join(*parts)  # type: ignore[arg-type]
        if func in ("str", "os.fspath", "os.path.abspath", "os.path.realpath", "os.path.normpath"):
            return self.text(node.args[0], depth) if node.args else None
        if func in ("os.path.dirname", "path.dirname"):
            inner = self.text(node.args[0], depth) if node.args else None
            return posixpath.dirname(inner) if inner is not None else None
        if func in ("os.getcwd", "Path.cwd", "pathlib.Path.cwd"):
            return "."
        if isinstance(node.func, ast.Attribute):
            if node.func.attr in ("resolve", "absolute", "expanduser"):
                return self.text(node.func.value, depth)
            if node.func.attr == "joinpath":
                parts = [
                    self.text(node.func.value, depth),
                    *(self.text(a, depth) for a in node.args),
                ]
                return None if any(p is None for p in parts) else posixpath.join(*parts)  # type: ignore[arg-type]
        return None

    def path_of(self, node: ast.AST | None) -> str | None:
        """A path relative to the root, or None (unknown, absolute, or outside the root)."""
        raw = self.text(node)
        if raw is None or not raw.strip() or "://" in raw:
            return None
        root = str(self.root)
        if os.path.isabs(raw):
            relative = os.path.relpath(os.path.normpath(raw), root)
        else:
            relative = posixpath.normpath(posixpath.join(self.cwd, raw))
        relative = relative.replace(os.sep, "/")
        if relative == ".." or relative.startswith("../") or os.path.isabs(relative):
            return None
        return relative

    # -- what a value looks like --------------------------------------------------------

    def _named(self, node: ast.AST | None) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                return node.func.id
            return self._named(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if isinstance(node, ast.Subscript):
            return self._named(node.value)
        return ""

    def _shape(self, node: ast.AST | None, depth: int = 0) -> str:
        """ "numbers" for a dict of numbers, "records" for a list, "" when unknown."""
        if node is None or depth > 4:
            return ""
        if isinstance(node, ast.Dict):
            values = [v for v in node.values if v is not None]
            if values and all(self._numberish(v) for v in values):
                return "numbers"
            return "mapping"
        if isinstance(node, ast.DictComp):
            return "numbers"
        if isinstance(node, (ast.List, ast.ListComp)):
            return "records"
        if isinstance(node, ast.Call):
            func = _dotted(node.func)
            if func == "dict":
                return (
                    "numbers" if all(self._numberish(k.value) for k in node.keywords) else "mapping"
                )
            if func.endswith("classification_report"):
                return "numbers"
            if func.endswith(".to_dict") or func.endswith("asdict") or func == "vars":
                return "mapping"
        if isinstance(node, ast.Name):
            for value in self.assigned.get(node.id, []):
                shape = self._shape(value, depth + 1)
                if shape:
                    return shape
        return ""

    def _numberish(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
        if isinstance(node, ast.Dict):
            return self._shape(node) == "numbers"
        # a name, a call (float(acc), accuracy_score(...)), arithmetic, a subscript
        return isinstance(
            node, (ast.Name, ast.Call, ast.BinOp, ast.Subscript, ast.Attribute, ast.UnaryOp)
        )

    def _text_pairs(self, node: ast.AST | None) -> bool:
        """Whether a written string is `key: value` text: a label, then a formatted number."""
        if isinstance(node, ast.JoinedStr):
            previous: ast.AST | None = None
            for value in node.values:
                if (
                    isinstance(value, ast.FormattedValue)
                    and isinstance(previous, ast.Constant)
                    and _TEXT_LABEL.search(str(previous.value))
                ):
                    return True
                previous = value
            return False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            left = node.left
            return isinstance(left, ast.Constant) and bool(
                re.search(r"[\w)]\s*[:=]\s*%", str(left.value))
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._text_pairs(node.left) or (
                isinstance(node.left, ast.Constant)
                and bool(re.search(r"[:=]\s*$", str(node.left.value)))
            )
        if isinstance(node, ast.Call) and _dotted(node.func).endswith(".format"):
            base = node.func.value if isinstance(node.func, ast.Attribute) else None
            return isinstance(base, ast.Constant) and bool(re.search(r"[:=]\s*\{", str(base.value)))
        return False

    # -- recording --------------------------------------------------------------------

    def _add(
        self, path: str | None, kind: str, fmt: str, line: int, how: str, node: ast.AST
    ) -> None:
        if path is None:
            self.unresolved.append(
                Mark(self.source, line, f"writes a file whose name is computed at run time ({how})")
            )
            return
        self.writes.append(Written(path, kind, fmt, self.source, line, how))

    def _classify_by_path(self, path: str | None) -> tuple[str, str]:
        suffix = posixpath.splitext(path or "")[1].lower()
        stem = posixpath.basename(path or "")
        fmt = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".tsv": "tsv"}.get(
            suffix, ""
        )
        if suffix in IMAGE_SUFFIXES:
            return "plot", "image"
        if suffix in MODEL_SUFFIXES:
            return "model", "binary"
        in_plots = bool(PLOT_NAMES.search(path or ""))
        if fmt and METRIC_NAMES.search(stem) and not in_plots:
            return "metrics", fmt
        if fmt in ("csv", "tsv", "json") and in_plots:
            return "plot", fmt
        if suffix in (".txt", ".log", ".out", ".metrics") and METRIC_NAMES.search(stem):
            return "metrics", "text"
        if suffix in DATA_SUFFIXES:
            return "data", fmt or suffix.lstrip(".")
        return "file", fmt or suffix.lstrip(".") or "file"

    def _serialised(self, call: ast.Call, func: str, path: str | None, line: int) -> None:
        """json.dump / yaml.dump / pickle.dump of `obj` into `path`."""
        obj = call.args[0] if call.args else None
        module = func.split(".")[0]
        shape = self._shape(obj)
        named = self._named(obj)
        if module in ("json", "yaml", "ruamel", "toml"):
            fmt = "yaml" if module in ("yaml", "ruamel") else module
            if shape == "numbers" or (
                shape in ("mapping", "") and METRIC_NAMES.search(named + (path or ""))
            ):
                self._add(path, "metrics", fmt, line, f"{func} of a dict of numbers", call)
            elif shape == "records" or PLOT_NAMES.search(path or ""):
                self._add(path, "plot", fmt, line, f"{func} of a list of records", call)
            else:
                kind, _ = self._classify_by_path(path)
                self._add(path, kind if kind != "model" else "file", fmt, line, func, call)
        else:  # pickle, joblib, dill, torch: a model unless it is plainly something else
            kind = (
                "model"
                if MODEL_NAMES.search(named) or not named
                else self._classify_by_path(path)[0]
            )
            if kind == "file" and posixpath.splitext(path or "")[1].lower() in MODEL_SUFFIXES:
                kind = "model"
            self._add(path, kind, "binary", line, f"{func} of {named or 'an object'}", call)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            found = self._stream_info(item.context_expr)
            if isinstance(item.optional_vars, ast.Name) and found is not None:
                path, mode, line = found
                if _writes_mode(mode):
                    self._stream_body(item.optional_vars.id, path, mode, line, node.body)
                elif path is not None:
                    self.reads.append(Read(path, self.source, line, "open"))
        self.generic_visit(node)

    def _stream_body(
        self, name: str, path: str | None, mode: str, line: int, body: list[ast.stmt]
    ) -> None:
        """What is written to an opened file decides what kind of file it is."""
        before = len(self.writes) + len(self.unresolved)
        text_pairs = False
        other_text = False
        for statement in body:
            for node in ast.walk(statement):
                if not isinstance(node, ast.Call):
                    continue
                func = _dotted(node.func)
                target = _arg(node, 1, "fp", "stream", "file")
                if (
                    isinstance(target, ast.Name)
                    and target.id == name
                    and func.split(".")[0]
                    in ("json", "yaml", "pickle", "joblib", "dill", "cloudpickle", "torch", "toml")
                ):
                    self._serialised(node, func, path, node.lineno)
                elif func == f"{name}.write" or (
                    func == "print"
                    and any(
                        k.arg == "file" and isinstance(k.value, ast.Name) and k.value.id == name
                        for k in node.keywords
                    )
                ):
                    if node.args and self._text_pairs(node.args[0]):
                        text_pairs = True
                    else:
                        other_text = True
                elif (
                    func.endswith("writer")
                    and node.args
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == name
                ):
                    kind, fmt = self._classify_by_path(path)
                    self._add(path, kind, fmt or "csv", node.lineno, func, node)
                elif (
                    func.endswith("savefig")
                    and node.args
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == name
                ):
                    self._add(path, "plot", "image", node.lineno, func, node)
        if len(self.writes) + len(self.unresolved) > before:
            return
        if text_pairs:
            self._add(path, "metrics", "text", line, "`key: value` lines", body[0])
        elif "b" not in mode or other_text:
            kind, fmt = self._classify_by_path(path)
            self._add(
                path,
                kind if kind != "model" else "file",
                fmt or "text",
                line,
                "open for writing",
                body[0],
            )

    def visit_Call(self, node: ast.Call) -> None:
        func = _dotted(node.func)
        parts = func.split(".")
        last = parts[-1]
        line = node.lineno
        if func in ("open", "io.open") and not self._is_stream_call(node):
            path, mode = self.path_of(_arg(node, 0, "file")), _mode(node)
            if not _writes_mode(mode) and path is not None:
                self.reads.append(Read(path, self.source, line, "open"))
        elif (
            last == "dump"
            and parts[0]
            in ("json", "yaml", "pickle", "joblib", "dill", "cloudpickle", "skops", "toml")
        ) or (tuple(parts[-2:]) in _MODEL_DUMPS):
            target = _arg(node, 1, "fp", "stream", "filename", "f", "file", "path")
            if isinstance(target, ast.Name) and target.id in self.streams:
                pass  # written through a stream: the `with` block reports it
            else:
                if isinstance(target, ast.Call) and _dotted(target.func) in ("open", "io.open"):
                    target = _arg(target, 0, "file")
                self._serialised(node, func, self.path_of(target), line)
        elif last in ("savefig", "write_image", "write_html") and isinstance(
            node.func, ast.Attribute
        ):
            target = _arg(node, 0, "fname", "file")
            if not (isinstance(target, ast.Name) and target.id in self.streams):
                path = self.path_of(target)
                fmt = "image" if last != "write_html" else "html"
                self._add(path, "plot", fmt, line, func, node)
        elif last in ("save_model", "save_pretrained", "save_weights") or (
            last == "save" and isinstance(node.func, ast.Attribute) and self._model_save(node)
        ):
            target = _arg(
                node,
                1 if parts[0] == "mlflow" else 0,
                "path",
                "filepath",
                "fname",
                "save_directory",
                "model_path",
            )
            if parts[0] == "mlflow" and target is None:
                target = _arg(node, 1, "path")
            path = self.path_of(target)
            fmt = "folder" if last in ("save_pretrained",) or parts[0] == "mlflow" else "binary"
            self._add(path, "model", fmt, line, func, node)
        elif last in _TABLE_WRITES and isinstance(node.func, ast.Attribute) and last != "save":
            target = _arg(node, 0, "path_or_buf", "path", "fname")
            if last == "savetxt":
                target = _arg(node, 0, "fname")
            if target is not None and not (
                isinstance(target, ast.Name) and target.id in self.streams
            ):
                path = self.path_of(target)
                kind, fmt = self._classify_by_path(path)
                if kind == "model":
                    kind = "file"
                if kind == "file" and last != "savetxt":
                    kind = "data"
                self._add(path, kind, fmt, line, func, node)
        elif last in ("write_text", "write_bytes") and isinstance(node.func, ast.Attribute):
            path = self.path_of(node.func.value)
            content = node.args[0] if node.args else None
            if isinstance(content, ast.Call) and _dotted(content.func) in (
                "json.dumps",
                "yaml.dump",
                "yaml.safe_dump",
            ):
                self._serialised(
                    content, _dotted(content.func).replace("dumps", "dump"), path, line
                )
            elif self._text_pairs(content):
                self._add(path, "metrics", "text", line, "`key: value` text", node)
            else:
                kind, fmt = self._classify_by_path(path)
                self._add(path, kind, fmt, line, func, node)
        elif last in ("read_text", "read_bytes", "load_workbook") and isinstance(
            node.func, ast.Attribute
        ):
            path = self.path_of(node.func.value)
            if path is not None:
                self.reads.append(Read(path, self.source, line, func))
        elif last.startswith("read_") or (
            last in ("loadtxt", "genfromtxt", "load")
            and parts[0] in ("np", "numpy", "joblib", "torch")
        ):
            path = self.path_of(_arg(node, 0, "filepath_or_buffer", "path", "fname", "f"))
            if path is not None:
                self.reads.append(Read(path, self.source, line, func))
        self._tracking(node, func, parts, line)
        self._gpu(node, func, parts, line)
        if last in _FIT_CALLS and isinstance(node.func, ast.Attribute):
            self.fits.append(Mark(self.source, line, f"calls {func}"))
        self.generic_visit(node)

    def _is_stream_call(self, node: ast.Call) -> bool:
        return any(path_line == node.lineno for _, _, path_line in self.streams.values())

    def _model_save(self, node: ast.Call) -> bool:
        receiver = self._named(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if receiver in (
            "np",
            "numpy",
            "torch",
            "img",
            "image",
            "im",
            "fig",
            "wb",
            "workbook",
            "doc",
        ):
            return False
        target = self.path_of(_arg(node, 0, "filepath", "path"))
        suffix = posixpath.splitext(target or "")[1].lower()
        return bool(MODEL_NAMES.search(receiver)) or suffix in MODEL_SUFFIXES

    def _tracking(self, node: ast.Call, func: str, parts: list[str], line: int) -> None:
        if parts[0] == "mlflow":
            last = parts[-1]
            if last in ("log_metric", "log_metrics") or last == "autolog":
                self.mlflow_metrics.append(Mark(self.source, line, f"calls {func}"))
            elif last in ("log_param", "log_params"):
                self.mlflow_params.append(Mark(self.source, line, f"calls {func}"))
            elif last == "log_model":
                self.mlflow_models.append(Mark(self.source, line, f"calls {func}"))
            elif last == "set_tracking_uri":
                self.tracking_uri = self.text(node.args[0]) if node.args else None
        if parts[-1] == "Live" and (len(parts) == 1 or parts[0] == "dvclive"):
            folder = self.text(_arg(node, 0, "dir")) or "dvclive"
            relative = posixpath.normpath(posixpath.join(self.cwd, folder))
            self.dvclive.append(Mark(self.source, line, relative))

    def _is_cuda(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and re.fullmatch(r"cuda(:\d+)?", sub.value)
            ):
                return True
        return False

    def _gpu(self, node: ast.Call, func: str, parts: list[str], line: int) -> None:
        last = parts[-1]
        receiver = self._named(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if last == "cuda" and isinstance(node.func, ast.Attribute) and func != "torch.cuda":
            self.gpu.append(Mark(self.source, line, f"moves {receiver or 'a tensor'} to cuda"))
        elif last == "to" and node.args:
            target = node.args[0]
            if self._is_cuda(target) or (
                isinstance(target, ast.Name) and target.id in self.cuda_names
            ):
                self.gpu.append(Mark(self.source, line, f"moves {receiver or 'a tensor'} to cuda"))
        elif func.endswith("torch.device") or (func == "device" and self._is_cuda(node)):
            if self._is_cuda(node) or any(
                isinstance(a, ast.Name) and a.id in self.cuda_names for a in node.args
            ):
                self.gpu.append(Mark(self.source, line, "selects a cuda device"))
        elif last in ("list_physical_devices", "list_logical_devices", "is_gpu_available") or (
            func.endswith("jax.devices") and self.text(_arg(node, 0, "backend")) in ("gpu", "cuda")
        ):
            self.gpu.append(Mark(self.source, line, f"asks for GPUs ({func})"))
        else:
            for keyword in node.keywords:
                value = self.text(keyword.value) if keyword.arg else None
                if (
                    keyword.arg
                    in ("device", "accelerator", "tree_method", "task_type", "device_type")
                    and value
                    and re.match(r"(cuda|gpu)", value, re.IGNORECASE)
                ):
                    self.gpu.append(
                        Mark(self.source, line, f"trains on the GPU ({keyword.arg}={value!r})")
                    )


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    names = [node.test.left, *node.test.comparators]
    return any(isinstance(n, ast.Name) and n.id == "__name__" for n in names)


def _imports(tree: ast.Module) -> tuple[str, ...]:
    """Dotted names of the modules imported (`from a.b import c` gives a.b and a.b.c:
    c may be a module); relative imports start with dots."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found.append(module)
            joiner = "" if module.endswith(".") else "."
            found += [module + joiner + alias.name for alias in node.names if alias.name != "*"]
    return tuple(dict.fromkeys(found))


def _strings(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 300:
            yield node.value


def read_source(text: str, source: str, root: Path, cwd: str = ".") -> ScriptFacts:
    """The facts of Python source `text`, shown as `source` (its path under `root`)."""
    try:
        tree = ast.parse(text, filename=source)
    except (SyntaxError, ValueError) as error:
        return ScriptFacts(source, error=f"{source}: does not parse ({error})")
    script = _Script(source, root, cwd, tree)
    script.visit(tree)
    writes = list(dict.fromkeys(script.writes))
    # One file written twice (opened, then dumped) is reported once: the first sighting.
    seen: set[str] = set()
    unique = []
    for write in writes:
        if write.path not in seen:
            seen.add(write.path)
            unique.append(write)
    defines_functions = any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in tree.body)
    top_level_calls = any(
        isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) for n in tree.body
    )
    is_main = (
        any(_is_main_guard(n) for n in tree.body)
        or (top_level_calls and not defines_functions)
        or (not defines_functions and bool(script.fits))
    )
    return ScriptFacts(
        source=source,
        writes=tuple(unique),
        reads=tuple(dict.fromkeys(script.reads)),
        unresolved=tuple(script.unresolved),
        mlflow_metrics=tuple(script.mlflow_metrics),
        mlflow_params=tuple(script.mlflow_params),
        mlflow_models=tuple(script.mlflow_models),
        tracking_uri=script.tracking_uri,
        dvclive=tuple(script.dvclive),
        gpu=tuple(dict.fromkeys(script.gpu)),
        fits=tuple(script.fits),
        is_main=is_main,
        imports=_imports(tree),
        required_args=tuple(script.required),
        mentions=tuple(dict.fromkeys(_strings(tree))),
    )


def read_script(root: Path, source: str, cwd: str = ".") -> ScriptFacts:
    """The facts of the script at `root/source`, run from `root/cwd`."""
    try:
        text = (root / source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ScriptFacts(source, error=f"{source}: cannot be read ({error})")
    return read_source(text, source, root, cwd)


@dataclass(frozen=True)
class Combined:
    """The facts of several scripts (a pipeline's stages, a script and its modules)."""

    scripts: tuple[ScriptFacts, ...] = field(default_factory=tuple)

    def writes(self, kind: str) -> tuple[Written, ...]:
        return tuple(w for s in self.scripts for w in s.written(kind))

    def marks(self, attribute: str) -> tuple[Mark, ...]:
        return tuple(m for s in self.scripts for m in getattr(s, attribute))
