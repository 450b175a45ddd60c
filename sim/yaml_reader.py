"""Reading a scenario file without trusting it: bounded in size, depth and shape.

A scenario is a small, hand-written file. Anything else is refused with one line before it can
hang the program or exhaust memory: a path that is not a regular file (a FIFO, a device such
as /dev/zero, a folder), a file over `MAX_FILE_BYTES`, YAML aliases (the "billion laughs"
bomb), nesting deeper than `MAX_DEPTH`, duplicate keys (the last would silently win) and
numbers too long to convert. Numbers written like `1e9` or `2.5E-3` are numbers, as a reader
expects, not the strings YAML 1.1 makes of them.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from sim.errors import Problem

MAX_FILE_BYTES = 1_000_000  # a scenario is a few hundred bytes; 1 MB is generous
MAX_DEPTH = 32  # mappings and lists inside each other; scenarios need about four

# YAML 1.1 reads 1e9 as a string (it wants a dot); scientific notation is a float here.
_SCIENTIFIC = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class YAMLInputError(Exception):
    """What is wrong with the file, as one line for the user (no traceback)."""


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, deep nesting and duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in scenario files", mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports an unhashable key itself
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (the last one would silently win)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", _SCIENTIFIC, list("-+0123456789"))


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"YAML syntax error: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The file's text, if it is a regular file of at most `limit` bytes (checked before it is
    opened, and again while reading, so a file that grows cannot slip through)."""
    if "\0" in str(path):
        raise YAMLInputError("the path contains a NUL byte")
    try:
        info = path.stat()
    except FileNotFoundError:
        raise YAMLInputError("file not found") from None
    except OSError as exc:
        raise YAMLInputError(f"cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise YAMLInputError("is a directory, not a scenario file")
    if not stat.S_ISREG(info.st_mode):
        raise YAMLInputError("is not a regular file (a pipe, device or socket)")
    if info.st_size > limit:
        raise YAMLInputError(f"is {info.st_size:,} bytes; a scenario file may be at most {limit:,}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise YAMLInputError(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise YAMLInputError(f"is over {limit:,} bytes; a scenario file may be at most {limit:,}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise YAMLInputError("is not UTF-8 text") from None


def load_yaml(text: str) -> Any:
    """Parse one YAML document with the bounds above; raise YAMLInputError with one line."""
    try:
        return yaml.load(text, Loader=BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise YAMLInputError(_mark(exc)) from None
    except ValueError as exc:  # Python refuses integers of more than 4,300 digits
        reason = "a number is too long to read" if "digits" in str(exc) else str(exc).splitlines()[0]
        raise YAMLInputError(f"a value cannot be read: {reason}") from None
    except RecursionError:
        raise YAMLInputError(f"nested deeper than {MAX_DEPTH} levels") from None


def read_mapping(path: Path, shown: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A YAML file that must hold a mapping with text keys, or the problems that stop it
    (one each, naming the file as `shown`)."""
    try:
        text = read_text(path)
        if not text.strip():
            return None, [Problem(shown, "", "file is empty")]
        data = load_yaml(text)
    except YAMLInputError as exc:
        return None, [Problem(shown, "", str(exc))]
    if data is None:
        return None, [Problem(shown, "", "file has no content (only comments)")]
    if not isinstance(data, dict):
        return None, [Problem(shown, "", f"must be a mapping of keys to values, got {type(data).__name__}")]
    if not all(isinstance(k, str) for k in data):
        return None, [Problem(shown, "", "keys must be text")]
    return data, []
