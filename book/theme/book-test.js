// The book's self-check, for `make book-test` (book/test/book_test.py) only: it does nothing
// unless the page's address ends in `?book-test`. Then, once the page has loaded, it writes what a
// reader would see wrong into a <pre id="book-test-report"> that the test reads from the DOM:
// unresolved includes, images that did not load, the side-by-side code columns and how they are
// laid out at this window's width, and every link, for the test to resolve.
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
            errors: errors
        });
        document.body.appendChild(report);
    });
})();
