"""Charts drawn on the server: no JavaScript, no external file, the same in a browser and in the PDF.

Shapes are inline SVG; words are HTML. WeasyPrint's SVG renderer lays text out
one letter at a time (no Arabic shaping, no bidi), so SVG here only ever holds
digits (axis values, years); labels and legends are HTML beside the drawing,
where Pango/HarfBuzz (PDF) or the browser shape them and lay them out in the
page's direction. Drawings are mirrored for right-to-left pages (bars grow
leftwards, time runs right to left, as Arabic readers read) by computing
physical positions here. Each chart carries a title for screen readers and
sits beside a table with the exact figures.
"""

import math

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from dalil.reports.tables import Table, number

FONT = "'Dalil Sans', 'Noto Sans', sans-serif"  # digits only: any Latin font will do
MUTED, GRID, BAR = "#5f6368", "#d6d6d0", "#1f4e79"
# Colour and dash together, so series stay apart in greyscale print and for colour-blind readers.
SERIES_STYLE = [("#1f4e79", ""), ("#b35900", "6 3"), ("#2e7d32", "2 3"), ("#7b1fa2", "8 3 2 3")]


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above value (at least 1): the top of an axis."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(table: Table, title: str, rtl: bool = False) -> SafeString:
    """Horizontal bars, one per row: the label, the bar (SVG), the count (or "<5") in HTML."""
    largest = table.largest or 1
    rows = []
    for row in table.rows:
        if row.hidden:  # suppressed: an outline, no length that would give the count away
            drawing = (f'<rect x="{96.5 if rtl else 0.5}" y="1" width="3" height="8" fill="none" stroke="{MUTED}" '
                       'stroke-width="0.4" stroke-dasharray="1 1"/>')
        else:
            width = round(100 * row.value / largest, 2)
            drawing = f'<rect x="{round(100 - width, 2) if rtl else 0}" y="1" width="{width}" height="8" fill="{BAR}"/>'
        rows.append(format_html(
            '<div class="bar-row{}"><span class="bar-label">{}</span><span class="bar-track">'
            '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">{}</svg></span>'
            '<span class="bar-value" dir="ltr">{}</span></div>',
            " hidden-cell" if row.hidden else "", row.label, mark_safe(drawing), row.text))
    return format_html('<div class="chart bar-chart" id="chart-{}" role="img" aria-label="{}">{}</div>',
                       table.name, title, mark_safe("".join(rows)))


class _Canvas:
    """SVG elements in logical coordinates (x from the reading start), mirrored for RTL. Text: digits only."""

    def __init__(self, width: int, height: int, rtl: bool):
        self.width, self.height, self.rtl, self.parts = width, height, rtl, []

    def x(self, x: float, w: float = 0) -> float:
        return round(self.width - x - w, 1) if self.rtl else round(x, 1)

    def rect(self, x, y, w, h, fill, extra=""):
        self.parts.append(f'<rect x="{self.x(x, w)}" y="{round(y, 1)}" width="{round(w, 1)}" '
                          f'height="{round(h, 1)}" fill="{fill}"{extra}/>')

    def line(self, x1, y1, x2, y2, stroke=GRID, width=1.0, dash=""):
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{self.x(x1)}" y1="{round(y1, 1)}" x2="{self.x(x2)}" y2="{round(y2, 1)}" '
                          f'stroke="{stroke}" stroke-width="{width}"{dashed}/>')

    def digits(self, x, y, text: str, anchor: str = "middle"):
        """A number or a year. `anchor`: "start"/"end" in reading order, or "middle"."""
        assert all(c.isascii() for c in text), "SVG text here is digits only (see the module docstring)"
        physical = anchor if anchor == "middle" or not self.rtl else {"start": "end", "end": "start"}[anchor]
        self.parts.append(f'<text x="{self.x(x)}" y="{round(y, 1)}" text-anchor="{physical}" font-size="11" '
                          f'fill="{MUTED}">{escape(text)}</text>')

    def polyline(self, points, stroke, dash=""):
        coords = " ".join(f"{self.x(x)},{round(y, 1)}" for x, y in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="2.2"'
                          f'{dashed}/>')

    def svg(self, chart_id: str, title: str) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-drawing" id="{escape(chart_id)}" role="img" '
                f'aria-label="{escape(title)}" viewBox="0 0 {self.width} {self.height}" width="{self.width}" '
                f'height="{self.height}" direction="ltr" font-family="{FONT}">' + "".join(self.parts) + "</svg>")


