"""docs/architecture.md keeps up with the tree: it names every top-level package and ``app.py``,
its diagrams are Mermaid sequence diagrams GitHub can draw, and the README's layout paragraph
points to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
MERMAID = re.compile(r"^```mermaid\n(.*?)^```", re.MULTILINE | re.DOTALL)
# "participant X as text" declares X; a message is "A->>B: text" (any of Mermaid's arrows).
PARTICIPANT = re.compile(r"^\s*participant (\w+)")
MESSAGE = re.compile(r"^\s*(\w+)\s*(?:-->>|->>|-->|->|--x|-x|--\)|-\))\s*(\w+)\s*:")


def _top_level_packages() -> list[str]:
    """The directories at the root of the repository that are Python packages."""
    return sorted(init.parent.name for init in ROOT.glob("*/__init__.py"))


def _names(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` as code: ``name/`` or ``name``."""
    return re.search(rf"`{re.escape(name)}/?`", text) is not None


def _layout_paragraph() -> str:
    start = README.index("\nLayout, by ")
    return README[start : README.index("\n\n", start + 1)]


def test_the_listing_finds_the_packages() -> None:
    packages = _top_level_packages()
    assert {"ivr", "routing", "service", "tests"} <= set(packages)
    assert "alembic" not in packages  # migrations, not a package


@pytest.mark.parametrize("name", [*_top_level_packages(), "app.py"])
def test_architecture_names_every_top_level_package(name: str) -> None:
    assert _names(ARCHITECTURE, name), f"docs/architecture.md does not name `{name}/`"


def test_the_diagrams_are_sequence_diagrams_of_declared_participants() -> None:
    blocks = MERMAID.findall(ARCHITECTURE)
    assert len(blocks) >= 2, "a citizen call and an agent call"
    for block in blocks:
        lines = [line for line in block.splitlines() if line.strip()]
        assert lines[0] == "sequenceDiagram"
        declared = {match[1] for line in lines if (match := PARTICIPANT.match(line))}
        # Mermaid draws an undeclared name as a participant of its own: a typo would go unseen.
        for line in lines:
            message = MESSAGE.match(line)
            if message is not None:
                assert {message[1], message[2]} <= declared, line
            # Mermaid ends a statement at ";", cutting the text after it.
            assert ";" not in line, line


def test_readme_layout_points_to_the_architecture_and_names_every_package() -> None:
    paragraph = _layout_paragraph()
    assert "](docs/architecture.md)" in paragraph
    for name in [*_top_level_packages(), "app.py", "alembic", "docs"]:
        assert _names(paragraph, name), f"the README's layout does not name `{name}/`"
