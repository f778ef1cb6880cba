"""Sphinx extension: the payment lifecycle diagram, generated from the transition table.

``.. lifecycle-diagram::`` renders :func:`allocations.payments.lifecycle_tree` (a text tree)
and a table of the allowed transitions, both read from
:data:`allocations.payments.TRANSITIONS` when the documentation is built — so the diagram
cannot drift from the code.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from allocations.payments import FINAL_STATES, TRANSITIONS, InstructionState, lifecycle_tree


class LifecycleDiagram(SphinxDirective):
    """Insert the lifecycle tree and the transition table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        text = "\n".join(lifecycle_tree())
        diagram = nodes.literal_block(text, text)
        table = nodes.table()
        group = nodes.tgroup(cols=3)
        table += group
        for width in (2, 4, 1):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        body = nodes.tbody()
        group += head
        group += body
        head += self._row(["state", "may move to", "final"])
        order = list(InstructionState)
        for state in InstructionState:
            targets = sorted(TRANSITIONS[state], key=order.index)
            body += self._row(
                [
                    state.value,
                    ", ".join(target.value for target in targets) or "—",
                    "yes" if state in FINAL_STATES else "",
                ]
            )
        return [diagram, table]

    @staticmethod
    def _row(cells: list[str]) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=cell)
            row += entry
        return row


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("lifecycle-diagram", LifecycleDiagram)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
