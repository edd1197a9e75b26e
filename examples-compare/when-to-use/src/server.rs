//! The "web" of the web-scraping row: an HTTP server on 127.0.0.1 that answers each request after
//! a delay, as a slow site does, run in a child process the program starts and stops itself.
//!
//! HTTP/1.0 with one request per connection is a few lines each way, and the row is about the
//! waiting, not about HTTP; a real scraper would use a client crate (`ureq`, `reqwest`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use common::process::{self, Child};

/// The running server. Dropping it kills and reaps the server process.
pub struct Server {
    port: u16,
    process: Child,
}

impl Server {
    /// Binds a free port on 127.0.0.1 and forks the server onto it (call it before any thread).
    pub fn start(delay: Duration) -> Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1")?;
        // std listens with a backlog of 128; thousands of clients connecting at once would
        // overflow it and wait for the kernel to resend their SYN a second later. Listening
        // again only raises the limit (the kernel caps it at `net.core.somaxconn`).
        nix::sys::socket::listen(&listener, nix::sys::socket::Backlog::MAXALLOWABLE)
            .context("raising the listen backlog")?;
        let port = listener.local_addr()?.port();
        // The child owns the listening socket; the parent's copy closes with the closure.
        let parent = std::process::id();
        let child = process::fork(move || {
            if process::die_with_parent(parent)? {
                serve(listener, delay)?; // (Killed with the parent, if not dropped before.)
            }
            Ok(())
        })?;
        Ok(Server {
            port,
            process: child,
        })
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its process id (for the load window, which counts its CPU time as the run's own).
    pub fn pid(&self) -> i32 {
        self.process.pid().as_raw()
    }
}

/// A thread per connection: each waits `delay`, then sends the page asked for. (Small stacks:
/// the many-connections row has thousands of connections open at once.)
fn serve(listener: TcpListener, delay: Duration) -> Result<()> {
    for stream in listener.incoming() {
        let stream = stream.context("accepting a connection")?;
        thread::Builder::new()
            .stack_size(64 << 10)
            .spawn(move || answer(stream, delay))
            .context("starting a thread for a connection")?;
    }
    Ok(())
}

fn answer(stream: TcpStream, delay: Duration) -> Result<()> {
    let mut reader = BufReader::new(&stream);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear(); // Up to the empty line that ends the request.
    }
    let page: u64 = request
        .strip_prefix("GET /page/")
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .context("not a page request")?;
    thread::sleep(delay);
    let body = page_body(page);
    let head = format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
    (&stream).write_all(head.as_bytes())?;
    (&stream).write_all(&body)?;
    Ok(())
}

/// Page `n`: 4 KiB of text that differs from page to page.
fn page_body(n: u64) -> Vec<u8> {
    format!("<p>page {n}</p>\n").repeat(4096 / 16).into_bytes()
}

/// The request for page `n`.
pub fn request(n: u64) -> String {
    format!("GET /page/{n} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
}

/// Downloads page `n` and returns the sum of its bytes (what a scraper would parse).
pub fn fetch((port, n): (u16, u64)) -> Result<u64> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).context("connecting")?;
    stream.write_all(request(n).as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    page_sum(n, &response)
}

/// The sum of the bytes of page `n`'s body in `response`, once it is checked to be one.
pub fn page_sum(n: u64, response: &[u8]) -> Result<u64> {
    let start = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    ensure!(
        response.starts_with(b"HTTP/1.0 200"),
        "page {n}: not 200 OK"
    );
    Ok(response[start + 4..].iter().map(|&b| u64::from(b)).sum())
}
