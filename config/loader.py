"""Read the helpdesk YAML file and refuse it with every problem listed as ``file:line: path: problem``.

The people who edit the file are operations staff, not developers, so each problem names the line
and the key in the file's own terms (``helpdesks[0].hours.mon-fri``) and says what is expected.
All problems are reported at once, in file order, so that one round of edits can fix the file.
"""

from __future__ import annotations

import datetime as dt
import re
import wave
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import yaml
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.models import HelpdeskConfig, Loc, menu_problems, reuse_problems
from messages import MESSAGE_KEYS, MessageOverride, check_template

_MERGE_TAG: Final = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"
_MAP_TAG: Final = "tag:yaml.org,2002:map"
_SEQ_TAG: Final = "tag:yaml.org,2002:seq"


# Messages whose length schedules the wait loop: a remote audio file for them is measured at load.
SCHEDULED_AUDIO: Final = ("wait", "overflow_wait")


class MediaError(Exception):
    """A media file named by the config cannot be used; the text says why, naming the file."""


MeasureAudio = Callable[[str], int]
"""Fetches an audio URL and answers its length in whole seconds, or raises :class:`MediaError`."""


class ConfigError(Exception):
    """A refused configuration file; ``errors`` holds one ``file:line: path: problem`` per problem."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: tuple[str, ...] = tuple(errors)
        super().__init__("\n".join(self.errors))


def load_config(path: str | Path, *, measure_audio: MeasureAudio | None = None) -> HelpdeskConfig:
    """Read, parse and validate the file at ``path``; relative media paths start at its folder.

    ``measure_audio`` measures remote ``wait`` and ``overflow_wait`` audio (the service passes
    one that fetches it; without it their length counts as unknown).
    """
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{name}: cannot read the file: {exc.strerror or exc}"]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([f"{name}:{line}: the file is not UTF-8 text"]) from exc
    return parse_config(text, name, path.parent, measure_audio=measure_audio)


def parse_config(
    text: str, filename: str, base_dir: Path, *, measure_audio: MeasureAudio | None = None
) -> HelpdeskConfig:
    """Validate YAML ``text``; ``filename`` names it in errors, ``base_dir`` anchors relative media paths.

    A remote ``wait`` or ``overflow_wait`` audio file that ``measure_audio`` cannot fetch or
    measure is a problem of the file like any other, at the line of its ``audio`` key.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(filename, text, exc)]) from exc
    if root is None:
        raise ConfigError([f"{filename}:1: the file is empty"])

    reader = _Reader()
    data = reader.build(root)
    problems = list(reader.problems)
    audio_seconds: dict[str, int] = {}
    if measure_audio is not None:
        problems.extend(_measure_remote_audio(reader, data, measure_audio, audio_seconds))
    config: HelpdeskConfig | None = None
    try:
        context = {"base_dir": base_dir, "audio_seconds": audio_seconds}
        config = HelpdeskConfig.model_validate(data, context=context)
    except ValidationError as exc:
        problems.extend(
            reader.explain(data, error) for error in exc.errors(include_url=False) if not _echo(error)
        )
    problems.extend(_cross_checks(reader, data, base_dir))
    if problems or config is None:
        raise ConfigError(_format(filename, problems))
    return config


def _echo(error: ErrorDetails) -> bool:
    """An error that only repeats others: a list counted as too short because its items failed."""
    if error["type"] != "too_short":
        return False
    given = error.get("input")
    least = int((error.get("ctx") or {}).get("min_length", 1))
    return isinstance(given, list) and len(given) >= least


@dataclass(frozen=True)
class _Problem:
    line: int
    path: str
    text: str


def _format(filename: str, problems: Sequence[_Problem]) -> list[str]:
    ordered = sorted(problems, key=lambda problem: problem.line)  # stable: same line keeps its order
    lines = [
        f"{filename}:{p.line}: {p.path}: {p.text}" if p.path else f"{filename}:{p.line}: {p.text}"
        for p in ordered
    ]
    return list(dict.fromkeys(lines))  # the model and the raw checks may both report a reused number


