//! Text in terminal columns: widths that count a CJK character as two (unicode-width), tabs
//! expanded, long lines wrapped inside their column, two columns side by side.
//!
//! Nothing here knows about terminals; a caller passes the width it has.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns a string takes in a terminal: a wide (CJK) character counts two, a control one zero.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Columns one character takes.
fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// `line` with each tab replaced by spaces up to the next multiple of 4 columns, and other
/// control characters (a stray `\r`) dropped: what a terminal would show.
pub fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = 4 - column % 4;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else if !c.is_control() {
            out.push(c);
            column += char_width(c);
        }
    }
    out
}

/// What starts a wrapped line's continuation.
pub const CONTINUATION: &str = "↳ ";

/// `line` (tabs expanded) cut into pieces of at most `width` columns; every piece after the
/// first starts with [`CONTINUATION`]. A piece ends after a space when there is one in its second
/// half, else at the column. A character wider than the whole column gets a piece of its own.
/// An empty line is one empty piece.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let line = expand_tabs(line);
    let width = width.max(3);
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = char_width(c);
        let continued = piece == CONTINUATION;
        if c == ' ' && continued {
            // A continuation starts at the next word.
            continue;
        }
        if used + w > width && !piece.is_empty() && !continued {
            if c == ' ' {
                // The break falls on a space: it is dropped.
                pieces.push(std::mem::take(&mut piece).trim_end().to_string());
                piece.push_str(CONTINUATION);
                used = self::width(CONTINUATION);
                continue;
            }
            // Break after the last space of the piece's second half, carrying the rest over.
            let start = if piece.starts_with(CONTINUATION) {
                CONTINUATION.len()
            } else {
                0
            };
            let space = piece[start..].rfind(' ').map(|at| at + start);
            let carried = match space {
                Some(at)
                    if at > start
                        && self::width(&piece[..at]) >= width / 2
                        && self::width(CONTINUATION) + self::width(&piece[at + 1..]) + w
                            <= width =>
                {
                    piece.split_off(at + 1)
                }
                _ => String::new(),
            };
            pieces.push(std::mem::take(&mut piece).trim_end().to_string());
            piece.push_str(CONTINUATION);
            piece.push_str(&carried);
            used = self::width(&piece);
        }
        piece.push(c);
        used += w;
    }
    pieces.push(piece);
    pieces
}

/// `text` padded with spaces to `width` columns (not cut when wider).
pub fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(
        ' ',
        width.saturating_sub(self::width(text)),
    ));
    out
}

/// Where the two columns meet.
pub const GUTTER: &str = " │ ";

/// Rows of two cells, side by side: the left cell in `left_width` columns, the right one in
/// `right_width`, each wrapped inside its column; a row is as tall as its taller cell. A
/// missing cell is blank. Lines carry no trailing spaces.
pub fn side_by_side(
    rows: &[(Option<String>, Option<String>)],
    left_width: usize,
    right_width: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    for (left, right) in rows {
        let left = left
            .as_deref()
            .map(|l| wrap(l, left_width))
            .unwrap_or_default();
        let right = right
            .as_deref()
            .map(|r| wrap(r, right_width))
            .unwrap_or_default();
        let height = left.len().max(right.len()).max(1);
        for i in 0..height {
            let l = left.get(i).map(String::as_str).unwrap_or("");
            let r = right.get(i).map(String::as_str).unwrap_or("");
            let line = format!("{}{GUTTER}{r}", pad(l, left_width));
            out.push(line.trim_end().to_string());
        }
    }
    out
}

/// Two lists of lines as rows, line `i` beside line `i`.
pub fn zip_rows(left: &[String], right: &[String]) -> Vec<(Option<String>, Option<String>)> {
    (0..left.len().max(right.len()))
        .map(|i| (left.get(i).cloned(), right.get(i).cloned()))
        .collect()
}

/// The widths of two columns in `total` columns: each as wide as its widest line when both fit;
/// otherwise shared in proportion to those widths, neither narrower than `min`.
pub fn split(total: usize, left: &[String], right: &[String], min: usize) -> (usize, usize) {
    let room = total.saturating_sub(width(GUTTER));
    let widest = |lines: &[String]| {
        lines
            .iter()
            .map(|l| width(&expand_tabs(l)))
            .max()
            .unwrap_or(0)
            .max(1)
    };
    let (l, r) = (widest(left), widest(right));
    let left_width = if l + r <= room {
        l
    } else {
        (room * l / (l + r)).clamp(min.min(room / 2), room.saturating_sub(min).max(room / 2))
    };
    (left_width.max(1), room.saturating_sub(left_width).max(1))
}

/// Lines wrapped to `width` columns, each piece on a line of its own.
pub fn wrapped(lines: &[String], width: usize) -> Vec<String> {
    lines.iter().flat_map(|l| wrap(l, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_tabs_expand() {
        assert_eq!(width("§5 线程锁"), 3 + 6);
        assert_eq!(expand_tabs("\tx"), "    x");
        assert_eq!(expand_tabs("ab\tx"), "ab  x");
        assert_eq!(expand_tabs("a\r"), "a");
    }

    #[test]
    fn wraps_by_columns_not_characters() {
        assert_eq!(
            wrap("线程线程线程", 5),
            ["线程", "↳ 线", "↳ 程", "↳ 线", "↳ 程"]
        );
        assert_eq!(wrap("abcdefgh", 4), ["abcd", "↳ ef", "↳ gh"]);
        assert_eq!(wrap("one two three", 9), ["one two", "↳ three"]);
        for width in 3..12 {
            for piece in wrap("a b c d e f g h i j k l m n o p", width) {
                assert!(self::width(&piece) <= width, "{width}: {piece:?}");
                assert_ne!(piece.trim(), "↳", "{width}: an empty continuation");
            }
        }
        assert_eq!(wrap("", 4), [""]);
        for piece in wrap("print(\"收到客户端发来的消息：\", data)", 10) {
            assert!(width(&piece) <= 10, "{piece:?}");
        }
    }
}
