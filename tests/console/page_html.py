"""Reading a console page as the tests need it: the rows of a marked table, the texts of marked
elements, without a browser (the standard library's HTML parser)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    """Every element carrying ``attribute``: its value and its text, whitespace collapsed; and the
    rows (cell texts) of each table row inside it."""

    def __init__(self, attribute: str) -> None:
        super().__init__()
        self.attribute = attribute
        self.found: list[tuple[str, list[str]]] = []
        self._open: list[tuple[str, int, list[str]]] = []
        self._depth = 0
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self.rows: dict[str, list[list[str]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"input", "br", "meta", "link", "img", "source"}:
            return
        self._depth += 1
        values = dict(attrs)
        if self.attribute in values:
            self._open.append((values[self.attribute] or "", self._depth, []))
        if tag == "tr":
            self._row = []
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"input", "br", "meta", "link", "img", "source"}:
            return
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            for value, _, _ in self._open:
                self.rows.setdefault(value, []).append(self._row)
            self._row = None
        if self._open and self._open[-1][1] == self._depth:
            value, _, texts = self._open.pop()
            self.found.append((value, [" ".join("".join(texts).split())]))
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for _, _, texts in self._open:
            texts.append(data)
        if self._cell is not None:
            self._cell.append(data)


def texts(page: str, attribute: str) -> list[tuple[str, str]]:
    """``(value, text)`` of every element with ``attribute``, in the order they end."""
    collector = _Collector(attribute)
    collector.feed(page)
    return [(value, text[0]) for value, text in collector.found]


def rows(page: str, attribute: str, value: str = "") -> list[list[str]]:
    """The cell texts of the table rows inside the element whose ``attribute`` is ``value``
    (header rows included: their cells are ``th``)."""
    collector = _Collector(attribute)
    collector.feed(page)
    return collector.rows.get(value, [])
