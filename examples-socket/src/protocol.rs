//! The protocol of §11's snippet, as both servers and the client speak it.
//!
//! The snippet has no framing: a client sends a message with one `sendall`, the server takes what
//! one `recv(1024)` returns as that message, prints it and answers `收到收到`; the client waits
//! for that answer before it sends the next message. Both sides keep to this lock-step, so one
//! read is one message as long as a message fits in one read — [`RECV_SIZE`] bytes. The programs
//! here speak exactly this, so each works with the snippet's Python counterpart too.
//!
//! What the snippet leaves open is decided here:
//!
//! - **Bytes that are not UTF-8** are decoded lossily (U+FFFD for each bad sequence) instead of
//!   raising `UnicodeDecodeError` and ending the connection's thread.
//! - **A message over 1024 bytes** is what TCP makes of it: a stream the server reads 1024 bytes
//!   at a time. Each read is one message, as in the snippet — printed and answered — so the sender
//!   gets one `收到收到` per read, at least ⌈len / 1024⌉ of them. No byte is dropped, and a
//!   character cut at the end of a full read is completed from the next one instead of turning
//!   into U+FFFD ([`Decoder`]). Other connections are not affected. Our client does not send
//!   such messages: it asks for shorter ones.
//! - **A message has a maximum size** (the servers' `--max-message`, 64 KiB by default): a client
//!   whose message goes on past it — a flood — is cut off instead of being read forever.
//! - **A long message is logged [`shortened`]**, with its size: the log stays readable and does
//!   not grow with what a client sends.

use std::borrow::Cow;
use std::io;

/// The port of the snippet.
pub const DEFAULT_PORT: u16 = 8001;

/// How many bytes one read takes: `conn.recv(1024)`.
pub const RECV_SIZE: usize = 1024;

/// The server's answer to every message but `Q` (the programs write it as a literal, as the
/// snippet does; the tests and the bench compare with this).
pub const REPLY: &str = "收到收到";

/// What the server prints before each message (Python's `print` adds a space after it; the
/// programs write it as a literal too).
pub const RECEIVED: &str = "收到客户端发来的消息：";

/// The message that ends a connection: `Q` or `q` (the snippet compares the message, upper-cased,
/// with `Q`), also with the line end a tool like `nc` adds.
pub fn is_quit(message: &str) -> bool {
    message
        .strip_suffix('\n')
        .map(|m| m.strip_suffix('\r').unwrap_or(m))
        .unwrap_or(message)
        .eq_ignore_ascii_case("q")
}

/// How many characters of a message a log line shows; a longer message is shown
/// [`shortened`].
pub const SHOWN_CHARS: usize = 60;

/// `message` as a log line shows it: whole when it has at most [`SHOWN_CHARS`] characters,
/// otherwise its first [`SHOWN_CHARS`] followed by `……（共 N 字节）` — a flooding client cannot
/// make the log longer than the messages are many.
pub fn shortened(message: &str) -> Cow<'_, str> {
    match message.char_indices().nth(SHOWN_CHARS) {
        None => Cow::Borrowed(message),
        Some((cut, _)) => Cow::Owned(format!(
            "{}……（共 {} 字节）",
            &message[..cut],
            message.len()
        )),
    }
}

/// Turns the bytes of successive reads on one connection into text, and refuses a message
/// longer than its limit.
///
/// A read shorter than [`RECV_SIZE`] is a whole message, or the end of one: it is decoded at once,
/// bad bytes included (lossily). A read that filled the buffer may be the first part of a longer
/// message and may end in the middle of a character: that incomplete character is kept back and
/// put in front of the next read. The bytes of a message — a run of full reads and the read that
/// ends it — are counted; once they pass the limit, [`decode`](Self::decode) returns an error
/// (`InvalidData`) instead of the text. (A run of messages of exactly 1024 bytes each, sent
/// back to back, counts as one message: nothing in the snippet's protocol tells them apart.)
#[derive(Debug)]
pub struct Decoder {
    cut: Vec<u8>,
    /// Bytes of the current message so far.
    length: usize,
    /// The previous read filled the buffer: the message may go on.
    continued: bool,
    max_message: usize,
}

impl Default for Decoder {
    /// A decoder without a limit on the message size.
    fn default() -> Self {
        Decoder::new(usize::MAX)
    }
}

