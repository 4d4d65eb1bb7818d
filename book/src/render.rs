//! The pages as HTML: a side navigation, then for each code block the notes on the left and the
//! Rust on the right, the two outputs beneath.
//!
//! Every page is complete in itself but for one stylesheet, `book.css`, beside it; figures are
//! under `figures/`. No script is needed to read a page, and nothing loads from elsewhere.

use std::fmt::Write as _;
use std::path::Path;

use crate::markdown;
use crate::model::{
    Block, Book, Figure, FigureSource, Item, Line, Mark, NotesSource, Outputs, Page, Program, Role,
    RunOutput,
};

/// The stylesheet's file name, beside the pages.
pub const STYLESHEET: &str = "book.css";
/// The folder of the figures, beside the pages.
pub const FIGURES: &str = "figures";

/// Where rendered links lead.
#[derive(Debug, Clone)]
pub struct Links {
    /// The repository's root, relative to the folder of the pages (`../../` for
    /// `target/book/`): links to the programs' files start with it. `None`: no links, the
    /// paths are shown as text.
    pub repository: Option<String>,
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The file name of a page.
pub fn page_file(page: &Page) -> String {
    format!("{}.html", page.slug)
}

/// The name a figure's file gets in the book: its folder's name and its own, so that the
/// bench's `q5-locks.svg` and a timeline's `s05-lock.svg` cannot collide.
pub fn figure_file(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .map(|f| f.to_string_lossy().into_owned());
    match (folder, file) {
        (Some(folder), Some(file)) => format!("{folder}-{file}"),
        (None, Some(file)) => file,
        _ => "figure.svg".to_string(),
    }
}

/// The introduction page, `index.html`.
pub fn index(book: &Book, links: &Links) -> String {
    let mut main = String::new();
    let _ = writeln!(main, "<h1>{}</h1>", escape(&book.title));
    main.push_str(&notes_banner(book));
    main.push_str(
        "<p>Each page is one section of the notes. For every code block of the section, the \
         notes' prose and snippet stand on the left and the Rust program that mirrors it on the \
         right; beneath them, what each printed when this book was made — the Python's lines \
         marked <span class=\"mark-sample m-matched\">found</span> or \
         <span class=\"mark-sample m-missing\">missing</span> in the Rust output, or \
         <span class=\"mark-sample m-declared\">declared</span> as a difference on purpose, \
         and the Rust's own extra lines <span class=\"mark-sample m-extra\">marked</span> as \
         the program explaining itself.</p>\n",
    );
    if !book.made_with.is_empty() {
        main.push_str("<ul class=\"made-with\">\n");
        for sentence in &book.made_with {
            let _ = writeln!(main, "<li>{}</li>", escape(sentence));
        }
        main.push_str("</ul>\n");
    }
    main.push_str("<table class=\"contents\">\n<thead><tr><th>Section</th><th>Programs</th></tr></thead>\n<tbody>\n");
    for page in &book.pages {
        let programs: Vec<String> = programs_of(page)
            .map(|p| format!("<code>{}</code>", escape(&p.name)))
            .collect();
        let _ = writeln!(
            main,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
            escape(&page_file(page)),
            escape(&page.heading()),
            programs.join(" ")
        );
    }
    main.push_str("</tbody>\n</table>\n");
    let _ = links;
    document(book, None, &book.title, &main)
}

/// The page of `book.pages[at]`.
pub fn page(book: &Book, at: usize, links: &Links) -> String {
    let Some(page) = book.pages.get(at) else {
        return String::new();
    };
    let mut main = String::new();
    let _ = writeln!(main, "<h1>{}</h1>", escape(&page.heading()));
    main.push_str(&notes_banner(book));
    for item in &page.items {
        match item {
            Item::Prose(prose) => {
                let _ = writeln!(
                    main,
                    "<div class=\"notes prose-only\">{}</div>",
                    markdown::to_html(prose)
                );
            }
            Item::Block(block) => main.push_str(&block_html(page, block, links)),
            Item::Passage { prose, programs } => {
                main.push_str(&passage_html(prose, programs, links));
            }
            Item::Figure(figure) => main.push_str(&figure_html(figure)),
        }
    }
    main.push_str(&prev_next(book, at));
    document(book, Some(at), &page.heading(), &main)
}

/// The programs shown on a page, in order.
pub fn programs_of(page: &Page) -> impl Iterator<Item = &Program> {
    page.items
        .iter()
        .flat_map(|item| -> Box<dyn Iterator<Item = &Program>> {
            match item {
                Item::Block(Block {
                    role: Role::Programs { programs, .. },
                    ..
                })
                | Item::Passage { programs, .. } => Box::new(programs.iter()),
                _ => Box::new(std::iter::empty()),
            }
        })
}

fn notes_banner(book: &Book) -> String {
    match &book.notes {
        NotesSource::Found(_) => String::new(),
        NotesSource::Missing { hint } => format!(
            "<p class=\"banner\">The notes were not found, so this page shows the Rust side \
             only. {}</p>\n",
            escape(hint)
        ),
    }
}

/// A code block of the notes and its programs: the two columns, then the outputs.
fn block_html(page: &Page, block: &Block, links: &Links) -> String {
    let id = format!("block-{}", block.ordinal);
    let mut html = String::new();
    let _ = writeln!(html, "<section class=\"block\" id=\"{id}\">");
    let notes = format!(
        "{}<div class=\"snippet-label\">§{} · code block {}</div>\n{}",
        markdown::to_html(&block.prose),
        escape(&page.number),
        block.ordinal,
        snippet_html(block)
    );
    match &block.role {
        Role::NotAProgram { reason } => {
            let right = format!(
                "<p class=\"not-a-program\"><strong>Not a program.</strong> {}</p>\n",
                escape(reason)
            );
            html.push_str(&pair(&notes, &right));
        }
        Role::Programs { programs, outputs } => {
            let (first, rest) = match programs.split_first() {
                Some((first, rest)) => (Some(first), rest),
                None => (None, &[][..]),
            };
            let right = first.map(|p| program_html(p, links)).unwrap_or_default();
            html.push_str(&pair(&notes, &right));
            html.push_str(&outputs_html(outputs));
            for extension in rest {
                html.push_str(&extension_html(extension, links));
            }
        }
    }
    html.push_str("</section>\n");
    html
}

/// The snippet as the notes have it.
fn snippet_html(block: &Block) -> String {
    let lang = block.lang.as_deref().filter(|l| *l != "text");
    format!(
        "<pre class=\"snippet\"><code>{}</code></pre>\n",
        crate::highlight::to_html(&block.code, lang)
    )
}

/// The two columns: the notes on the left, the Rust on the right.
fn pair(notes: &str, rust: &str) -> String {
    format!(
        "<div class=\"pair\">\n<div class=\"notes\">\n{notes}</div>\n<div class=\"rust\">\n{rust}</div>\n</div>\n"
    )
}

/// A program: its name and file, its header as prose, its body highlighted, how to run it.
fn program_html(program: &Program, links: &Links) -> String {
    let mut html = String::new();
    let file = match &links.repository {
        Some(root) => format!(
            "<a class=\"file\" href=\"{}{}\">{}</a>",
            escape(root),
            escape(&program.path),
            escape(&program.path)
        ),
        None => format!("<span class=\"file\">{}</span>", escape(&program.path)),
    };
    let _ = writeln!(
        html,
        "<div class=\"program\" id=\"{}\">\n<h2 class=\"program-name\"><code>{}</code></h2>\n<p class=\"file-line\">{file}</p>",
        escape(&program.name),
        escape(&program.name)
    );
    if let Some(extended) = &program.extends {
        let _ = writeln!(
            html,
            "<p class=\"extension\">An extension of <code>{}</code>: it shows more than the \
             snippet does.</p>",
            escape(extended)
        );
    }
    // The header's first paragraph says what the program is; then the code, level with the
    // snippet on the left; then the rest of the header, and how to run it.
    let (summary, rest) = split_first_paragraph(&program.header);
    let _ = writeln!(
        html,
        "<div class=\"header\">{}</div>",
        markdown::to_html(summary)
    );
    let _ = writeln!(
        html,
        "<pre class=\"source\"><code>{}</code></pre>",
        crate::highlight::to_html(&program.body, Some("rust"))
    );
    if !rest.trim().is_empty() {
        let _ = writeln!(
            html,
            "<div class=\"header about\">{}</div>",
            markdown::to_html(rest)
        );
    }
    if !program.commands.is_empty() {
        html.push_str("<div class=\"commands\">Run it:");
        for command in &program.commands {
            let _ = write!(html, "<pre><code>{}</code></pre>", escape(command));
        }
        html.push_str("</div>\n");
    }
    if let Some(timeline) = &program.timeline {
        html.push_str(&figure_html(timeline));
    }
    html.push_str("</div>\n");
    html
}

/// Markdown's first paragraph (up to the first blank line) and the rest.
fn split_first_paragraph(markdown: &str) -> (&str, &str) {
    let text = markdown.trim_start_matches('\n');
    match text.find("\n\n") {
        Some(end) => (&text[..end], &text[end + 2..]),
        None => (text, ""),
    }
}

/// An extension beneath its snippet's pair: the program on the right, its output beneath.
fn extension_html(program: &Program, links: &Links) -> String {
    let left = format!(
        "<p class=\"extension-note\">The notes have no snippet for this: <code>{}</code> \
         extends the program above to show what the snippet only implies.</p>\n",
        escape(&program.name)
    );
    let mut html = pair(&left, &program_html(program, links));
    if let Some(output) = &program.output {
        html.push_str(&single_output_html("The program", output));
    }
    html
}

/// Programs of a passage the notes describe without code: the prose left, the Rust right.
fn passage_html(prose: &str, programs: &[Program], links: &Links) -> String {
    let mut html = String::from("<section class=\"passage\">\n");
    let left = if prose.trim().is_empty() {
        "<p class=\"extension-note\">The notes describe this in prose only; there is no code \
         block to set beside it.</p>\n"
            .to_string()
    } else {
        markdown::to_html(prose)
    };
    for (i, program) in programs.iter().enumerate() {
        let notes = if i == 0 { left.as_str() } else { "" };
        html.push_str(&pair(notes, &program_html(program, links)));
        if let Some(output) = &program.output {
            html.push_str(&single_output_html("The program", output));
        }
    }
    html.push_str("</section>\n");
    html
}

/// The two outputs of a block.
fn outputs_html(outputs: &Outputs) -> String {
    match outputs {
        Outputs::Compared {
            python_command,
            python,
            rust,
            verdict,
            passed,
        } => {
            let mut html = String::from("<div class=\"outputs\">\n");
            html.push_str(&output_column(
                "python",
                &format!(
                    "The snippet printed (python3, run by <code>{}</code>)",
                    escape(python_command)
                ),
                python,
            ));
            html.push_str(&output_column("rust", "The program printed", rust));
            html.push_str("</div>\n");
            let _ = writeln!(
                html,
                "<p class=\"verdict {}\">{}</p>",
                if *passed { "pass" } else { "fail" },
                escape(verdict)
            );
            html
        }
        Outputs::RustOnly { reason, rust } => {
            let mut html = format!(
                "<p class=\"rust-only\">The snippet was not run: {}</p>\n",
                escape(reason)
            );
            html.push_str(&single_output_html("The program", rust));
            html
        }
        Outputs::NotRun { reason } => {
            format!(
                "<p class=\"rust-only\">Nothing was run: {}</p>\n",
                escape(reason)
            )
        }
    }
}

fn single_output_html(who: &str, output: &RunOutput) -> String {
    format!(
        "<div class=\"outputs single\">\n{}</div>\n",
        output_column("rust", &format!("{who} printed"), output)
    )
}

/// One side's output, each line with its mark.
fn output_column(side: &str, caption: &str, output: &RunOutput) -> String {
    let mut html = format!(
        "<figure class=\"output {side}\">\n<figcaption>{caption}</figcaption>\n<pre class=\"lines\">"
    );
    for line in &output.lines {
        html.push_str(&line_html(line));
    }
    if output.lines.is_empty() {
        html.push_str("<span class=\"ln m-plain\">(nothing)</span>");
    }
    html.push_str("</pre>\n");
    if let Some(failure) = &output.failure {
        let _ = writeln!(html, "<p class=\"failure\">{}</p>", escape(failure));
    }
    html.push_str("</figure>\n");
    html
}

fn line_html(line: &Line) -> String {
    let (class, title) = match &line.mark {
        Mark::Plain => ("m-plain", None),
        Mark::Matched => ("m-matched", Some("found on the other side".to_string())),
        Mark::Declared(reason) => (
            "m-declared",
            Some(format!("a declared difference: {reason}")),
        ),
        Mark::Missing => (
            "m-missing",
            Some("missing from the Rust output".to_string()),
        ),
        Mark::Extra => (
            "m-extra",
            Some("the Rust program explaining itself".to_string()),
        ),
    };
    let title = title
        .map(|t| format!(" title=\"{}\"", escape(&t)))
        .unwrap_or_default();
    // Each line is a block of its own: no line break between them, or the `pre` shows two.
    format!(
        "<span class=\"ln {class}\"{title}>{}</span>",
        escape(&line.text)
    )
}

fn figure_html(figure: &Figure) -> String {
    match &figure.source {
        FigureSource::File(path) => format!(
            "<figure class=\"chart\">\n<img src=\"{FIGURES}/{}\" alt=\"{}\">\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(&figure_file(path)),
            escape(&figure.caption),
            escape(&figure.caption)
        ),
        FigureSource::Missing { command } => format!(
            "<p class=\"figure-missing\">{} — not made yet: <code>{}</code> makes it.</p>\n",
            escape(&figure.caption),
            escape(command)
        ),
    }
}

fn prev_next(book: &Book, at: usize) -> String {
    let link = |page: Option<&Page>, rel: &str, arrow: &str| match page {
        Some(page) => format!(
            "<a rel=\"{rel}\" href=\"{}\">{arrow} {}</a>",
            escape(&page_file(page)),
            escape(&page.heading())
        ),
        None => String::new(),
    };
    let previous = at.checked_sub(1).and_then(|i| book.pages.get(i));
    format!(
        "<nav class=\"prev-next\">{}{}</nav>\n",
        link(previous, "prev", "←"),
        link(book.pages.get(at + 1), "next", "→")
    )
}

/// A whole HTML document around `main`, with the side navigation.
fn document(book: &Book, current: Option<usize>, title: &str, main: &str) -> String {
    let mut nav = String::new();
    let _ = writeln!(
        nav,
        "<a class=\"book-title{}\" href=\"index.html\">{}</a>\n<ol>",
        if current.is_none() { " current" } else { "" },
        escape(&book.title)
    );
    for (i, page) in book.pages.iter().enumerate() {
        let _ = writeln!(
            nav,
            "<li{}><a href=\"{}\">{}</a></li>",
            if current == Some(i) {
                " class=\"current\""
            } else {
                ""
            },
            escape(&page_file(page)),
            escape(&page.heading())
        );
    }
    nav.push_str("</ol>\n");
    let full_title = if current.is_some() {
        format!("{} — {}", title, book.title)
    } else {
        book.title.clone()
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"{STYLESHEET}\">\n</head>\n<body>\n\
         <nav class=\"sidebar\" aria-label=\"sections\">\n{nav}</nav>\n<main>\n{main}</main>\n</body>\n</html>\n",
        escape(&full_title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            escape("a<b & \"c\" 'd'"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;"
        );
        assert_eq!(escape("收到收到"), "收到收到");
    }

    #[test]
    fn the_first_paragraph_of_a_header_is_split_from_the_rest() {
        assert_eq!(
            split_first_paragraph("§5 线程锁 — the lock.\n\nThe snippet: …\n\nRun it."),
            ("§5 线程锁 — the lock.", "The snippet: …\n\nRun it.")
        );
        assert_eq!(split_first_paragraph("one line"), ("one line", ""));
    }

    #[test]
    fn figure_files_keep_their_folder_in_the_name() {
        assert_eq!(
            figure_file(Path::new("target/bench/q5-locks.svg")),
            "bench-q5-locks.svg"
        );
        assert_eq!(
            figure_file(Path::new("target/timeline/s05-lock.svg")),
            "timeline-s05-lock.svg"
        );
    }
}
