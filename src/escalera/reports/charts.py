"""Charts as inline SVG (matplotlib, no global pyplot state), safe to embed in HTML or PDF.

The position chart draws a peer group's distribution from its published summary only
(p10, p25, median, p75, p90 and best practice) — never from individual firms' values — and
marks the firm on it, so a report cannot reveal a peer's value.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from markupsafe import Markup
from matplotlib.figure import Figure

FIRM_COLOUR = "#c0392b"
BAND_COLOUR = "#9bb7d4"
BEST_COLOUR = "#1e8449"


@dataclass(frozen=True)
class Distribution:
    """A peer group's summary of one metric, as published after suppression."""

    p10: float
    p25: float
    median: float
    p75: float
    p90: float
    best: float


def position_svg(dist: Distribution, firm_value: float | None) -> Markup:
    """A one-line box chart: p10-p90 whiskers, p25-p75 box, median, best practice (diamond)
    and the firm (dot). The report prints the key once, beside the table. Markup, printed
    as is: the chart holds numbers only, no text a user typed."""
    fig = Figure(figsize=(4.2, 0.6), dpi=100)
    ax = fig.add_axes((0.03, 0.38, 0.94, 0.6))
    ax.hlines(0, dist.p10, dist.p90, color="#555555", linewidth=1)
    ax.broken_barh([(dist.p25, max(dist.p75 - dist.p25, 1e-9))], (-0.3, 0.6),
                   facecolors=BAND_COLOUR, edgecolor="#555555", linewidth=0.8)
    ax.vlines(dist.median, -0.3, 0.3, color="#2c3e50", linewidth=2)
    ax.plot([dist.best], [0], marker="D", color=BEST_COLOUR, markersize=6, linestyle="none")
    values = [dist.p10, dist.p90, dist.best]
    if firm_value is not None:
        ax.plot([firm_value], [0], marker="o", color=FIRM_COLOUR, markersize=8,
                linestyle="none")
        values.append(firm_value)
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=7, pad=1)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return Markup(svg[svg.index("<svg"):])  # drop the XML prolog: embeds inline
