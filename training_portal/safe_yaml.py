"""YAML through SafeLoader only, keeping the line of every mapping key and list item.

Mappings load as `LineDict` and lists as `LineList`; both know their own line and the line of
each key or item, so validators can tell a trainer exactly where to look. Lines are 1-based
and already shifted by `line_offset` (the front matter of module.md starts on line 2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, SequenceNode

from training_portal.problems import Problem, error


class LineDict(dict[Any, Any]):
    line: int = 0
    lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def _make_loader(line_offset: int) -> type[yaml.SafeLoader]:
    def construct_map(loader: yaml.SafeLoader, node: MappingNode) -> Iterator[LineDict]:
        data = LineDict()
        data.line, data.lines, data.duplicates = node.start_mark.line + 1 + line_offset, {}, []
        yield data
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1 + line_offset
            try:
                hash(key)
            except TypeError:
                raise ConstructorError(None, None, "a key cannot be a list or mapping", key_node.start_mark) from None
            if key in data:
                data.duplicates.append((key, line))
            data[key] = loader.construct_object(value_node, deep=True)
            data.lines[key] = line

    def construct_seq(loader: yaml.SafeLoader, node: SequenceNode) -> Iterator[LineList]:
        data = LineList()
        data.line, data.lines = node.start_mark.line + 1 + line_offset, []
        yield data
        for item in node.value:
            data.append(loader.construct_object(item, deep=True))
            data.lines.append(item.start_mark.line + 1 + line_offset)

    class LineLoader(yaml.SafeLoader):
        pass

    LineLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    LineLoader.add_constructor("tag:yaml.org,2002:seq", construct_seq)
    return LineLoader


def load_yaml(text: str, file: str, line_offset: int = 0) -> tuple[Any, list[Problem]]:
    """Parse one YAML document; on a syntax error return (None, [problem with its line])."""
    try:
        return yaml.load(text, Loader=_make_loader(line_offset)), []  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        what = exc.problem or exc.context or "unreadable YAML"
        return None, [
            error(
                file,
                line,
                f"this is not valid YAML ({what}) — check the colons, "
                "indentation and quotes on this line and the line before",
            )
        ]
    except RecursionError:
        return None, [error(file, None, "this file is nested too deeply to read — check the indentation and brackets")]
    except yaml.YAMLError as exc:
        return None, [error(file, None, f"this is not valid YAML ({exc}) — check the file's layout")]


def duplicate_key_problems(data: LineDict, file: str, where: str = "") -> list[Problem]:
    within = f" in {where}" if where else ""
    return [
        error(file, line, f'"{key}" appears more than once{within} — keep only one') for key, line in data.duplicates
    ]
