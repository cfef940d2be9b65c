"""Reading editor files: UTF-8 text, YAML with line numbers, front matter."""
from __future__ import annotations

import bisect
import hashlib
import os
import pickle
import re
from pathlib import Path
from typing import Any, Callable, TypeVar

import yaml

from .errors import Diagnostics, Problem

T = TypeVar("T")


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


#: How deeply lists and mappings may nest in a YAML file (a calendar needs four levels).
MAX_YAML_DEPTH = 32
#: How many values aliases (`*name`) may repeat in one YAML file, in all: enough for any
#: reuse, and far below the billions a few lines of nested aliases would expand to.
MAX_ALIAS_VALUES = 10_000


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: faster
    """A safe loader that keeps line numbers (file lines, `offset` added) and reports duplicate keys."""

    def __init__(self, stream: str, offset: int):
        super().__init__(stream)
        self.offset = offset
        self.duplicates: list[tuple[int, str]] = []
        # YAML also ends lines at NEL, LS and PS; a file's lines are counted at "\n" alone, as editors do.
        self._newlines = [i for i, c in enumerate(stream) if c == "\n"] if _OTHER_BREAKS.search(stream) else None

    def line(self, mark: yaml.Mark) -> int:
        """The file line of a place in the text."""
        if self._newlines is None:
            return mark.line + 1 + self.offset
        return bisect.bisect_left(self._newlines, mark.index) + 1 + self.offset


_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line, result.lines, result.raw, result.quoted = loader.line(node.start_mark), {}, {}, {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = key_node.value  # keys are names: `no:` stays "no", not False
        else:
            key = str(loader.construct_object(key_node, deep=True))
        line = loader.line(key_node.start_mark)
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
    result.line = loader.line(node.start_mark)
    result.lines = [loader.line(child.start_mark) for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:  # 2021-02-30: a plain ValueError, not a YAML error
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid date {node.value!r} ({exc})", node.start_mark
        ) from exc


#: Every way text can break a line (CR LF, CR, NEL, LS, PS, vertical tab, form feed), as YAML's
#: escapes ("\r", "\L") or characters may write it: each is read as "\n", the one line break that
#: HTML, JSON and iCalendar writers all handle (a CR alone would reach an .ics line raw).
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029\x0b\x0c]")


