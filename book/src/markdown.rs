//! Markdown as HTML: the notes' prose and the programs' `//!` headers.
//!
//! The book opens from disk with no network, so nothing may load from elsewhere: an image whose
//! address is remote becomes a link naming it, and raw HTML in the Markdown is shown as text
//! rather than passed through (it is the reader's file, but a `<script>` or an `<img>` in it
//! would still run or load). Code blocks inside prose are highlighted like the snippets.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::highlight;

/// `markdown` as HTML.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events = Vec::new();
    let mut in_code: Option<(Option<String>, String)> = None;
    let mut image: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, options) {
        if let Some((_, text)) = &mut in_code {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((lang, text)) = in_code.take() {
                        events.push(Event::Html(CowStr::from(code_block(
                            &text,
                            lang.as_deref(),
                        ))));
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, alt)) = &mut image {
            match event {
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::End(TagEnd::Image) => {
                    if let Some((url, alt)) = image.take() {
                        events.push(Event::Html(CowStr::from(remote_image(&url, &alt))));
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(String::from),
                    CodeBlockKind::Indented => None,
                };
                in_code = Some((lang.filter(|l| !l.is_empty()), String::new()));
            }
            Event::Start(Tag::Image { dest_url, .. }) if is_remote(&dest_url) => {
                image = Some((dest_url.to_string(), String::new()));
            }
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            other => events.push(other),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out
}

/// A code block of prose, highlighted.
pub fn code_block(code: &str, lang: Option<&str>) -> String {
    let class = lang.map(|l| format!(" class=\"lang-{}\"", crate::render::escape(l)));
    format!(
        "<pre><code{}>{}</code></pre>\n",
        class.unwrap_or_default(),
        highlight::to_html(code, lang)
    )
}

/// Does this address point off the machine?
fn is_remote(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("//")
}

/// A remote image, as a link the reader can follow when online.
fn remote_image(url: &str, alt: &str) -> String {
    let label = if alt.trim().is_empty() { "image" } else { alt };
    format!(
        "<a class=\"remote-image\" href=\"{url}\">🖼 {label}</a>",
        url = crate::render::escape(url),
        label = crate::render::escape(label)
    )
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn prose_renders_with_lists_and_emphasis() {
        let html = to_html("多个线程**可能**会\n\n- `Lock`，同步锁\n");
        assert!(html.contains("<strong>可能</strong>"), "{html}");
        assert!(
            html.contains("<li><code>Lock</code>，同步锁</li>"),
            "{html}"
        );
    }

    #[test]
    fn nothing_loads_from_elsewhere_and_raw_html_stays_text() {
        let html = to_html(
            "![a picture](https://example.invalid/p.png)\n\n<script>alert(1)</script>\n\nx <img src=x> y\n",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("href=\"https://example.invalid/p.png\""),
            "{html}"
        );
        assert!(html.contains("a picture"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn code_blocks_are_highlighted() {
        let html = to_html("```python\nimport time\n```\n");
        assert!(html.contains("class=\"lang-python\""), "{html}");
        assert!(html.contains("hl-"), "{html}");
    }
}
