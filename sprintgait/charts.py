"""The HTML report's charts: matplotlib figures as SVG text to inline in a page.

Each function reads the analysis output contract (``Analysis.to_dict()``: its steps and a
rep's splits) or a :class:`sprintgait.trend.Trend`, and returns one ``<svg>`` element
(no XML prolog, no namespace declarations, no metadata, no URL) with ``role="img"``, an
``aria-label`` and a ``<title>``, or None when there is nothing to draw.  The SVG has a
``viewBox`` and no fixed size: the page's CSS sets its width.

Output is deterministic (the same input gives the same bytes): every figure is a
:class:`matplotlib.figure.Figure` of its own (no pyplot), drawn one at a time (threads
take turns: matplotlib's style is process-wide) under a local
:func:`matplotlib.rc_context` with a fixed ``svg.hashsalt`` (the chart's ``key``,
which also keeps the ids of the clip paths and markers of several charts on one page
apart) and no date; text stays text (``svg.fonttype: none``), which keeps a chart at
about 10-20 KB.

Colours are the Okabe-Ito palette, safe for colour-blind readers, the same on every
chart and in the page: left foot blue (:data:`LEFT_COLOUR`), right foot orange-red
(:data:`RIGHT_COLOUR`), each foot with its own marker too (circle, square).
"""
from __future__ import annotations

import html
import io
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import matplotlib
import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .trend import Trend

LEFT_COLOUR = "#0072B2"      # Okabe-Ito blue
RIGHT_COLOUR = "#D55E00"     # Okabe-Ito vermillion (orange-red)
OTHER_COLOUR = "#555555"     # a foot pod whose side is unknown
BEST_COLOUR = "#009E73"      # Okabe-Ito bluish green: the best session on a trend
MARK_COLOUR = "#444444"      # split marks, cues, reference lines

# the charts' text: matplotlib lays it out in DejaVu Sans; a browser without it takes the nearest
FONTS = "'DejaVu Sans',Verdana,Arial,sans-serif"
WIDTH_IN = 4.8               # every chart's width (inches; 1 unit of the viewBox is 1 pt)


@dataclass(frozen=True, slots=True)
class FootStyle:
    """How one foot is drawn."""

    label: str
    colour: str
    marker: str


FOOT_STYLES = {"left": FootStyle("left", LEFT_COLOUR, "o"), "right": FootStyle("right", RIGHT_COLOUR, "s"),
               "unknown": FootStyle("foot unknown", OTHER_COLOUR, "^")}

_RC = {
    "svg.fonttype": "none", "font.family": "sans-serif", "font.size": 10.5,
    "axes.titlesize": 11.5, "axes.titleweight": "bold", "axes.titlelocation": "left", "axes.labelsize": 10.0,
    "xtick.labelsize": 10.0, "ytick.labelsize": 10.0, "legend.fontsize": 10.0, "legend.frameon": False,
    "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#888888", "axes.linewidth": 0.8,
    "axes.labelcolor": "#333333", "xtick.color": "#555555", "ytick.color": "#555555",
    "axes.grid": True, "grid.color": "#e3e3e3", "grid.linewidth": 0.6,
    "lines.linewidth": 1.5, "lines.markersize": 4.5, "path.simplify": True,
    "figure.facecolor": "none", "axes.facecolor": "none", "savefig.facecolor": "none",
    "text.parse_math": False,      # (a coach's drill named "a$b" is text, not a formula)
}


# matplotlib's rcParams are one process-wide dict that rc_context changes and restores: one chart
# is drawn at a time, so threads drawing reports at once (a Dask worker's) each get their own style
_DRAWING = threading.RLock()


@contextmanager
def _figure(key: str, height_in: float) -> Iterator[Figure]:
    """A figure drawn under the charts' local style (also while it is saved)."""
    with _DRAWING, matplotlib.rc_context({**_RC, "svg.hashsalt": key}):
        yield Figure(figsize=(WIDTH_IN, height_in))


