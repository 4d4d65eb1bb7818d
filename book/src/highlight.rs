//! Python and Rust as HTML, highlighted by syntect with CSS classes rather than inline colours,
//! so that one stylesheet serves the light theme and another, under
//! `prefers-color-scheme: dark`, the dark one.

use std::sync::OnceLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// The prefix of every highlighting class, so that none collides with the page's own.
const CLASSES: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };
/// The theme of the light pages, from syntect's defaults.
const LIGHT: &str = "InspiredGitHub";
/// The theme of the dark pages.
const DARK: &str = "base16-ocean.dark";

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// `code` as HTML (without the surrounding `<pre><code>`), highlighted as `lang` (`python`,
/// `rust`, `py`, `rs`); escaped plain text when the language is unknown or absent.
pub fn to_html(code: &str, lang: Option<&str>) -> String {
    let set = syntaxes();
    let Some(syntax) = lang.and_then(|lang| set.find_syntax_by_token(lang)) else {
        return crate::render::escape(code);
    };
    let mut html = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASSES);
    for line in LinesWithEndings::from(code) {
        if html
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            // syntect gives up only on a grammar error of its own: show the code plainly.
            return crate::render::escape(code);
        }
    }
    html.finalize()
}

/// The stylesheet of the highlighting classes: the light theme, then the dark one inside
/// `@media (prefers-color-scheme: dark)`.
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .and_then(|theme| css_for_theme_with_class_style(theme, CLASSES).ok())
            .unwrap_or_default()
    };
    // Each theme only under its own scheme: a class that one theme colours and the other does
    // not would otherwise keep the light colour on a dark page.
    format!(
        "/* Highlighting: syntect's {LIGHT} when the system is light */\n@media not (prefers-color-scheme: dark) {{\n{}\n}}\n/* and {DARK} when it is dark */\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css(LIGHT),
        css(DARK)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_and_python_get_classes_and_unknown_text_is_escaped() {
        let rust = to_html("fn main() { let x = \"<锁>\"; }\n", Some("rust"));
        assert!(rust.contains("class=\"hl-"), "{rust}");
        assert!(rust.contains("&lt;锁&gt;"), "{rust}");
        let python = to_html("import threading\nprint('开始')\n", Some("python"));
        assert!(python.contains("class=\"hl-"), "{python}");
        assert!(python.contains("开始"));
        assert_eq!(to_html("a < b\n", None), "a &lt; b\n");
        assert_eq!(to_html("a < b\n", Some("no-such-language")), "a &lt; b\n");
    }

    #[test]
    fn the_stylesheet_has_a_light_and_a_dark_theme() {
        let css = stylesheet();
        assert!(css.contains(".hl-"), "no highlighting classes");
        assert!(css.contains("@media (prefers-color-scheme: dark)"));
        assert!(css.contains("@media not (prefers-color-scheme: dark)"));
    }
}