def _axes(canvas: _Canvas, ceiling: int, box: tuple) -> None:
    """Horizontal grid lines with their values, from 0 to the top in 5, 4, 2 or 1 equal whole steps."""
    left, top, plot_w, plot_h = box
    steps = next(n for n in (5, 4, 2, 1) if ceiling % n == 0)  # whole numbers at every line
    for i in range(steps + 1):
        y = top + plot_h - plot_h * i / steps
        canvas.line(left, y, left + plot_w, y, stroke=GRID if i else MUTED)
        canvas.digits(left - 6, y + 4, number(round(ceiling * i / steps)), anchor="end")


def _years(canvas: _Canvas, keys: list[str], box: tuple) -> None:
    """The time axis: a tick and the year at the first period of each year (keys "2012-05" or "2012-Q2")."""
    left, top, plot_w, plot_h = box
    slot = plot_w / max(len(keys), 1)
    seen = set()
    for i, key in enumerate(keys):
        year = key[:4]
        if year in seen or not year.isdigit():
            continue
        seen.add(year)
        x = left + i * slot
        canvas.line(x, top + plot_h, x, top + plot_h + 5, stroke=MUTED)
        canvas.digits(x + 2 if i == 0 else x, top + plot_h + 18, year, anchor="start" if i == 0 else "middle")


def column_series(table: Table, title: str, rtl: bool = False, width: int = 640, height: int = 220) -> SafeString:
    """A time series as columns, one per month or quarter, with years on the axis (undated rows: table only)."""
    rows = [row for row in table.rows if row.key]
    canvas = _Canvas(width, height, rtl)
    box = (52, 10, width - 52 - 10, height - 10 - 28)
    left, top, plot_w, plot_h = box
    ceiling = nice_ceiling(table.largest)
    _axes(canvas, ceiling, box)
    slot = plot_w / max(len(rows), 1)
    for i, row in enumerate(rows):
        x = left + i * slot
        if row.hidden:  # suppressed: an outline at the foot, no height that would give the count away
            canvas.rect(x + slot * 0.15, top + plot_h - 5, slot * 0.7, 5, "none",
                        f' stroke="{MUTED}" stroke-width="0.8" stroke-dasharray="2 2"')
        elif row.value:
            h = plot_h * row.value / ceiling
            canvas.rect(x + slot * 0.12, top + plot_h - h, max(slot * 0.76, 0.8), h, BAR)
    _years(canvas, [r.key for r in rows], box)
    return format_html('<div class="chart time-chart" id="chart-{}">{}</div>', table.name,
                       mark_safe(canvas.svg(f"drawing-{table.name}", title)))


def line_series(periods: list[str], series: dict[str, list[int]], names: dict[str, str], title: str,
                chart_id: str, rtl: bool = False, width: int = 640, height: int = 220) -> SafeString:
    """Running totals as lines, one per series; the legend (colour, dash, name, last value) is HTML above."""
    canvas = _Canvas(width, height, rtl)
    box = (52, 10, width - 52 - 10, height - 10 - 28)
    left, top, plot_w, plot_h = box
    ceiling = nice_ceiling(max((max(v) for v in series.values() if v), default=0))
    _axes(canvas, ceiling, box)
    slot = plot_w / max(len(periods), 1)
    legend = []
    for (name, values), (colour, dash) in zip(series.items(), SERIES_STYLE):
        points = [(left + (i + 0.5) * slot, top + plot_h - plot_h * v / ceiling) for i, v in enumerate(values)]
        if len(points) == 1:  # one month: a short flat stroke, so it shows
            points = [(points[0][0] - slot * 0.3, points[0][1]), (points[0][0] + slot * 0.3, points[0][1])]
        if points:
            canvas.polyline(points, colour, dash)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        swatch = (f'<svg class="swatch" viewBox="0 0 28 8" width="28" height="8" aria-hidden="true">'
                  f'<line x1="0" y1="4" x2="28" y2="4" stroke="{colour}" stroke-width="2.5"{dashed}/></svg>')
        legend.append((mark_safe(swatch), names[name], number(values[-1]) if values else "0"))
    _years(canvas, periods, box)
    items = format_html_join("", '<li>{} <span class="series-name">{}</span> <span dir="ltr">({})</span></li>',
                             legend)
    return format_html('<div class="chart line-chart" id="{}"><ul class="legend">{}</ul>{}</div>', chart_id, items,
                       mark_safe(canvas.svg(f"drawing-{chart_id}", title)))
