"""Reading carevoice's YAML data files (phrase book, lexicons), built in or a council's own,
with one clear error naming the file when it cannot be read or parsed."""

from __future__ import annotations

import gzip
import json
import os
from importlib import resources
from typing import Any

import yaml

# libyaml's parser (in PyYAML's wheels) reads the shipped phrase book ten times faster than
# the pure-Python one (14 ms against 148 ms); both build only safe types.
_SAFE_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

__all__ = ["builtin_text", "parse_json", "parse_yaml", "read_text"]

_MERGE_TAG = "tag:yaml.org,2002:merge"


def builtin_text(name: str) -> tuple[str, str]:
    """The text of `surveys/data/<name>` shipped with carevoice, and that path to name it.

    A name ending ``.gz`` is gunzipped first: large generated files (the safeguarding model)
    ship compressed to keep every tracked file under 1 MiB.
    """
    resource = resources.files("surveys").joinpath("data", name)
    if name.endswith(".gz"):
        text = gzip.decompress(resource.read_bytes()).decode("utf-8")
    else:
        text = resource.read_text(encoding="utf-8")
    return text, f"surveys/data/{name}"


def read_text(path: str | os.PathLike[str], error: type[Exception], what: str) -> str:
    """The file's UTF-8 text; `error("<path>: cannot read <what>: ...")` if it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{os.fspath(path)}: cannot read {what}: {problem}") from None


def parse_yaml(text: str, source: str, error: type[Exception]) -> Any:
    """YAML `text` (safe types only); `error("<source>: not valid YAML: ...")` if it is not,
    and `error("<source>: line N: ...")` if a mapping has the same key twice (YAML keeps the
    last silently, so a council's second entry for a phrase would hide its first)."""
    loader = _SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        duplicate = _duplicate_key(node)
        if duplicate is not None:
            key, first, again = duplicate
            raise error(
                f"{source}: line {again.line + 1}: {key!r} appears twice (first on line "
                f"{first.line + 1}); give each key once"
            )
        return loader.construct_document(node)  # safe: a SafeLoader or CSafeLoader
    except yaml.YAMLError as problem:
        raise error(f"{source}: not valid YAML: {problem}") from None
    finally:
        loader.dispose()


def _duplicate_key(root: yaml.Node) -> tuple[str, yaml.Mark, yaml.Mark] | None:
    """The first plain key given twice in one mapping anywhere under `root` (merge keys
    aside), with where it was first and where again; None if there is none."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:  # an alias: the same node again
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], yaml.Mark] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                    where = first.setdefault((key.tag, key.value), key.start_mark)
                    if where is not key.start_mark:
                        return key.value, where, key.start_mark
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


def parse_json(text: str, source: str, error: type[Exception]) -> Any:
    """JSON `text`; `error("<source>: not valid JSON (...)")` if it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise error(f"{source}: not valid JSON ({problem.msg})") from None
