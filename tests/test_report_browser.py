"""The HTML report in a real headless Chromium (the system's package, driven by
playwright): each page loads from a file with no request but itself, no console error and
no script error; every chart has drawn content; on a phone (390 x 844) nothing is wider
than the screen (tables scroll in their own boxes); it prints to a PDF.  Each case saves a
full-page screenshot in tests/artifacts/ (ignored by git) and prints its path.

Chromium comes from the system's packages: scripts/test.sh installs it with apt-get.
Without it these tests fail, saying so; they never skip."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sprintgait import charts
from sprintgait.html_report import render_history_report, render_session_report
from test_html_report import (ATHLETE, demo_analysis, history_of_athlete, lost_pod_analysis, no_reps_analysis,
                              single_foot_analysis)

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
PHONE = {"width": 390, "height": 844}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
DATA_COLOURS = [c.lower() for c in (charts.LEFT_COLOUR, charts.RIGHT_COLOUR, charts.BEST_COLOUR)]

# per chart: its data marks (paths and markers in a foot's or the best session's colour) and
# how many of them have an area on screen
CHART_MARKS = """colours => Array.from(document.querySelectorAll('figure.chart svg')).map(svg => {
  const marks = Array.from(svg.querySelectorAll('path, use, line, rect, polyline')).filter(el =>
    colours.some(c => (el.getAttribute('style') || '').toLowerCase().includes(c)));
  const drawn = marks.filter(el => { const b = el.getBBox(); return b.width > 0 && b.height > 0; });
  const box = svg.getBoundingClientRect();
  return {label: svg.getAttribute('aria-label'), marks: marks.length, drawn: drawn.length,
          width: box.width, height: box.height};
})"""


def chromium_path() -> str:
    """The system's Chromium; a failure that says how to install it when there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.fail("no Chromium found (chromium on PATH or /usr/bin/chromium): the report's browser tests need the "
                "system's Chromium; run scripts/test.sh, which installs it with apt-get (apt-get install chromium)",
                pytrace=False)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run scripts/test.sh (it installs the test extras)", pytrace=False)
    path = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return ARTIFACTS


def _cases() -> dict:
    sessions, trends = history_of_athlete()
    return {
        "demo": lambda: render_session_report([demo_analysis()]),
        "lost-pod": lambda: render_session_report([lost_pod_analysis()]),
        "single-foot": lambda: render_session_report([single_foot_analysis()]),
        "no-reps": lambda: render_session_report([no_reps_analysis()], history=[trends]),
        "history": lambda: render_history_report(ATHLETE, trends, sessions=sessions),
    }


def _open(browser, html_file: Path, viewport: dict):
    """The page loaded from ``html_file``, with every request, console error and script error it caused."""
    page = browser.new_page(viewport=viewport)
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(f"page error: {e}"))
    page.goto(html_file.as_uri(), wait_until="load")
    return page, seen


@pytest.mark.parametrize("case", ["demo", "lost-pod", "single-foot", "no-reps", "history"])
def test_the_report_in_chromium(case, browser, artifacts, tmp_path):
    html_file = tmp_path / f"report-{case}.html"
    html_file.write_text(_cases()[case](), encoding="utf-8")
    page, seen = _open(browser, html_file, PHONE)
    try:
        assert seen["requests"] == [html_file.as_uri()], f"requests beside the page itself: {seen['requests']}"
        assert not seen["errors"], seen["errors"]
        n_figures = page.locator("figure.chart").count()
        found = page.evaluate(CHART_MARKS, DATA_COLOURS)
        assert len(found) == n_figures
        for chart in found:
            assert chart["drawn"] >= 1 and chart["marks"] >= 1, chart
            assert chart["width"] > 250 and chart["height"] > 100, chart     # a readable size on the phone
        if case == "no-reps":
            assert n_figures == 0
            assert "No reps: the pods saw no bout of steps." in page.inner_text("body")
        else:
            assert n_figures >= 2
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"the page is wider than the phone's screen: {width}"
        shot = artifacts / f"report-{case}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")
        assert shot.stat().st_size > 10_000
        if case in ("demo", "history"):
            page.emulate_media(media="print")
            pdf = page.pdf(format="A4", print_background=False)
            assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
            pdf_file = artifacts / f"report-{case}.pdf"
            pdf_file.write_bytes(pdf)
            print(f"pdf: {pdf_file} ({len(pdf) // 1000} KB)")
        assert seen["requests"] == [html_file.as_uri()], f"requests beside the page itself: {seen['requests']}"
        assert not seen["errors"], seen["errors"]
    finally:
        page.close()


def test_the_demo_on_a_desktop(browser, artifacts, tmp_path):
    """The demo at a laptop's width: the charts side by side, nothing wider than the window."""
    html_file = tmp_path / "report-demo.html"
    html_file.write_text(render_session_report([demo_analysis()]), encoding="utf-8")
    page, seen = _open(browser, html_file, {"width": 1280, "height": 900})
    try:
        assert seen["requests"] == [html_file.as_uri()] and not seen["errors"], seen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        tops = page.evaluate("Array.from(document.querySelectorAll('#s1-r1 figure.chart'))"
                             ".map(f => Math.round(f.getBoundingClientRect().top))")
        assert len(tops) == 3 and tops[0] == tops[1], tops      # two charts in a row
        shot = artifacts / "report-demo-desktop.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")
    finally:
        page.close()