def _panels(fig: Figure, n: int) -> list[Axes]:
    """``n`` axes stacked on a shared x axis, with fixed margins (inches: room for the
    legend and a title above each panel, the tick labels and the axis labels; a fixed
    layout is twice as fast to draw as a constrained one and as deterministic)."""
    w, h = fig.get_size_inches()
    top, bottom, left, right, gap = 0.52, 0.48, 0.66, 0.12, 0.36
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    panel = (h - top - bottom - gap * (n - 1)) / n
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        hspace=gap / panel)
    return list(axes)


def _legend(fig: Figure, ax: Axes, fontsize: float | None = None) -> None:
    """The feet's key at the top right, above the first panel's title."""
    fig.legend(*ax.get_legend_handles_labels(), loc="upper right", bbox_to_anchor=(1.0, 1.0), ncols=3,
               fontsize=fontsize, borderaxespad=0.2, handlelength=1.6, columnspacing=1.0)


_AUTO_ID = re.compile(r'\sid="[A-Za-z][A-Za-z0-9.]*_\d+"')   # matplotlib's unreferenced group ids (line2d_1 ...)
_FONT_FAMILY = re.compile(r"font-family: [^;\"]*(?:; )?")
_GEOMETRY = re.compile(r'(\s(?:d|x|y|transform)=")([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d\d)\d+")


def _short(m: re.Match) -> str:
    """A geometry attribute with its numbers to 0.01 pt (a hundredth of a pixel)."""
    return m.group(1) + _LONG_DECIMAL.sub(r"\1", m.group(2)).strip() + '"'


def _svg(fig: Figure, label: str) -> str:
    """``fig`` as an inline ``<svg>`` element labelled ``label`` (see the module docstring).
    Call inside :func:`_figure`'s context."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    head = text.index(">") + 1           # the root's own size and namespaces: the page gives both
    text = re.sub(r'\s(?:xmlns(?::xlink)?|version|width|height)="[^"]*"', "", text[:head]) + text[head:]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)      # its global * rule: the page has it
    text = text.replace("xlink:href=", "href=")
    text = _FONT_FAMILY.sub("", text)          # each text's: one on the root instead
    text = _AUTO_ID.sub("", text)
    text = re.sub(r'\stransform="rotate\(-?0 [^")]*\)"', "", text)     # unrotated text's no-op rotation
    text = re.sub(r"\s*\n\s*", " ", text)
    text = _GEOMETRY.sub(_short, text)
    text = re.sub(r">\s+<", "><", text)
    root = ET.fromstring(text)
    _unwrap_groups(root)
    text = ET.tostring(root, encoding="unicode").replace(" />", "/>")
    name = html.escape(label, quote=True)
    head = text.index(">") + 1
    return (text[:head - 1] + f' role="img" aria-label="{name}" style="font-family:{FONTS}">'
            + f"<title>{name}</title>" + text[head:]).strip()


def _unwrap_groups(el: ET.Element) -> None:
    """Replace each ``<g>`` without attributes by its children, and drop empty ``<defs>``
    and the unfilled, unstroked background boxes of the figure and its axes."""
    out: list[ET.Element] = []
    for child in el:
        _unwrap_groups(child)
        if child.tag == "g" and not child.attrib:
            out.extend(child)
        elif child.tag == "defs" and len(child) == 0:
            continue
        elif child.tag == "path" and child.attrib.get("style") == "fill: none" and set(child.attrib) == {"d", "style"}:
            continue
        else:
            out.append(child)
    el[:] = out


def _foot_points(steps: Sequence[Mapping], value) -> dict[str, tuple[list[float], list[float]]]:
    """Per foot (in the order left, right, unknown): step numbers (1-based, the rep's IC
    order) and ``value(step)`` where it is known."""
    out: dict[str, tuple[list[float], list[float]]] = {}
    for n, s in enumerate(steps, 1):
        v = value(s)
        if v is None:
            continue
        xs, ys = out.setdefault(s.get("foot") or "unknown", ([], []))
        xs.append(n)
        ys.append(v)
    return {f: out[f] for f in FOOT_STYLES if f in out}


def _plot_feet(ax: Axes, points: dict[str, tuple[list[float], list[float]]], *, linestyle: str = "-",
               suffix: str = "") -> None:
    for foot, (xs, ys) in points.items():
        st = FOOT_STYLES[foot]
        ax.plot(xs, ys, linestyle=linestyle, marker=st.marker, color=st.colour, label=st.label + suffix,
                markeredgewidth=0)


def _scaled(key: str, factor: float):
    return lambda s: None if s.get(key) is None else factor * s[key]


def contact_flight_chart(steps: Sequence[Mapping], *, key: str, cue_steps: Sequence[int] = ()) -> str | None:
    """Contact time (ms) per step by foot over a rep and, below it, the flight time (ms)
    after each contact; x: the step's number in the rep (both feet, in IC order).
    ``cue_steps``: step numbers where a cue fired (marked above the contacts).  None when
    no step has a contact time."""
    contact = _foot_points(steps, _scaled("contact_s", 1000.0))
    if not contact:
        return None
    flight = _foot_points(steps, _scaled("flight_s", 1000.0))
    with _figure(key, 3.7 if flight else 2.5) as fig:
        axes = _panels(fig, 2 if flight else 1)
        _plot_feet(axes[0], contact)
        axes[0].set_ylabel("contact (ms)")
        axes[0].set_title("Contact time per step")
        if cue_steps:
            top = max(max(ys) for _, ys in contact.values())
            axes[0].plot(list(cue_steps), [top * 1.08] * len(cue_steps), linestyle="none", marker="v",
                         color=MARK_COLOUR, markersize=6, label="cue")
        if flight:
            _plot_feet(axes[1], flight)
            axes[1].set_ylabel("flight (ms)")
            axes[1].set_title("Flight time after each contact")
        axes[-1].set_xlabel("step of the rep")
        axes[-1].xaxis.get_major_locator().set_params(integer=True)
        _legend(fig, axes[0])
        return _svg(fig, "Contact time" + (" and flight time" if flight else "") + " per step, by foot")


def foot_lift_chart(steps: Sequence[Mapping], *, key: str) -> str | None:
    """Foot lift (the swing's peak height, cm) per step by foot and, below it when a
    shank or thigh pod gave them, the swing's peak thigh (solid) and shank (dashed)
    angles (deg from vertical); x: the step's number in the rep.  None when no step has
    a foot lift or an angle."""
    lift = _foot_points(steps, _scaled("peak_height_m", 100.0))
    thigh = _foot_points(steps, _scaled("thigh_angle_peak_deg", 1.0))
    shank = _foot_points(steps, _scaled("shank_angle_peak_deg", 1.0))
    panels = [p for p in (lift, thigh or shank) if p]
    if not panels:
        return None
    with _figure(key, 1.2 + 1.3 * len(panels)) as fig:
        axes = _panels(fig, len(panels))
        if lift:
            ax = axes.pop(0)
            _plot_feet(ax, lift)
            ax.set_ylabel("foot lift (cm)")
            ax.set_title("Foot lift per step")
            ax.set_ylim(bottom=0)
        if thigh or shank:
            ax = axes.pop(0)
            _plot_feet(ax, thigh, suffix=" thigh")
            _plot_feet(ax, shank, linestyle="--", suffix=" shank")
            ax.set_ylabel("peak angle (deg)")
            ax.set_title("Thigh and shank swing peaks" if thigh and shank else
                         "Thigh swing peaks" if thigh else "Shank swing peaks")
            ax.legend(loc="best", ncols=2, fontsize=9)
        last = fig.axes[-1]
        last.set_xlabel("step of the rep")
        last.xaxis.get_major_locator().set_params(integer=True)
        if lift:
            _legend(fig, fig.axes[0])
        what = ["foot lift"] * bool(lift) + ["thigh angle"] * bool(thigh) + ["shank angle"] * bool(shank)
        return _svg(fig, " and ".join(what).capitalize() + " per step, by foot")


def speed_chart(steps: Sequence[Mapping], splits: Mapping | None, *, start_s: float, key: str) -> str | None:
    """Speed per stride (m/s) by foot against time (s) from the rep's first movement (its
    splits'; else ``start_s``, s on the recording's clock), each stride at its landing;
    with the splits, each split distance's time as a dotted line and the top speed as a
    dashed one.  None when no step has a speed."""
    t0 = splits.get("first_movement_s") if splits else None
    t0 = start_s if t0 is None else t0
    points: dict[str, tuple[list[float], list[float]]] = {}
    for s in steps:
        if s.get("speed_mps") is None or s.get("ic_s") is None:
            continue
        xs, ys = points.setdefault(s.get("foot") or "unknown", ([], []))
        xs.append(s["ic_s"] - t0)
        ys.append(s["speed_mps"])
    points = {f: points[f] for f in FOOT_STYLES if f in points}
    if not points:
        return None
    with _figure(key, 2.9) as fig:
        ax = _panels(fig, 1)[0]
        _plot_feet(ax, points)
        top = max(max(ys) for _, ys in points.values())
        for sp in (splits or {}).get("at") or ():
            if sp.get("time_s") is None:
                continue
            ax.axvline(sp["time_s"], color=MARK_COLOUR, linestyle=":", linewidth=1.0)
            ax.annotate(f"{sp['distance_m']:g} m", (sp["time_s"], 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -2), textcoords="offset points", ha="left", va="top", fontsize=9,
                        color=MARK_COLOUR)
        best = (splits or {}).get("top_speed_mps")
        if best is not None:
            ax.axhline(best, color=MARK_COLOUR, linestyle="--", linewidth=1.0)
            ax.annotate(f"top {best:.2f} m/s", (0.0, best), xycoords=("axes fraction", "data"), xytext=(2, 3),
                        textcoords="offset points", fontsize=9, color=MARK_COLOUR)
            top = max(top, best)
        ax.set_ylim(0, top * 1.18)
        ax.set_xlim(left=0)
        ax.set_ylabel("speed (m/s)")
        ax.set_xlabel("time from the first movement (s)" if splits else "time from the rep's start (s)")
        ax.set_title("Speed per stride" + (" and splits" if splits and splits.get("at") else ""))
        _legend(fig, ax)
        return _svg(fig, "Speed per stride by foot" + (", with the split times" if splits else ""))


def trend_chart(trend: Trend, *, key: str) -> str | None:
    """A :class:`~sprintgait.trend.Trend`: each session's value (the metric's unit) on its
    date with error bars of two noise SEs where the noise is known, the typical value (the
    median) as a dashed line and the best session in green.  None without points."""
    pts = trend.points
    if not pts:
        return None
    metric = trend.metric
    dates = [datetime.combine(p.session_date, time(12)) for p in pts]
    unit = f" ({metric.unit})" if metric.unit else ""
    with _figure(key, 2.7) as fig:
        ax = _panels(fig, 1)[0]
        errs = [0.0 if p.noise is None else 2.0 * p.noise for p in pts]
        ax.errorbar(dates, [p.value for p in pts], yerr=errs, color=LEFT_COLOUR, marker="o", capsize=3,
                    elinewidth=1.0, markeredgewidth=0, label="session ±2 noise")
        typical = trend.typical()
        if typical is not None:
            ax.axhline(typical[0], color=MARK_COLOUR, linestyle="--", linewidth=1.0,
                       label=f"typical {metric.format(typical[0])}")
        best = trend.best
        if best is not None:
            ax.plot([datetime.combine(best.session_date, time(12))], [best.value], linestyle="none", marker="*",
                    markersize=13, color=BEST_COLOUR, label=f"best {metric.format(best.value)}")
        if len(pts) <= 6:       # each session's date under it
            ax.set_xticks(dates)
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        else:
            locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        if len(pts) == 1:
            ax.set_xlim(dates[0] - timedelta(days=4), dates[0] + timedelta(days=4))
        ax.margins(x=0.08, y=0.25)
        ax.set_ylabel(metric.label + unit)
        ax.set_title(f"{metric.label.capitalize()}, {trend.drill}"
                     + (" (lower is better)" if metric.lower_is_better else " (higher is better)"))
        _legend(fig, ax, fontsize=9)
        return _svg(fig, f"{metric.label} of {trend.drill} over {len(pts)} session{'s' * (len(pts) != 1)}")