impl Decoder {
    /// A decoder that refuses messages over `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Decoder {
            cut: Vec::new(),
            length: 0,
            continued: false,
            max_message,
        }
    }

    /// The text of one read of at most [`RECV_SIZE`] bytes, or an error once the message it
    /// belongs to is longer than the limit.
    pub fn decode(&mut self, read: &[u8]) -> io::Result<String> {
        self.length = if self.continued {
            self.length.saturating_add(read.len())
        } else {
            read.len()
        };
        self.continued = read.len() >= RECV_SIZE;
        if self.length > self.max_message {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("一条消息超过 {} 字节", self.max_message),
            ));
        }
        let mut bytes = std::mem::take(&mut self.cut);
        bytes.extend_from_slice(read);
        if self.continued {
            let whole = complete_prefix(&bytes);
            self.cut = bytes.split_off(whole);
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The length of `bytes` without an incomplete UTF-8 character at its very end (bad bytes
/// elsewhere count as complete: they decode to U+FFFD).
fn complete_prefix(bytes: &[u8]) -> usize {
    // A character is at most 4 bytes, so an incomplete one at most 3: the shortest tail that
    // starts with a lead byte and ends inside its character is it. (A tail that starts with a
    // continuation byte is invalid at once; a complete or bad ending has no such tail.)
    for tail in 1..=bytes.len().min(3) {
        let start = bytes.len() - tail;
        if let Err(e) = std::str::from_utf8(&bytes[start..])
            && e.valid_up_to() == 0
            && e.error_len().is_none()
        {
            return start;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_in_either_case_ends_the_connection() {
        for quit in ["Q", "q", "Q\n", "q\r\n"] {
            assert!(is_quit(quit), "{quit:?}");
        }
        for other in ["", "QQ", " Q", "Q\n\n", "quit", "Ｑ"] {
            assert!(!is_quit(other), "{other:?}");
        }
    }

    #[test]
    fn a_short_read_is_a_whole_message_even_if_it_is_not_utf8() -> io::Result<()> {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.decode("你好".as_bytes())?, "你好");
        assert_eq!(decoder.decode(b"\xff\xfe hi")?, "\u{fffd}\u{fffd} hi");
        // An incomplete character at the end of a short read is not kept back: it is bad.
        assert_eq!(decoder.decode(b"ok\xe4\xbd")?, "ok\u{fffd}");
        assert_eq!(decoder.decode(b"next")?, "next");
        Ok(())
    }

    #[test]
    fn a_character_cut_by_a_full_read_is_completed_by_the_next() -> io::Result<()> {
        // 1000 × "长" is 3000 bytes; 1024 is not a multiple of 3, so reads cut characters.
        let text = "长".repeat(1000);
        let mut decoder = Decoder::default();
        let mut printed = String::new();
        for chunk in text.as_bytes().chunks(RECV_SIZE) {
            let message = decoder.decode(chunk)?;
            assert!(!message.contains('\u{fffd}'), "{message:?}");
            printed.push_str(&message);
        }
        assert_eq!(printed, text);
        Ok(())
    }

    #[test]
    fn bad_bytes_inside_a_full_read_do_not_hold_back_the_rest() -> io::Result<()> {
        let mut read = vec![b'a'; RECV_SIZE];
        read[10] = 0xff;
        read[RECV_SIZE - 1] = 0xe4; // the first byte of a three-byte character
        let mut decoder = Decoder::default();
        let first = decoder.decode(&read)?;
        assert_eq!(first.chars().count(), RECV_SIZE - 1);
        assert_eq!(first.chars().nth(10), Some('\u{fffd}'));
        assert_eq!(decoder.decode(b"\xbd\xa0!")?, "你!");
        Ok(())
    }

    #[test]
    fn a_message_over_the_limit_is_refused_and_short_ones_start_afresh() -> io::Result<()> {
        let full = [b'x'; RECV_SIZE];
        let mut decoder = Decoder::new(3 * RECV_SIZE);
        // Short messages never add up, however many.
        for _ in 0..10 {
            decoder.decode(&full[..1000])?;
        }
        // Three full reads and an empty end: exactly the limit.
        for _ in 0..3 {
            decoder.decode(&full)?;
        }
        decoder.decode(b"")?;
        // A fourth full read in a row passes it.
        for _ in 0..3 {
            decoder.decode(&full)?;
        }
        let error = decoder.decode(b"!").expect_err("over the limit");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            error.to_string(),
            format!("一条消息超过 {} 字节", 3 * RECV_SIZE)
        );
        Ok(())
    }

    #[test]
    fn a_long_message_is_shortened_with_its_size() {
        assert_eq!(shortened("你好"), "你好");
        let exactly = "长".repeat(SHOWN_CHARS);
        assert_eq!(shortened(&exactly), exactly);
        let long = "长".repeat(1000);
        let shown = shortened(&long);
        assert_eq!(
            shown,
            format!("{}……（共 3000 字节）", "长".repeat(SHOWN_CHARS))
        );
    }

    #[test]
    fn complete_prefix_stops_before_a_cut_character_only() {
        assert_eq!(complete_prefix(b"abc"), 3);
        assert_eq!(complete_prefix("ab你".as_bytes()), 5);
        assert_eq!(complete_prefix(b"ab\xe4\xbd"), 2);
        assert_eq!(complete_prefix(b"\xff\xe4"), 1);
        assert_eq!(complete_prefix(b""), 0);
        assert_eq!(complete_prefix("😀".as_bytes()), 4);
        assert_eq!(complete_prefix(&"😀".as_bytes()[..3]), 0);
        assert_eq!(complete_prefix(b"a\xe4\xe4\xbd"), 2);
        assert_eq!(complete_prefix(b"ab\xff"), 3);
        assert_eq!(complete_prefix(b"ab\xbd\xa0"), 4);
    }
}
