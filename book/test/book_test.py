"""make book-test: a real browser reads every page of the built book.

Usage: python3 book/test/book_test.py BOOK_DIR OUT_DIR

Serves BOOK_DIR (what `make book` built) on a local port and opens every page in headless
Chromium (Debian's `chromium`, installed with apt-get when missing), at 1280, 1400, 1600 and
1920 px wide and at 800 px, each 900 px high: one browser run a page, on a harness page that
holds the page once per width in an iframe of that size (a page's media queries and layout see
the iframe as their window). The page's own check (book/theme/book-test.js,
active only with `?book-test`) reports what it found; this script fails the run, naming page,
width and problem, on
- a console error (Chromium's log) or a script error the page caught;
- an unresolved `{{#...}}` directive;
- an image that did not load;
- a program's chapter whose first pair of columns is not its lesson (Python and Rust, each with
  code), or whose pairs are not side by side at the wide widths and stacked at 800 px;
- at 1400 px, a lesson that does not start on the first screen (300 px of it visible);
- argument parsing (clap, argparse) visible in any pair of columns: it must be folded;
- navigation drawn over a code block, and a code line cut off at its block's edge, at any width;
- an internal link to a page that does not exist, or to an anchor the page does not have.
It saves a screenshot of every page at 1400 px in OUT_DIR. Before any of that it checks itself:
a copy of one page, broken on purpose in each of those ways, must be reported for each.
"""
import concurrent.futures
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WIDE = (1280, 1400, 1600, 1920)
NARROW = 800
FIRST_SCREEN = 1400  # The width at which the lesson must start on the first screen.
HEIGHT = 900
# Argument parsing, as it would read if it were not folded.
SCAFFOLDING = re.compile(r"use clap|#\[derive\(Parser|Args::parse|cli::parse::<Args>|import argparse|"
                         r"ArgumentParser\(|parse_args\(|from twinargs")


def chromium():
    """The Chromium binary, installed from Debian's package when missing."""
    found = shutil.which("chromium")
    if found:
        return found
    print("book-test: installing Debian's chromium with apt-get", file=sys.stderr)
    root = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        if subprocess.run(root + step, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"book-test: {' '.join(step)} failed; install Debian's chromium package")
    return shutil.which("chromium") or sys.exit("book-test: chromium still missing")


def serve(directory):
    """Serves `directory` on a free local port from a daemon thread; returns the base URL."""
    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


class Quiet(http.server.SimpleHTTPRequestHandler):
    """The book's files, and at /__book-test__/PAGE the harness for PAGE."""

    def do_GET(self):
        if not self.path.startswith(HARNESS):
            return super().do_GET()
        page = html.escape(self.path[len(HARNESS):], quote=True)
        frames = "".join(f'<iframe data-width="{w}" width="{w}" height="{HEIGHT}" '
                         f'src="/{page}?book-test"></iframe>' for w in WIDE + (NARROW,))
        # Each frame's check has run by the time the harness's own load event fires.
        body = (f"<!doctype html><html><body>{frames}<script>"
                "window.addEventListener('load', function () {"
                " var all = {};"
                " document.querySelectorAll('iframe').forEach(function (f) {"
                "  var r = f.contentDocument && f.contentDocument.getElementById('book-test-report');"
                "  all[f.dataset.width] = r ? JSON.parse(r.textContent) : null; });"
                " var out = document.createElement('pre'); out.id = 'book-test-reports';"
                " out.textContent = JSON.stringify(all); document.body.appendChild(out); });"
                "</script></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


HARNESS = "/__book-test__/"


def browse(browser, url, width, extra):
    """Runs headless Chromium on `url` at `width`; returns (stdout, console lines)."""
    run = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
         f"--window-size={width},{HEIGHT}", "--virtual-time-budget=10000", *extra, url],
        capture_output=True, text=True, timeout=120)
    console = [l for l in run.stderr.splitlines() if ":CONSOLE" in l]
    return run.stdout, console


def reports_of(dom):
    """{width: the page's report at that width, or None}."""
    found = re.search(r'<pre id="book-test-reports">(.*?)</pre>', dom, re.S)
    reports = json.loads(html.unescape(found.group(1))) if found else {}
    return {w: reports.get(str(w)) for w in WIDE + (NARROW,)}


def check_page(browser, base, book, out, page, programs):
    """Every problem on one page, as strings."""
    problems = []
    url = base + page
    dom, console = browse(browser, base + HARNESS.lstrip("/") + page, 2000, ["--dump-dom"])
    problems += [f"console: {line}" for line in console]
    for width, report in reports_of(dom).items():
        at = f"({width} px)"
        if report is None:
            problems.append(f"no report {at}: the page's check did not run")
            continue
        problems += [f"script error: {e}" for e in report["errors"]]
        problems += [f"unresolved directive: {u}" for u in report["unresolved"]]
        problems += [f"image not loaded: {i['src']}" for i in report["images"] if not i["loaded"]]
        problems += [f"navigation over code {at}: {o}" for o in report["overlaps"]]
        problems += [f"code line cut off {at}: {c}" for c in report["clipped"]]
        if Path(page).stem in programs:
            problems += check_program_page(report, width)
        if width == FIRST_SCREEN:
            problems += [f"broken link: {l}" for l in report["links"] if not link_ok(book, base, l)]
    shot = out / (page.replace("/", "--").replace(".html", ".png"))
    browse(browser, url, FIRST_SCREEN, [f"--screenshot={shot}"])
    if not shot.is_file():
        problems.append("no screenshot")
    return sorted(set(problems), key=problems.index)


