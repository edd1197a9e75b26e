// The book's self-check, for `make book-test` (book/test/book_test.py) only: it does nothing
// unless the page's address ends in `?book-test`. Then, once the page has loaded, it writes what a
// reader would see wrong into a <pre id="book-test-report"> that the test reads from the DOM:
// unresolved includes, images that did not load, the side-by-side code columns and how they are
// laid out at this window's width, where the first pair starts and what its columns show,
// navigation drawn over code, code lines cut off at a block's edge, and every link, for the test
// to resolve.
(function () {
    "use strict";
    if (!/[?&]book-test\b/.test(window.location.search)) {
        return;
    }
    var errors = [];
    window.addEventListener("error", function (e) {
        errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || e));
    }, true);
    var consoleError = console.error;
    console.error = function () {
        errors.push(Array.prototype.join.call(arguments, " "));
        consoleError.apply(console, arguments);
    };
    window.addEventListener("load", function () {
        var main = document.querySelector("main") || document.body;
        var text = main.innerText;
        var unresolved = (text.match(/\{\{#[a-z]+[^}]*\}\}/g) || []);
        var images = Array.prototype.map.call(document.images, function (img) {
            return { src: img.currentSrc || img.src, loaded: img.complete && img.naturalWidth > 0 };
        });
        var columns = Array.prototype.map.call(document.querySelectorAll(".side-by-side"), function (pair) {
            var python = pair.querySelector(".python-column");
            var rust = pair.querySelector(".rust-column");
            var code = function (col) {
                var c = col && col.querySelector("pre code");
                return c ? c.textContent.split("\n").length : 0;
            };
            var layout = "missing";
            if (python && rust) {
                var a = python.getBoundingClientRect(), b = rust.getBoundingClientRect();
                if (b.left > a.right - 1 && Math.abs(a.top - b.top) < 5) {
                    layout = "side by side";
                } else if (b.top >= a.bottom - 1) {
                    layout = "stacked";
                } else {
                    layout = "overlapping";
                }
            }
            return { python_lines: code(python), rust_lines: code(rust), layout: layout };
        });
        // What a reader sees first: the first pair of columns, where it starts, and the text of
        // every pair's columns as shown (mdBook's hidden lines are not in innerText).
        var pairs = document.querySelectorAll(".side-by-side");
        var first = pairs[0];
        var lesson = first ? {
            is_lesson: first.classList.contains("lesson"),
            top: first.getBoundingClientRect().top + window.scrollY,
            viewport: window.innerHeight
        } : null;
        var shown = Array.prototype.map.call(pairs, function (pair) {
            return pair.innerText;
        });
        // Navigation drawn on top of code: any visible nav element whose box meets a code block's.
        var visible = function (el) {
            var r = el.getBoundingClientRect();
            // Inside a closed <details> an element keeps a box but is not drawn.
            var drawn = el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) : true;
            return drawn && r.width > 0 && r.height > 0 && !el.closest("details:not([open])");
        };
        var meets = function (a, b) {
            return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        };
        var blocks = Array.prototype.filter.call(main.querySelectorAll("pre"), visible);
        var overlaps = [];
        Array.prototype.forEach.call(document.querySelectorAll(".nav-chapters, .mobile-nav-chapters"), function (nav) {
            if (!visible(nav)) {
                return;
            }
            var n = nav.getBoundingClientRect();
            blocks.forEach(function (pre) {
                var p = pre.getBoundingClientRect();
                var pos = getComputedStyle(nav).position;
                // A fixed element is drawn at the same place on every scroll position.
                var fixed = pos === "fixed" || pos === "sticky";
                var hit = fixed
                    ? (n.left < p.right && p.left < n.right)
                    : meets(n, p);
                if (hit) {
                    overlaps.push((nav.className || nav.tagName) + " over " + pre.textContent.slice(0, 40));
                }
            });
        });
        // A code line cut off at its block's edge.
        var clipped = [];
        blocks.forEach(function (pre) {
            [pre, pre.querySelector("code")].forEach(function (el) {
                if (el && el.scrollWidth > el.clientWidth + 1) {
                    var longest = el.textContent.split("\n").sort(function (a, b) { return b.length - a.length; })[0];
                    clipped.push(longest.slice(0, 60));
                }
            });
        });
        var links = Array.prototype.map.call(main.querySelectorAll("a[href]"), function (a) {
            return a.href;
        });
        var report = document.createElement("pre");
        report.id = "book-test-report";
        report.textContent = JSON.stringify({
            title: document.title,
            width: window.innerWidth,
            unresolved: unresolved,
            images: images,
            columns: columns,
            links: links,
            lesson: lesson,
            shown: shown,
            overlaps: overlaps,
            clipped: clipped,
            errors: errors
        });
        document.body.appendChild(report);
    });
})();