def _normalize_breaks(text: str) -> str:
    """`text` with every kind of line break written as "\n"."""
    return _LINE_BREAKS.sub("\n", text)


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    return _normalize_breaks(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def link_outside(path: Path, site: Path) -> Path | None:
    """Where `path` really is, when it is in the site's `content/` but a link takes it
    outside the site folder (such as to /etc/passwd); None otherwise."""
    # Strings, not Paths: this runs for every file of every build.
    content, full = os.path.join(site, "content"), os.fspath(path)
    if full != content and not full.startswith(content + os.sep):
        return None
    below, folder = full[len(content) + 1:], content
    for part in below.split(os.sep) if below else ():
        folder = os.path.join(folder, part)
        if part == ".." or os.path.islink(folder):
            break
    else:
        return None  # no link below content/: the file is inside it (a few lstat calls, not a resolve)
    target = path.resolve()
    return None if target.is_relative_to(site.resolve()) or target.is_relative_to(Path(content).resolve()) else target


def outside_message(target: Path) -> str:
    """What to tell an editor about a link leading outside the site."""
    return (f"this is a link to {target}, outside the site folder; only files inside the site are read "
            "and published: copy the file into the site instead of linking to it")


#: Part of every parse memo key: change it when what a parse returns changes.
_PARSER = "2"


class ParseMemo:
    """Parsed YAML by its text, kept between builds: an unchanged front matter or calendar is
    not parsed again (YAML with line numbers is the slowest part of reading a site).

    Only clean parses are kept (a text with a mistake is parsed, and reported, every time);
    each hit is unpickled afresh, so no caller sees another's objects. `path` is the file
    that keeps the entries between builds (None: in memory only, as `serve` keeps it), and
    whole readings (see `reading`) are kept too: in memory, or beside `path` in
    `readings.pickle` for the lasting ones, valid while the `engine` that read them is.
    """

    def __init__(self, path: Path | None = None, read: bool = True, engine: str = ""):
        self.path, self._engine = path, engine
        self._entries: dict[bytes, bytes] = {}
        self._used: set[bytes] = set()
        self._added = False
        #: Hash of each input file by path, for this build (set by the build's cache).
        self.hashes: dict[str, str] = {}
        self._readings: dict[tuple, tuple[Any, list]] = {}
        self._readings_used: set[tuple] = set()
        self._readings_added = False
        if path is not None and read:
            try:
                entries = pickle.loads(path.read_bytes())
            except Exception:  # missing, or damaged in any of the ways unpickling reports: parse afresh
                entries = {}
            if isinstance(entries, dict) and all(isinstance(k, bytes) and isinstance(v, bytes)
                                                 for k, v in entries.items()):
                self._entries = entries
            self._readings = self._stored_readings()

    @property
    def _readings_path(self) -> Path | None:
        return self.path.with_name("readings.pickle") if self.path is not None else None

    def _stored_readings(self) -> dict[tuple, tuple[Any, list]]:
        """The lasting readings of an earlier build by the same engine; {} when there are
        none, or they are damaged, or another engine read them."""
        try:
            stored = pickle.loads(self._readings_path.read_bytes())
        except Exception:  # missing, or damaged in any of the ways unpickling reports: read afresh
            return {}
        if not (isinstance(stored, dict) and stored.get("engine") == self._engine
                and isinstance(stored.get("readings"), dict)):
            return {}
        readings = stored["readings"]
        fine = all(isinstance(key, tuple) and isinstance(kept, tuple) and len(kept) == 2
                   and isinstance(kept[1], list) and all(isinstance(p, Problem) for p in kept[1])
                   for key, kept in readings.items())
        return readings if fine else {}

    def load(self, text: str, path: Path, diag: Diagnostics, first_line: int) -> Any:
        key = hashlib.blake2b(f"{_PARSER}\0{first_line}\0{text}".encode(), digest_size=16).digest()
        self._used.add(key)
        if key in self._entries:
            try:
                return pickle.loads(self._entries[key])
            except Exception:  # a damaged entry: parse again
                del self._entries[key]
        data = _parse_yaml(text, path, diag, first_line)
        if data is not None:
            self._entries[key] = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
            self._added = True
        return data

    def reading(self, key: tuple | None, diag: Diagnostics, read: Callable[[Diagnostics], T],
                lasting: bool = False) -> T:
        """`read(diag)`, done once per `key` while an in-memory memo lives (from one `serve`
        build to the next), its problems reported again each time. `key` names every file
        read by the hashes of their bytes (see `file_key`); None reads every time. A memo
        kept in a file keeps only `lasting` readings (whose value can be pickled) between
        builds, and reads the others every time."""
        if key is None or (self.path is not None and not lasting):
            return read(diag)
        self._readings_used.add(key)
        if key not in self._readings:
            scratch = Diagnostics(root=diag.root, strict=diag.strict)
            self._readings[key] = (read(scratch), scratch.problems)
            self._readings_added = True
        value, problems = self._readings[key]
        diag.take(problems)
        return value

    def file_key(self, *paths: Path) -> tuple | None:
        """The files' paths and hashes, or None when one was not hashed. The caller makes sure
        none is a link (a link's target must be checked every time)."""
        key = []
        for path in paths:
            name = os.fspath(path)
            if name not in self.hashes:
                return None
            key.append((name, self.hashes[name]))
        return tuple(key)

    def folders_key(self, *folders: Path) -> tuple:
        """The paths and hashes of every input file below `folders`."""
        prefixes = tuple(os.path.join(folder, "") for folder in folders)
        return tuple((name, digest) for name, digest in self.hashes.items() if name.startswith(prefixes))

    def save(self) -> None:
        """Keep what this build parsed, drop the rest (to `path`, when it has one)."""
        unused = len(self._readings) > len(self._readings_used)
        self._readings = {k: v for k, v in self._readings.items() if k in self._readings_used}
        self._readings_used = set()
        if self.path is not None and (unused or self._readings_added):
            _replace(self._readings_path, pickle.dumps({"engine": self._engine, "readings": self._readings},
                                                       pickle.HIGHEST_PROTOCOL))
        self._readings_added = False
        if not self._added and self._used == self._entries.keys():
            return
        self._entries = {key: value for key, value in self._entries.items() if key in self._used}
        self._added = False
        if self.path is not None:
            _replace(self.path, pickle.dumps(self._entries, pickle.HIGHEST_PROTOCOL))


def _replace(path: Path, data: bytes) -> None:
    """Write a file of the cache whole, or leave it as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_text(path: Path, diag: Diagnostics) -> str | None:
    """Read a UTF-8 file, recording an error with its line when it is not UTF-8
    (or when it is in content/ but really outside the site: see `link_outside`)."""
    target = link_outside(path, diag.root)
    if target is not None:
        diag.error(path, 0, outside_message(target))
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diag.error(path, line, f"the file is not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8")
        return None
    # Old Mac files end lines with CR alone: YAML counts those as lines, so must everything else.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


#: YAML errors found where an opened quote or bracket should have closed.
_UNCLOSED = {
    "while scanning a quoted scalar": "the quoted text that starts on this line is never closed; "
                                      "end it with the same quote mark",
    "while parsing a flow sequence": 'the list that starts on this line with "[" is never closed; end it with "]"',
    "while parsing a flow mapping": 'the mapping that starts on this line with "{" is never closed; end it with "}"',
}


def load_yaml(text: str, path: Path, diag: Diagnostics, first_line: int = 1, memo: ParseMemo | None = None) -> Any:
    """Parse YAML safely; on a mistake record it and return None.

    `first_line` is the file line where `text` starts (front matter starts at 2).
    The work is linear in the text: nesting and aliases are checked on the parsed
    nodes before any value is built (see `_too_big`). `memo` returns what an earlier
    build parsed from the same text.
    """
    if memo is not None:
        return memo.load(text, path, diag, first_line)
    return _parse_yaml(text, path, diag, first_line)


def _parse_yaml(text: str, path: Path, diag: Diagnostics, first_line: int) -> Any:
    loader = _Loader(text, first_line - 1)
    try:
        node = loader.get_single_node()
        refused = _too_big(node) if node is not None else None
        if refused:
            diag.error(path, loader.line(refused[0]) if refused[0] is not None else first_line, refused[1])
            return None
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in (exc.problem or ""):  # libyaml's own limit, beyond ours
            diag.error(path, loader.line(exc.problem_mark), _TOO_DEEP)
            return None
        opened = _UNCLOSED.get(exc.context or "")
        # An unclosed quote or bracket is found far below, at the end of the text: name
        # the line where it opened; else the problem's line, but never past the end.
        mark = exc.context_mark if opened else exc.problem_mark or exc.context_mark
        line = min(loader.line(mark) if mark else first_line, first_line + text.rstrip("\n").count("\n"))
        what = opened or f"{exc.problem or exc.context or 'malformed YAML'}; check indentation, colons and quotes"
        diag.error(path, line, f"malformed YAML: {what}")
        return None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as a control character
        line = first_line + text.count("\n", 0, exc.position)
        diag.error(path, line, f"YAML does not allow the character U+{exc.character:04X} ({exc.reason}); remove it")
        return None
    except yaml.YAMLError as exc:
        diag.error(path, first_line, f"malformed YAML: {exc}")
        return None
    except RecursionError:  # PyYAML without libyaml composes nested nodes recursively
        diag.error(path, first_line, _TOO_DEEP)
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        diag.error(path, line, f'duplicate key "{key}"; keep only one')
    return None if loader.duplicates else data


_TOO_DEEP = f"the YAML is nested too deeply (limit {MAX_YAML_DEPTH} levels of lists and mappings); flatten it"


def _too_big(root: yaml.Node) -> tuple[yaml.Mark | None, str] | None:
    """(where, message) when the document nests deeper than MAX_YAML_DEPTH or its
    aliases repeat more than MAX_ALIAS_VALUES values (where: None); None when it is fine.

    One pass over the distinct nodes (an alias is the node it names, met again), so
    it costs no more than the parse: each node's expanded size is counted once.
    """
    size: dict[int, int] = {}  # values in a node once its aliases are expanded, itself included
    open_nodes: set[int] = set()  # nodes whose children are being counted: their ancestors' chain
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, counted = stack.pop()
        children = _children(node)
        if counted:
            size[id(node)] = 1 + sum(size[id(child)] for child in children)
            open_nodes.discard(id(node))
            continue
        if id(node) in size:
            continue
        if id(node) in open_nodes:
            return node.start_mark, "an alias (*name) stands for a value that contains it; write the value out"
        if depth > MAX_YAML_DEPTH and children:
            return node.start_mark, _TOO_DEEP
        open_nodes.add(id(node))
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)
    repeated = size[id(root)] - len(size)
    if repeated > MAX_ALIAS_VALUES:
        return None, (f"the aliases (*name) in this YAML repeat {repeated:,} values (limit {MAX_ALIAS_VALUES:,}); "
                   "write the values out, or repeat fewer")
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def split_front_matter(text: str, path: Path, diag: Diagnostics,
                       memo: ParseMemo | None = None) -> tuple[YamlMap | None, str, int]:
    """Split `---` front matter from a Markdown body.

    Returns (front matter or None on error, body, file line where the body starts).
    A file without front matter has an empty mapping.
    """
    lines = text.split("\n")
    if lines[0].strip() == "+++":
        diag.error(path, 1, "front matter between +++ lines (TOML) is not read: write it as YAML between --- lines "
                            '(title = "About" becomes title: "About")')
        return None, "", 1
    if lines[0].strip() != "---":
        empty = YamlMap()
        empty.line, empty.lines, empty.raw, empty.quoted = 1, {}, {}, {}
        return empty, text, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        diag.error(path, 1, "front matter opened with --- is never closed; add a line with --- after it")
        return None, "", 1
    reported = len(diag.problems)
    data = load_yaml("\n".join(lines[1:end]), path, diag, first_line=2, memo=memo)
    body = "\n".join(lines[end + 1:])
    if len(diag.problems) > reported:
        return None, body, end + 2
    if data is None:  # nothing between the lines, or only a null (`~`): no keys
        data = YamlMap()
        data.line, data.lines, data.raw, data.quoted = 2, {}, {}, {}
    if not isinstance(data, YamlMap):
        diag.error(path, 2, "front matter must be a mapping of keys to values (title: …)")
        return None, body, end + 2
    return data, body, end + 2


def read_markdown(path: Path, diag: Diagnostics, memo: ParseMemo | None = None) -> tuple[YamlMap, str, int] | None:
    """A Markdown file's front matter, body and body's first line; None (with errors) if unreadable."""
    text = read_text(path, diag)
    if text is None:
        return None
    meta, body, body_line = split_front_matter(text, path, diag, memo)
    return None if meta is None else (meta, body, body_line)