def _yaml_problem(filename: str, text: str, exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        line = exc.problem_mark.line + 1
        problem = exc.problem or "invalid YAML"
        if "'\\t'" in problem:
            problem = "a tab cannot indent YAML; use spaces"
        elif exc.context:
            context_mark = exc.context_mark
            if context_mark is not None and context_mark.line + 1 != line:
                problem = f"{problem} ({exc.context} that starts on line {context_mark.line + 1})"
            else:
                problem = f"{problem} ({exc.context})"
        return f"{filename}:{line}: {problem}"
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        return f"{filename}:{line}: character #x{ord(str(exc.character)):04x} is not allowed in YAML"
    return f"{filename}:1: {exc}"


def _display(key: object) -> str:
    if isinstance(key, dt.date):
        return key.isoformat()
    return str(key)


def _path(steps: Sequence[tuple[object, bool]]) -> str:
    parts: list[str] = []
    for key, is_index in steps:
        if is_index:
            parts.append(f"[{key}]")
        else:
            parts.append(f".{_display(key)}" if parts else _display(key))
    return "".join(parts)


_MISSING: Final = object()


def _match_key(mapping: Mapping[Any, object], item: str | int) -> object:
    if item in mapping:
        return item
    # pydantic writes a key that is neither text nor a number (a date) as its repr.
    for key in mapping:
        if not isinstance(key, str | int) and item in (repr(key), str(key)):
            return key
    return _MISSING


_QUOTED: Final = re.compile(r"'([^']*)'")


class _Reader:
    """Turns composed YAML nodes into plain data, remembering the line of every key and item."""

    def __init__(self) -> None:
        self.lines: dict[tuple[object, ...], int] = {(): 1}
        self.problems: list[_Problem] = []
        self._constructor = SafeConstructor()
        self._active: set[int] = set()
        self._lists: set[tuple[object, ...]] = set()  # locations of sequences: an int there is an index

    # -- building -------------------------------------------------------------------------

    def build(self, node: Node, loc: tuple[object, ...] = ()) -> object:
        if id(node) in self._active:
            self._report(node, loc, "an alias may not refer to a value that contains it")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                self._check_tag(node, loc, _MAP_TAG)
                return self._mapping(node, loc)
            if isinstance(node, SequenceNode):
                self._check_tag(node, loc, _SEQ_TAG)
                self._lists.add(loc)
                items: list[object] = []
                for index, item in enumerate(node.value):
                    self.lines[(*loc, index)] = item.start_mark.line + 1
                    items.append(self.build(item, (*loc, index)))
                return items
            if isinstance(node, ScalarNode):
                return self._scalar(node, loc)
            raise TypeError(f"unexpected YAML node {node!r}")
        finally:
            self._active.discard(id(node))

    def _check_tag(self, node: Node, loc: tuple[object, ...], expected: str) -> None:
        if node.tag != expected:
            self._report(node, loc, f'the tag "{node.tag}" is not supported here')

    def _scalar(self, node: ScalarNode, loc: tuple[object, ...]) -> object:
        if node.tag == _TIMESTAMP_TAG:
            try:
                return self._constructor.construct_yaml_timestamp(node)
            except ValueError:
                # An impossible date such as 2026-02-30: keep the text so the model names it.
                return node.value
        try:
            return self._constructor.construct_object(node, deep=True)
        except ConstructorError:
            self._report(node, loc, f'the tag "{node.tag}" is not supported')
            return node.value

    def _pairs(self, node: MappingNode, loc: tuple[object, ...]) -> list[tuple[object, Node, Node]]:
        """Key, key node and value node of every entry, with ``<<`` merges applied (own keys win)."""
        merged: dict[object, tuple[object, Node, Node]] = {}
        own: dict[object, tuple[object, Node, Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, MappingNode):
                        self._report(value_node, loc, "<< needs a mapping or a list of mappings")
                        continue
                    for entry in self._pairs(source, loc):
                        merged.setdefault(_same(entry[0]), entry)  # the earlier source wins
                continue
            if not isinstance(key_node, ScalarNode):
                self._report(key_node, loc, "a key must be a plain value, not a list or mapping")
                continue
            key = self._scalar(key_node, loc)
            if _same(key) in own:
                self._report(key_node, (*loc, key), f'duplicate key "{_display(key)}"')
                continue
            own[_same(key)] = (key, key_node, value_node)
        return [entry for same, entry in merged.items() if same not in own] + list(own.values())

    def _mapping(self, node: MappingNode, loc: tuple[object, ...]) -> dict[object, object]:
        result: dict[object, object] = {}
        for key, key_node, value_node in self._pairs(node, loc):
            self.lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _report(self, node: Node, loc: tuple[object, ...], text: str) -> None:
        self.problems.append(_Problem(node.start_mark.line + 1, _path(self._steps(loc)), text))

    def _steps(self, loc: tuple[object, ...]) -> list[tuple[object, bool]]:
        return [(key, loc[:position] in self._lists) for position, key in enumerate(loc)]

    # -- explaining -----------------------------------------------------------------------

    def line(self, loc: tuple[object, ...]) -> int:
        """Line of the key (or list item) at ``loc``; for a missing key, that of its parent."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def locate(self, data: object, loc: Sequence[str | int], missing: bool) -> tuple[tuple[object, ...], str]:
        """The raw-data location and the display path of a pydantic ``loc``.

        pydantic adds its own parts to a location (``[key]``, union member and validator names);
        only the parts that exist in the file are kept, plus the name of a missing key at the end.
        """
        raw: list[object] = []
        steps: list[tuple[object, bool]] = []
        current = data
        for position, item in enumerate(loc):
            if isinstance(current, Mapping):
                key = _match_key(current, item)
                if key is not _MISSING:
                    raw.append(key)
                    steps.append((key, False))
                    current = current[key]
                    continue
                if missing and position == len(loc) - 1:
                    raw.append(item)
                    steps.append((item, False))
                continue
            if isinstance(current, list) and isinstance(item, int) and 0 <= item < len(current):
                raw.append(item)
                steps.append((item, True))
                current = current[item]
        return tuple(raw), _path(steps)

    def explain(self, data: object, error: ErrorDetails) -> _Problem:
        raw, path = self.locate(data, error["loc"], error["type"] == "missing")
        on_key = "[key]" in error["loc"]
        return _Problem(self.line(raw), path, _friendly(error, on_key, raw))

    def at(self, data: object, loc: Loc, text: str) -> _Problem:
        raw, path = self.locate(data, loc, missing=False)
        return _Problem(self.line(raw), path, text)


def _same(key: object) -> object:
    # 2026-12-24 and "2026-12-24" are one key once validated, so they are duplicates here too.
    if isinstance(key, dt.date) and not isinstance(key, dt.datetime):
        return key.isoformat()
    return key


_TYPE_PROBLEMS: Final = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "frozen_set_type": "must be a list",
    "dict_type": "must be a mapping of keys and values",
    "mapping_type": "must be a mapping of keys and values",
    "model_type": "must be a mapping of keys and values",
    "model_attributes_type": "must be a mapping of keys and values",
    "none_required": "must be empty",
    "missing": "is required",
}


def _friendly(error: ErrorDetails, on_key: bool, raw: tuple[object, ...]) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "extra_forbidden":
        return f'unknown key "{_display(raw[-1]) if raw else value}"'
    if kind in _TYPE_PROBLEMS:
        return _TYPE_PROBLEMS[kind]
    if kind in ("literal_error", "enum"):
        expected = _QUOTED.sub(r'"\1"', str(ctx.get("expected", "")))
        if on_key:
            return f'unknown key "{_display(value)}"; use {expected}'
        return f"must be {expected}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "greater_than":
        return f"must be more than {ctx['gt']}"
    if kind == "less_than":
        return f"must be less than {ctx['lt']}"
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        return "must not be empty" if least == 1 else f"must hold at least {least} items"
    if kind == "too_long":
        return f"must hold at most {ctx.get('max_length')} items"
    if kind == "string_too_short":
        least = int(ctx.get("min_length", 1))
        return "must not be empty" if least == 1 else f"must be at least {least} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind.startswith("date"):
        return f'"{_display(value)}" is not a date like "2026-12-24"'
    message = error["msg"]
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _cross_checks(reader: _Reader, data: object, base_dir: Path) -> list[_Problem]:
    """What pydantic cannot see from one value: reuse across helpdesks and files on disk.

    Run on the plain data, so these problems are listed even when other parts of the file are wrong.
    """
    if not isinstance(data, Mapping):
        return []
    central = data.get("central")
    central_number = central.get("number") if isinstance(central, Mapping) else None
    desks = data.get("helpdesks")
    problems = [reader.at(data, loc, text) for loc, text in reuse_problems(central_number, desks)]
    found = menu_problems(central_number, desks, data.get("menus"))
    problems.extend(reader.at(data, loc, text) for loc, text in found)
    if not isinstance(desks, list):
        return problems
    for index, desk in enumerate(desks):
        if not isinstance(desk, Mapping):
            continue
        music = desk.get("hold_music")
        if isinstance(music, str) and music:
            problem = _hold_music_problem(base_dir, music)
            if problem:
                problems.append(reader.at(data, ("helpdesks", index, "hold_music"), problem))
        messages = desk.get("messages")
        if not isinstance(messages, Mapping):
            continue
        for key, override in messages.items():
            if not isinstance(key, str):
                continue  # the model already refuses a key that is not a message name
            for problem in _template_problems(key, override):
                problems.append(reader.at(data, ("helpdesks", index, "messages", key), problem))
            audio = override.get("audio") if isinstance(override, Mapping) else None
            if not isinstance(audio, str) or not audio or urlsplit(audio).scheme:
                continue
            if not (base_dir / audio).is_file():
                loc: Loc = ("helpdesks", index, "messages", key, "audio")
                problems.append(reader.at(data, loc, f'audio file "{audio}" does not exist in {base_dir}'))
    return problems


def _measure_remote_audio(
    reader: _Reader, data: object, measure: MeasureAudio, seconds: dict[str, int]
) -> list[_Problem]:
    """Measure each remote audio file of a scheduled message once; a failure is a problem at each use."""
    problems: list[_Problem] = []
    failed: dict[str, str] = {}
    desks = data.get("helpdesks") if isinstance(data, Mapping) else None
    for index, desk in enumerate(desks if isinstance(desks, list) else []):
        messages = desk.get("messages") if isinstance(desk, Mapping) else None
        if not isinstance(messages, Mapping):
            continue
        for key in SCHEDULED_AUDIO:
            override = messages.get(key)
            audio = override.get("audio") if isinstance(override, Mapping) else None
            if not isinstance(audio, str) or urlsplit(audio).scheme not in ("http", "https"):
                continue
            if audio not in seconds and audio not in failed:
                try:
                    seconds[audio] = measure(audio)
                except MediaError as exc:
                    failed[audio] = str(exc)
            if audio in failed:
                loc: Loc = ("helpdesks", index, "messages", key, "audio")
                problems.append(reader.at(data, loc, failed[audio]))
    return problems


_OVERRIDE: Final = TypeAdapter(MessageOverride)


def _template_problems(key: object, override: object) -> list[str]:
    # The model checks placeholders only once every message of the helpdesk is valid; checking
    # each valid message here lists a bad placeholder together with the other problems.
    if key not in MESSAGE_KEYS:
        return []
    try:
        valid = _OVERRIDE.validate_python(override)
    except ValidationError:
        return []
    return check_template(key, valid)


def _hold_music_problem(base_dir: Path, music: str) -> str | None:
    path = base_dir / music
    if not path.is_file():
        return f'hold music "{music}" does not exist in {base_dir}'
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
    except (wave.Error, EOFError, OSError):
        return f'hold music "{music}" is not a PCM WAV file'
    if frames == 0:
        return f'hold music "{music}" holds no sound'
    return None
