"""The report as one self-contained HTML page: styled tables (best value per instance marked,
numbers right-aligned, failed and skipped runs shaded), a table of contents, images embedded.

The document is a list of blocks: ``("h", level, text)``, ``("p", text)``,
``("table", headers, rows)`` and ``("img", path, alt)``. A table cell that is a ``Best``
is the best value of its instance: bold in Markdown, bold on a green ground in HTML.
"""

from __future__ import annotations

import base64
import html
import re

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:88em;margin:2em auto;padding:0 1.5em;line-height:1.45}
h1{border-bottom:2px solid #2b6cb0;padding-bottom:.2em}
h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.15em}
h3{margin-top:1.4em;color:#2b6cb0}
nav{background:#f5f7fa;border:1px solid #e2e8f0;border-radius:6px;padding:.6em 1.2em}
nav a{margin-right:1.2em;text-decoration:none;color:#2b6cb0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:88%;margin:.6em 0 1.2em}
th{background:#edf2f7;position:sticky;top:0;text-align:left;padding:4px 8px;
border-bottom:2px solid #cbd5e0}
td{padding:3px 8px;border-bottom:1px solid #e2e8f0;text-align:right;
font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{text-align:left}
td.note{text-align:left;white-space:normal;max-width:40em;color:#555}
tr:nth-child(even) td{background:#fafbfc}
td.best{font-weight:700;background:#c6f6d5 !important}
tr.failed td{color:#9b2c2c;background:#fff5f5 !important}
tr.skipped td{color:#718096;background:#f7fafc !important}
figure{margin:1em 0 2em}
figure img{max-width:100%;border:1px solid #e2e8f0;border-radius:4px}
figcaption{font-size:90%;color:#555}
code{background:#edf2f7;padding:0 .25em;border-radius:3px}
"""


class Best(str):
    """A table cell holding the best value of its instance.

    >>> Best("7542").markdown()
    '**7542**'
    """

    def markdown(self) -> str:
        return f"**{self}**"


def cell_markdown(cell) -> str:
    """A cell's Markdown text (``|`` escaped, ``Best`` in bold).

    >>> cell_markdown("a|b"), cell_markdown(Best("3"))
    ('a\\\\|b', '**3**')
    """
    text = cell.markdown() if isinstance(cell, Best) else str(cell)
    return text.replace("|", "\\|")


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _inline(text: str) -> str:
    """Escaped text with ``code`` spans."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))


def _row_class(headers, row) -> str:
    status = {h: str(c) for h, c in zip(headers, row)}.get("status", "")
    if status == "skipped":
        return " class='skipped'"
    if status in ("error", "timeout", "infeasible", "no_solution"):
        return " class='failed'"
    return ""


def _cell_html(header: str, cell) -> str:
    text = html.escape(str(cell))
    if isinstance(cell, Best):
        return f"<td class='best'>{text}</td>"
    if header in ("note", "reason", "message"):
        return f"<td class='note'>{text}</td>"
    numeric = re.fullmatch(r"[-+]?[\d.,e+-]+( ?%)?|-|\d+/\d+.*", str(cell)) is not None
    return f"<td>{text}</td>" if numeric else f"<td class='text'>{text}</td>"


def render_html(blocks: list[tuple], title: str) -> str:
    """One self-contained page (CSS inline, images as data URIs).

    >>> page = render_html([("h", 2, "TSP"), ("table", ["method", "objective"],
    ...                      [["mcts", Best("7542")]])], "demo")
    >>> "<td class='best'>7542</td>" in page and "href='#tsp'" in page
    True
    """
    sections = [b[2] for b in blocks if b[0] == "h" and b[1] == 2]
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
           f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"]
    for position, block in enumerate(blocks):
        if block[0] == "h":
            out.append(f"<h{block[1]} id='{_anchor(block[2])}'>{html.escape(block[2])}"
                       f"</h{block[1]}>")
            if position == 0 and sections:
                links = "".join(f"<a href='#{_anchor(s)}'>{html.escape(s)}</a>"
                                for s in sections)
                out.append(f"<nav>{links}</nav>")
        elif block[0] == "p":
            out.append(f"<p>{_inline(block[1])}</p>")
        elif block[0] == "table":
            headers, rows = block[1], block[2]
            head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
            body = "".join(f"<tr{_row_class(headers, row)}>"
                           + "".join(_cell_html(h, c) for h, c in zip(headers, row)) + "</tr>"
                           for row in rows)
            out.append(f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
                       f"<tbody>{body}</tbody></table></div>")
        elif block[0] == "img":
            data = base64.b64encode(block[1].read_bytes()).decode()
            out.append(f"<figure><img alt='{html.escape(block[2])}' "
                       f"src='data:image/png;base64,{data}'><figcaption>"
                       f"{html.escape(block[2])}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
