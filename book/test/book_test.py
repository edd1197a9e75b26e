"""make book-test: a real browser reads every page of the built book.

Usage: python3 book/test/book_test.py BOOK_DIR OUT_DIR

Serves BOOK_DIR (what `make book` built) on a local port and opens every page in headless
Chromium (Debian's `chromium`, installed with apt-get when missing), twice: 1600 px wide and
800 px wide. The page's own check (book/theme/book-test.js, active only with `?book-test`)
reports what it found; this script fails the run, naming page and problem, on
- a console error (Chromium's log) or a script error the page caught;
- an unresolved `{{#...}}` directive;
- an image that did not load;
- a program's chapter without both code columns (Python and Rust, each with code), or whose
  columns are not side by side at 1600 px and stacked at 800 px;
- an internal link to a page that does not exist, or to an anchor the page does not have.
It saves a screenshot of every page at 1600 px in OUT_DIR. Before any of that it checks itself:
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
WIDE, NARROW = 1600, 800


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
    def log_message(self, *args):
        pass


def browse(browser, url, width, extra):
    """Runs headless Chromium on `url` at `width`; returns (stdout, console lines)."""
    run = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
         f"--window-size={width},1200", "--virtual-time-budget=10000", *extra, url],
        capture_output=True, text=True, timeout=120)
    console = [l for l in run.stderr.splitlines() if ":CONSOLE" in l]
    return run.stdout, console


def report_of(dom):
    found = re.search(r'<pre id="book-test-report">(.*?)</pre>', dom, re.S)
    return json.loads(html.unescape(found.group(1))) if found else None


def check_page(browser, base, book, out, page, programs):
    """Every problem on one page, as strings."""
    problems = []
    url = base + page
    expected_layout = {WIDE: "side by side", NARROW: "stacked"}
    for width in (WIDE, NARROW):
        dom, console = browse(browser, url + "?book-test", width, ["--dump-dom"])
        problems += [f"console ({width} px): {line}" for line in console]
        report = report_of(dom)
        if report is None:
            problems.append(f"no report at {width} px: the page's check did not run")
            continue
        problems += [f"script error: {e}" for e in report["errors"]]
        problems += [f"unresolved directive: {u}" for u in report["unresolved"]]
        problems += [f"image not loaded: {i['src']}" for i in report["images"] if not i["loaded"]]
        if Path(page).stem in programs:
            columns = report["columns"]
            if len(columns) != 1:
                problems.append(f"{len(columns)} side-by-side blocks, not 1")
            for c in columns:
                if c["python_lines"] < 2 or c["rust_lines"] < 2:
                    problems.append(f"a code column is missing or empty: {c}")
                if c["layout"] != expected_layout[width]:
                    problems.append(f"at {width} px the columns are {c['layout']}")
        if width == WIDE:
            problems += [f"broken link: {l}" for l in report["links"] if not link_ok(book, base, l)]
    shot = out / (page.replace("/", "--").replace(".html", ".png"))
    browse(browser, url, WIDE, [f"--screenshot={shot}"])
    if not shot.is_file():
        problems.append("no screenshot")
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
        page.write_text(text, encoding="utf-8")
        base = serve(broken)
        found = "\n".join(check_page(browser, base, broken, Path(tmp), "threads/simple-thread.html",
                                      {"simple-thread"}))
    expected = ["noSuchFunction", "unresolved directive: {{#include no-such.rs}}",
                "image not loaded", "a code column is missing", "broken link: " + base + "threads/no-such.html",
                "no-such-anchor"]
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
