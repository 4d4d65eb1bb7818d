//! The book in a real browser: headless Chromium opens every page at two widths and reports what
//! it laid out.
//!
//! A copy of every page is written beside it with a script of this module at the top of its
//! `<head>`, which records every error from then on (a script error, a `console.error`, a
//! stylesheet or image that fails to load). For each width, one harness page holds every copy in
//! an `<iframe>` that wide — media queries answer to the frame's width — and, once all of them
//! have loaded, measures each pair's two columns and each code block in each frame and writes a
//! report into itself. Chromium's `--dump-dom` prints the harness as it then stands; the report
//! is read back from it. One Chromium run per width: a run per page took minutes on a busy
//! machine. The pages themselves carry no script.
//!
//! What passes: no error; at 1400 px the left and right columns of every pair side by side
//! without overlapping; at 800 px stacked, the right below the left; no code block wider than
//! its column, and no page wider than the window.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The widths every page is checked at: two columns at the first, stacked at the second.
pub const WIDE: u32 = 1400;
/// See [`WIDE`].
pub const NARROW: u32 = 800;

/// What to install when Chromium is missing, in one line.
pub const INSTALL: &str = "apt-get install -y chromium fonts-noto-cjk";

/// How long one Chromium run may take: every page at one width, or one screenshot. A few
/// seconds on an idle machine; minutes only on a very busy one.
const PAGE_TIMEOUT: Duration = Duration::from_secs(300);

/// The Chromium executable on the PATH, if any.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// One page at one width, as Chromium laid it out.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The page's file name.
    pub page: String,
    /// The window's width.
    pub width: u32,
    /// Errors the page met while loading.
    pub errors: Vec<String>,
    /// Each pair's two columns, as (left, top, right, bottom) in CSS pixels.
    pub pairs: Vec<(Rect, Rect)>,
    /// Code blocks wider than the column that holds them.
    pub overflowing_code: usize,
    /// Is the page wider than the window (a horizontal scrollbar)?
    pub page_overflows: bool,
}

/// A box on the page: left, top, right, bottom.
pub type Rect = (i64, i64, i64, i64);

impl Layout {
    /// What is wrong with this layout, one sentence each; empty when it passes.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{} at {} px: {e}", self.page, self.width))
            .collect();
        for (i, (left, right)) in self.pairs.iter().enumerate() {
            let n = i + 1;
            let side_by_side = left.2 <= right.0 && left.0 < left.2 && right.0 < right.2;
            let stacked = right.1 >= left.3;
            if self.width >= WIDE && !side_by_side {
                problems.push(format!(
                    "{}: pair {n} at {} px is not side by side (left {left:?}, right {right:?})",
                    self.page, self.width
                ));
            }
            if self.width <= NARROW && !stacked {
                problems.push(format!(
                    "{}: pair {n} at {} px is not stacked (left {left:?}, right {right:?})",
                    self.page, self.width
                ));
            }
        }
        if self.overflowing_code > 0 {
            problems.push(format!(
                "{} at {} px: {} code blocks are wider than their column",
                self.page, self.width, self.overflowing_code
            ));
        }
        if self.page_overflows {
            problems.push(format!(
                "{} at {} px: the page is wider than the window",
                self.page, self.width
            ));
        }
        problems
    }
}

