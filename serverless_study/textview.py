"""Plain-text views for pipes, files and screen readers: no colour, no boxes, no wrapping, no Rich import."""

from __future__ import annotations

from serverless_study.model import Topic


def topic_text(topic: Topic) -> str:
    """The whole topic as plain lines: headings underlined, tables as labelled row blocks."""
    title = f"{topic.title} ({topic.id})"
    out = [title, "=" * len(title), ""]
    if topic.summary:
        out += [topic.summary, ""]

    def heading(text: str) -> None:
        out.extend([text, "-" * len(text)])

    if topic.concepts:
        heading("Concepts")
        for c in topic.concepts:
            out.append(c.term)
            out.append(f"    {c.definition}")
            out.extend(f"    - {p}" for p in c.points)
            if c.aliases:
                out.append(f"    Also called: {', '.join(c.aliases)}")
        out.append("")
    for table in topic.comparisons:
        heading(table.title)
        for row in table.rows:
            if row.label:
                out.append(f"{row.label}:")
            out.extend(f"  {col}: {cell}" for col, cell in zip(table.columns, row.cells) if cell)
        if table.note:
            out.append(table.note)
        out.append("")
    for seq in topic.sequences:
        heading(seq.title)
        for n, step in enumerate(seq.steps, 1):
            out.append(f"{n:>2}. {step.text}" + (f" - {step.detail}" if step.detail else ""))
        if seq.note:
            out.append(seq.note)
        out.append("")
    if topic.facts:
        heading("Key facts")
        for f in topic.facts:
            out += [f"Q {f.prompt}", f"A {f.answer}"]
            if f.explanation:
                out.append(f"  {f.explanation}")
            out.append("")
    for image in topic.images:
        out.append(f"Diagram: {image.caption or image.src} ({image.path})")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def topics_text(topics: list[Topic]) -> str:
    """One aligned line per topic: id, title and item counts."""
    header = ("id", "title", "concepts", "tables", "sequences", "facts")
    rows = [header] + [
        (t.id, t.title, *(str(n) for n in (len(t.concepts), len(t.comparisons), len(t.sequences), len(t.facts))))
        for t in topics
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])] + [c.rjust(w) for c, w in zip(r[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
