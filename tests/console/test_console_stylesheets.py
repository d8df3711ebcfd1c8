"""The console's own style sheets are well formed: a rule left open swallows every rule after it,
which the browser ignores without a word (found once: the info scripts' answers lost their
wrapping and ran wider than a phone's screen)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "console" / "static"
COMMENT = re.compile(r"/\*.*?\*/", re.S)


@pytest.mark.parametrize("sheet", sorted(path.name for path in STATIC.glob("*.css")))
def test_every_rule_is_closed_before_the_next_begins(sheet: str) -> None:
    text = COMMENT.sub("", (STATIC / sheet).read_text(encoding="utf-8"))
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet}:{number}: a brace closes nothing"
        if re.match(r"^[.#a-z@:\[*]", line) and "{" in line and depth > 1:
            # A top-level selector starting while a rule that is not an at-rule is still open.
            assert _inside_at_rule(text, number), f"{sheet}:{number}: starts inside an open rule"
    assert depth == 0, f"{sheet}: {depth} rule(s) left open"


def _inside_at_rule(text: str, number: int) -> bool:
    before = "\n".join(text.splitlines()[: number - 1])
    opened = [match.group(0) for match in re.finditer(r"[^{}]*\{|\}", before)]
    stack: list[str] = []
    for token in opened:
        if token == "}":
            stack.pop()
        else:
            stack.append(token.strip())
    return bool(stack) and stack[-1].startswith("@")