/// The recorder, first in `<head>`: every error from then on.
const RECORD_ERRORS: &str = r#"<script>
window.__bookErrors = [];
addEventListener("error", function (e) {
  var t = e.target;
  __bookErrors.push(t && t !== window ? "cannot load " + (t.src || t.href || t.tagName) : String(e.message));
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    __bookErrors.push(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
</script>
"#;

/// The harness's measurer, on `load` (every frame has loaded by then): a plain-text report in
/// `<pre id="book-layout">`, a `page NAME` line opening each frame's part.
const MEASURE: &str = r#"<script>
addEventListener("load", function () {
  var lines = [];
  document.querySelectorAll("iframe").forEach(function (frame) {
    lines.push("page " + frame.getAttribute("data-page"));
    var win = frame.contentWindow, doc = frame.contentDocument;
    if (!doc || !win) { lines.push("error the page could not be opened"); return; }
    function box(e) {
      if (!e) return "0 0 0 0";
      var r = e.getBoundingClientRect();
      return [r.left, r.top, r.right, r.bottom].map(Math.round).join(" ");
    }
    lines.push("width " + win.innerWidth);
    (win.__bookErrors || ["the error recorder did not run"]).forEach(function (e) {
      lines.push("error " + String(e).replace(/\s+/g, " "));
    });
    doc.querySelectorAll(".pair").forEach(function (p) {
      lines.push("pair " + box(p.querySelector(":scope > .notes")) + " " + box(p.querySelector(":scope > .rust")));
    });
    var wide = 0;
    doc.querySelectorAll("pre").forEach(function (pre) {
      var column = pre.parentElement.closest(".notes, .rust, .output, main");
      if (column && pre.getBoundingClientRect().right > column.getBoundingClientRect().right + 1) wide++;
    });
    lines.push("overflowing-code " + wide);
    lines.push("page-overflows " + (doc.documentElement.scrollWidth > win.innerWidth + 1 ? 1 : 0));
  });
  var report = document.createElement("pre");
  report.id = "book-layout";
  report.textContent = "\n" + lines.join("\n") + "\n";
  document.body.appendChild(report);
});
</script>
"#;

/// The prefix of the instrumented copies and the harnesses, removed after the check.
const CHECK_PREFIX: &str = ".check-";

/// Checks every page of the book in `out` at both widths with `chromium`.
pub fn check(chromium: &Path, out: &Path) -> Result<Vec<Layout>, String> {
    let mut pages: Vec<String> = std::fs::read_dir(out)
        .map_err(|e| format!("cannot read {}: {e}", out.display()))?
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".html") && !name.starts_with(CHECK_PREFIX))
        .collect();
    pages.sort();
    let mut written = Vec::new();
    let result = (|| -> Result<Vec<Layout>, String> {
        for page in &pages {
            let html = std::fs::read_to_string(out.join(page))
                .map_err(|e| format!("cannot read {page}: {e}"))?;
            let copy = out.join(format!("{CHECK_PREFIX}{page}"));
            written.push(copy.clone());
            std::fs::write(
                &copy,
                html.replacen("<head>", &format!("<head>\n{RECORD_ERRORS}"), 1),
            )
            .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
        }
        let mut layouts = Vec::new();
        for width in [WIDE, NARROW] {
            let harness = out.join(format!("{CHECK_PREFIX}{width}.html"));
            written.push(harness.clone());
            std::fs::write(&harness, harness_page(&pages, width))
                .map_err(|e| format!("cannot write {}: {e}", harness.display()))?;
            let dom = run_chromium(
                chromium,
                &[
                    "--allow-file-access-from-files".to_string(),
                    "--dump-dom".to_string(),
                    format!("--window-size={},1000", width + 40),
                    file_url(&harness)?,
                ],
            )?;
            layouts.extend(parse_report(width, &dom)?);
        }
        Ok(layouts)
    })();
    for file in written {
        let _ = std::fs::remove_file(file);
    }
    let mut layouts = result?;
    let missing: Vec<&String> = pages
        .iter()
        .filter(|page| layouts.iter().filter(|l| &&l.page == page).count() < 2)
        .collect();
    if !missing.is_empty() {
        return Err(format!("Chromium reported nothing for {missing:?}"));
    }
    layouts.sort_by(|a, b| (&a.page, a.width).cmp(&(&b.page, b.width)));
    Ok(layouts)
}

/// A page holding every page's instrumented copy in a frame `width` pixels wide.
fn harness_page(pages: &[String], width: u32) -> String {
    let frames: String = pages
        .iter()
        .map(|page| {
            format!(
                "<iframe data-page=\"{page}\" src=\"{CHECK_PREFIX}{page}\" width=\"{width}\" height=\"1000\" scrolling=\"no\"></iframe>\n"
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>iframe {{ display: block; border: 0; }}</style></head>\n<body>\n{frames}{MEASURE}</body></html>\n"
    )
}

/// Takes a screenshot of `page` at `width` into `shot` (PNG).
pub fn screenshot(
    chromium: &Path,
    page: &Path,
    width: u32,
    height: u32,
    shot: &Path,
) -> Result<(), String> {
    if let Some(dir) = shot.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    run_chromium(
        chromium,
        &[
            "--hide-scrollbars".to_string(),
            format!("--screenshot={}", shot.display()),
            format!("--window-size={width},{height}"),
            file_url(page)?,
        ],
    )?;
    if shot.is_file() {
        Ok(())
    } else {
        Err(format!(
            "Chromium wrote no screenshot to {}",
            shot.display()
        ))
    }
}

fn file_url(path: &Path) -> Result<String, String> {
    let absolute =
        std::fs::canonicalize(path).map_err(|e| format!("cannot find {}: {e}", path.display()))?;
    let mut url = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(char::from(byte));
            }
            other => {
                let _ = write!(url, "%{other:02X}");
            }
        }
    }
    Ok(url)
}

