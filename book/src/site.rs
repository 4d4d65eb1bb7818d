//! Writes the book into a folder: `index.html`, one page per section, the stylesheet, and the
//! figures copied in, so that the folder is complete on its own.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::{Book, Figure, FigureSource, Item, Role};
use crate::render::{self, FIGURES, Links, STYLESHEET};

/// The stylesheet: the page's own rules, then the highlighting themes.
pub fn stylesheet() -> String {
    format!(
        "{}\n{}",
        include_str!("book.css"),
        crate::highlight::stylesheet()
    )
}

/// Writes `book` into `out` (created if missing; files of an earlier build are replaced) and
/// returns the pages written, `index.html` first.
pub fn write(book: &Book, out: &Path, links: &Links) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(out.join(FIGURES))
        .map_err(|e| with_path(e, "cannot create", &out.join(FIGURES)))?;
    let mut written = Vec::new();
    let index = out.join("index.html");
    write_file(&index, &render::index(book, links))?;
    written.push(index);
    for (at, page) in book.pages.iter().enumerate() {
        let path = out.join(render::page_file(page));
        write_file(&path, &render::page(book, at, links))?;
        written.push(path);
    }
    write_file(&out.join(STYLESHEET), &stylesheet())?;
    let mut copied = BTreeSet::new();
    for figure in figures(book) {
        if let FigureSource::File(source) = &figure.source {
            let name = render::figure_file(source);
            if copied.insert(name.clone()) {
                let target = out.join(FIGURES).join(&name);
                fs::copy(source, &target).map_err(|e| with_path(e, "cannot copy", source))?;
            }
        }
    }
    Ok(written)
}

/// Every figure of the book: the sections' and the programs' timelines.
pub fn figures(book: &Book) -> Vec<&Figure> {
    let mut all = Vec::new();
    for page in &book.pages {
        for item in &page.items {
            match item {
                Item::Figure(figure) => all.push(figure),
                Item::Block(block) => {
                    if let Role::Programs { programs, .. } = &block.role {
                        all.extend(programs.iter().filter_map(|p| p.timeline.as_ref()));
                    }
                }
                Item::Passage { programs, .. } => {
                    all.extend(programs.iter().filter_map(|p| p.timeline.as_ref()));
                }
                Item::Prose(_) => {}
            }
        }
    }
    all
}

fn write_file(path: &Path, text: &str) -> io::Result<()> {
    fs::write(path, text).map_err(|e| with_path(e, "cannot write", path))
}

fn with_path(error: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{what} {}: {error}", path.display()))
}