def check_program_page(report, width):
    """A program's chapter: the lesson first, both pairs laid out for the width, nothing of the
    argument parsing on show."""
    problems = []
    at = f"({width} px)"
    columns = report["columns"]
    if len(columns) != 2:
        problems.append(f"{len(columns)} side-by-side blocks, not 2 (the lesson and the program)")
    expected = "stacked" if width == NARROW else "side by side"
    for c in columns:
        if c["python_lines"] < 2 or c["rust_lines"] < 2:
            problems.append(f"a code column is missing or empty: {c}")
        if c["layout"] != expected:
            problems.append(f"{at} the columns are {c['layout']}")
    lesson = report["lesson"]
    if not lesson or not lesson["is_lesson"]:
        problems.append("the first pair of columns is not the lesson")
    elif width == FIRST_SCREEN and lesson["top"] + 300 > lesson["viewport"]:
        problems.append(f"{at} the lesson starts at {lesson['top']:.0f} px, off the first screen "
                        f"({lesson['viewport']} px high)")
    for text in report["shown"]:
        found = SCAFFOLDING.search(text)
        if found:
            problems.append(f"argument parsing on show: {found.group(0)}")
    return problems


@functools.lru_cache(maxsize=None)
def ids_of(path):
    return set(re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8")))


def link_ok(book, base, link):
    if not link.startswith(base):
        return True  # Outside the book: not followed (the test runs offline).
    parsed = urllib.parse.urlparse(link[len(base):])
    target = book / urllib.parse.unquote(parsed.path)
    if parsed.path == "" or parsed.path.endswith("/"):
        target = target / "index.html"
    if not target.is_file():
        return False
    if parsed.fragment and target.suffix == ".html":
        return urllib.parse.unquote(parsed.fragment) in ids_of(target)
    return True


def self_check(browser, book):
    """The checks catch what they claim to: a copy of one program's page, broken on purpose in
    each way the test looks for, must be reported for each. Returns the ways it missed."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "book"
        shutil.copytree(book, broken)
        page = broken / "threads" / "simple-thread.html"
        text = page.read_text(encoding="utf-8")
        text = text.replace("<main>", "<main><img src='no-such.png'><a href='no-such.html'>x</a>"
                            "<a href='thread-args.html#no-such-anchor'>y</a>"
                            "<p>{{#include no-such.rs}}</p><script>noSuchFunction();</script>", 1)
        text = text.replace('class="rust-column"', 'class="no-column"', 1)
        # The lesson pushed off the first screen, argument parsing on show in it, the margin
        # arrows back over the code, and a line that cannot wrap.
        text = text.replace('<div class="side-by-side lesson">',
                            '<div style="height:2000px"></div><div class="side-by-side lesson">'
                            '<pre><code>use clap::Parser;</code></pre>', 1)
        text = text.replace("</main>", "<pre><code style='white-space:pre !important'>"
                            + "clipped_" * 80 + "</code></pre>"
                            "<style>.nav-wide-wrapper{display:block !important}</style></main>", 1)
        page.write_text(text, encoding="utf-8")
        base = serve(broken)
        found = "\n".join(check_page(browser, base, broken, Path(tmp), "threads/simple-thread.html",
                                      {"simple-thread"}))
    expected = ["noSuchFunction", "unresolved directive: {{#include no-such.rs}}",
                "image not loaded", "a code column is missing", "broken link: " + base + "threads/no-such.html",
                "no-such-anchor", "off the first screen", "argument parsing on show: use clap",
                "navigation over code", "code line cut off", ]
    return [e for e in expected if e not in found]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: book_test.py BOOK_DIR OUT_DIR")
    book, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    if not (book / "index.html").is_file():
        sys.exit(f"book-test: {book}/index.html is missing: run `make book` first")
    out.mkdir(parents=True, exist_ok=True)
    browser = chromium()
    missed = self_check(browser, book)
    if missed:
        sys.exit(f"book-test: the checks missed a page broken on purpose: {missed}")
    base = serve(book)
    skip = {"404.html", "print.html", "toc.html"}
    pages = sorted(str(p.relative_to(book)) for p in book.rglob("*.html")
                   if p.name not in skip and "FontAwesome" not in p.parts)
    programs = {p.parent.parent.name for p in REPO.glob("examples-*/*/src/main.rs")}
    chapters = {Path(p).stem for p in pages}
    failed = [f"{name}: no chapter" for name in sorted(programs - chapters)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda p: (p, check_page(browser, base, book, out, p, programs)), pages)
        for page, problems in results:
            failed += [f"{page}: {p}" for p in problems]
    for line in failed:
        print(line, file=sys.stderr)
    print(f"book-test: {len(pages)} pages, {len(failed)} problems; screenshots in {out}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
