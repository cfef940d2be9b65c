"""Reading editor files: UTF-8 text, YAML with line numbers, front matter."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostics


class YamlMap(dict):
    """A mapping from YAML that remembers where each key was written and how.

    `line` is the mapping's own line; `lines[key]` the line of a key;
    `raw[key]` the scalar exactly as written (before YAML 1.1 turns `1:30`
    into 90 or `no` into False), or None when the value is not a scalar.
    """

    line: int
    lines: dict[str, int]
    raw: dict[str, str | None]
    quoted: dict[str, bool]

    def line_of(self, key: str) -> int:
        """Line of `key`, or of the mapping when the key is absent."""
        return self.lines.get(key, self.line)


class YamlList(list):
    """A sequence from YAML that remembers its items' lines."""

    line: int
    lines: list[int]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: faster
    """A safe loader that keeps line numbers and reports duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line, result.lines, result.raw, result.quoted = node.start_mark.line + 1, {}, {}, {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = key_node.value  # keys are names: `no:` stays "no", not False
        else:
            key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append((line, key))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
        scalar = isinstance(value_node, yaml.ScalarNode)
        result.raw[key] = value_node.value if scalar else None
        result.quoted[key] = scalar and value_node.style in ("'", '"')
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:  # 2021-02-30: a plain ValueError, not a YAML error
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid date {node.value!r} ({exc})", node.start_mark
        ) from exc


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_text(path: Path, diag: Diagnostics) -> str | None:
    """Read a UTF-8 file, recording an error with its line when it is not UTF-8."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diag.error(path, line, f"the file is not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


#: YAML errors found where an opened quote or bracket should have closed.
_UNCLOSED = {
    "while scanning a quoted scalar": "the quoted text that starts on this line is never closed; "
                                      "end it with the same quote mark",
    "while parsing a flow sequence": 'the list that starts on this line with "[" is never closed; end it with "]"',
    "while parsing a flow mapping": 'the mapping that starts on this line with "{" is never closed; end it with "}"',
}


def load_yaml(text: str, path: Path, diag: Diagnostics, first_line: int = 1) -> Any:
    """Parse YAML safely; on a mistake record it and return None.

    `first_line` is the file line where `text` starts (front matter starts at 2).
    """
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        opened = _UNCLOSED.get(exc.context or "")
        # An unclosed quote or bracket is found far below, at the end of the text: name
        # the line where it opened; else the problem's line, but never past the end.
        mark = exc.context_mark if opened else exc.problem_mark or exc.context_mark
        line = first_line + min(mark.line if mark else 0, text.rstrip("\n").count("\n"))
        what = opened or f"{exc.problem or exc.context or 'malformed YAML'}; check indentation, colons and quotes"
        diag.error(path, line, f"malformed YAML: {what}")
        return None
    except yaml.YAMLError as exc:
        diag.error(path, first_line, f"malformed YAML: {exc}")
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        diag.error(path, first_line - 1 + line, f'duplicate key "{key}"; keep only one')
    if loader.duplicates:
        return None
    return _shift_lines(data, first_line - 1)


def _shift_lines(data: Any, offset: int) -> Any:
    if offset and isinstance(data, YamlMap):
        data.line += offset
        data.lines = {k: v + offset for k, v in data.lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif offset and isinstance(data, YamlList):
        data.line += offset
        data.lines = [v + offset for v in data.lines]
        for value in data:
            _shift_lines(value, offset)
    return data


def split_front_matter(text: str, path: Path, diag: Diagnostics) -> tuple[YamlMap | None, str, int]:
    """Split `---` front matter from a Markdown body.

    Returns (front matter or None on error, body, file line where the body starts).
    A file without front matter has an empty mapping.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        empty = YamlMap()
        empty.line, empty.lines, empty.raw, empty.quoted = 1, {}, {}, {}
        return empty, text, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        diag.error(path, 1, "front matter opened with --- is never closed; add a line with --- after it")
        return None, "", 1
    data = load_yaml("\n".join(lines[1:end]), path, diag, first_line=2)
    body = "\n".join(lines[end + 1:])
    if data is None and "\n".join(lines[1:end]).strip():
        return None, body, end + 2
    if data is None:
        data = YamlMap()
        data.line, data.lines, data.raw, data.quoted = 2, {}, {}, {}
    if not isinstance(data, YamlMap):
        diag.error(path, 2, "front matter must be a mapping of keys to values (title: …)")
        return None, body, end + 2
    return data, body, end + 2


def read_markdown(path: Path, diag: Diagnostics) -> tuple[YamlMap, str, int] | None:
    """A Markdown file's front matter, body and body's first line; None (with errors) if unreadable."""
    text = read_text(path, diag)
    if text is None:
        return None
    meta, body, body_line = split_front_matter(text, path, diag)
    return None if meta is None else (meta, body, body_line)