/// Runs headless Chromium with `args`; its stdout, or why it failed.
fn run_chromium(chromium: &Path, args: &[String]) -> Result<String, String> {
    // A profile of its own for each run, so that two runs at once do not share one.
    let profile = tempfile_dir()?;
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or("Chromium's stdout is not piped")?;
    let reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let until = Instant::now() + PAGE_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("Chromium took more than {PAGE_TIMEOUT:?}"));
            }
            Err(e) => break Err(format!("cannot wait for Chromium: {e}")),
        }
    };
    let text = reader.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&profile);
    let status = status?;
    if status.success() {
        Ok(text)
    } else {
        Err(format!("Chromium ended with {status}"))
    }
}

/// A fresh directory under the temporary directory.
fn tempfile_dir() -> Result<PathBuf, String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "book-chromium-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Reads the report out of the dumped harness: one [`Layout`] per frame.
fn parse_report(width: u32, dom: &str) -> Result<Vec<Layout>, String> {
    let start = dom
        .find("<pre id=\"book-layout\">")
        .ok_or_else(|| format!("at {width} px the pages never finished loading"))?;
    let report = &dom[start..];
    let report = &report[..report.find("</pre>").unwrap_or(report.len())];
    let mut layouts: Vec<Layout> = Vec::new();
    for line in report.lines() {
        let line = unescape(line);
        let (key, rest) = line.split_once(' ').unwrap_or((&line, ""));
        if key == "page" {
            layouts.push(Layout {
                page: rest.to_string(),
                width,
                ..Layout::default()
            });
            continue;
        }
        let Some(layout) = layouts.last_mut() else {
            continue;
        };
        match key {
            "error" => layout.errors.push(rest.to_string()),
            "pair" => {
                let n: Vec<i64> = rest.split(' ').filter_map(|v| v.parse().ok()).collect();
                if let [a, b, c, d, e, f, g, h] = n[..] {
                    layout.pairs.push(((a, b, c, d), (e, f, g, h)));
                }
            }
            "overflowing-code" => layout.overflowing_code = rest.trim().parse().unwrap_or(0),
            "page-overflows" => layout.page_overflows = rest.trim() == "1",
            _ => {}
        }
    }
    Ok(layouts)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_read_back_and_judged() {
        let dom = "<html><body><pre id=\"book-layout\">\npage s05.html\nwidth 1400\nerror cannot load file:///x/a&amp;b.png\npair 10 0 500 300 520 0 1000 400\noverflowing-code 0\npage-overflows 0\npage s06.html\nwidth 1400\n</pre></body></html>";
        let layouts = parse_report(WIDE, dom).expect("a report");
        assert_eq!(layouts.len(), 2);
        assert!(layouts[1].problems().is_empty());
        let layout = &layouts[0];
        assert_eq!(layout.page, "s05.html");
        assert_eq!(layout.errors, vec!["cannot load file:///x/a&b.png"]);
        assert_eq!(layout.pairs, vec![((10, 0, 500, 300), (520, 0, 1000, 400))]);
        let problems = layout.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");

        let stacked = Layout {
            page: "s05.html".into(),
            width: NARROW,
            pairs: vec![((0, 0, 700, 300), (0, 310, 700, 600))],
            ..Layout::default()
        };
        assert!(stacked.problems().is_empty());
        let overlapping = Layout {
            pairs: vec![((0, 0, 700, 300), (600, 0, 1000, 600))],
            ..stacked.clone()
        };
        assert_eq!(overlapping.problems().len(), 1);
        let wide_overlapping = Layout {
            width: WIDE,
            ..overlapping
        };
        assert_eq!(wide_overlapping.problems().len(), 1);
    }

    #[test]
    fn a_page_that_never_loaded_is_an_error() {
        assert!(parse_report(WIDE, "<html></html>").is_err());
    }
}
