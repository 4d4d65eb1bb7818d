//! What a question produces: a table (markdown), a chart, and one sentence of what it says.

use std::fmt::Write as _;
use std::path::Path;

use crate::chart::Chart;
use crate::measure::Result;

/// One question's results.
#[derive(Debug)]
pub struct Section {
    /// File stem: `q1-start-cost`.
    pub id: &'static str,
    /// `1. Cost to start and join one unit of concurrency`.
    pub title: &'static str,
    /// What the notes claim.
    pub claim: &'static str,
    pub table: Table,
    /// One line under the table on its Python column: where the figures come from and how to
    /// read the ratio, or why there are none ([`crate::python::Python::footnote`]).
    pub python: String,
    pub chart: Chart,
    /// What the numbers say, in a sentence or two, computed from them.
    pub verdict: String,
}

/// A table of text cells.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn markdown(&self) -> String {
        let mut text = format!("| {} |\n", self.headers.join(" | "));
        let _ = writeln!(text, "|{}", "---|".repeat(self.headers.len()));
        for row in &self.rows {
            let _ = writeln!(text, "| {} |", row.join(" | "));
        }
        text
    }
}

impl Section {
    /// The section as markdown: title, claim, table, its Python line, verdict, chart link.
    pub fn markdown(&self) -> String {
        format!(
            "## {}\n\n*The notes:* {}\n\n{}\n{}\n\n**What it says:** {}\n\n![{}]({}.svg)\n",
            self.title,
            self.claim,
            self.table.markdown(),
            self.python,
            self.verdict,
            self.title,
            self.id
        )
    }

    /// Writes `<id>.md` and `<id>.svg` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::write(dir.join(format!("{}.md", self.id)), self.markdown())?;
        self.chart
            .write_svg(&dir.join(format!("{}.svg", self.id)), self.title)?;
        Ok(())
    }
}

/// `1234.5` → `1235`, `12.345` → `12.3`, `0.01234` → `0.0123`: three significant digits or so.
pub fn num(value: f64) -> String {
    let magnitude = value.abs();
    if !value.is_finite() {
        "—".to_string()
    } else if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// `12_345_678.0` → `12.3 M`.
pub fn rate(per_second: f64) -> String {
    if per_second >= 1e9 {
        format!("{} G", num(per_second / 1e9))
    } else if per_second >= 1e6 {
        format!("{} M", num(per_second / 1e6))
    } else if per_second >= 1e3 {
        format!("{} k", num(per_second / 1e3))
    } else {
        num(per_second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_about_three_digits() {
        assert_eq!(num(1234.5), "1234");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(1.2345), "1.23");
        assert_eq!(num(0.012345), "0.012");
        assert_eq!(rate(12_345_678.0), "12.3 M");
        assert_eq!(rate(950.0), "950");
    }

    #[test]
    fn a_table_is_markdown() {
        let mut table = Table::new(&["a", "b"]);
        table.row(vec!["1".into(), "2".into()]);
        assert_eq!(table.markdown(), "| a | b |\n|---|---|\n| 1 | 2 |\n");
    }
}
