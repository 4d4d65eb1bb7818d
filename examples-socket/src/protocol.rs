//! The protocol of §11's snippet, as both servers and the client speak it.
//!
//! The snippet has no framing: a client sends a message with one `sendall`, the server takes what
//! one `recv(1024)` returns as that message, prints it and answers `收到收到`; the client waits
//! for that answer before it sends the next message. Both sides keep to this lock-step, so one
//! read is one message as long as a message fits in one read — [`RECV_SIZE`] bytes. The programs
//! here speak exactly this, so each works with the snippet's Python counterpart too.
//!
//! Two things the snippet leaves open are decided here:
//!
//! - **Bytes that are not UTF-8** are decoded lossily (U+FFFD for each bad sequence) instead of
//!   raising `UnicodeDecodeError` and ending the connection's thread.
//! - **A message over 1024 bytes** is what TCP makes of it: a stream the server reads 1024 bytes
//!   at a time. Each read is one message, as in the snippet — printed and answered — so the sender
//!   gets one `收到收到` per read, at least ⌈len / 1024⌉ of them. No byte is dropped, and a
//!   character cut at the end of a full read is completed from the next one instead of turning
//!   into U+FFFD ([`Decoder`]). Other connections are not affected. Our client does not send
//!   such messages: it asks for shorter ones.

/// The port of the snippet.
pub const DEFAULT_PORT: u16 = 8001;

/// How many bytes one read takes: `conn.recv(1024)`.
pub const RECV_SIZE: usize = 1024;

/// The server's answer to every message but `Q`.
pub const REPLY: &str = "收到收到";

/// What the server prints before each message (Python's `print` adds a space after it).
pub const RECEIVED: &str = "收到客户端发来的消息：";

/// The client's prompt.
pub const PROMPT: &str = ">>>";

/// The message that ends a connection: `Q` or `q` (as `data.upper() == "Q"`), also with the line
/// end a tool like `nc` adds.
pub fn is_quit(message: &str) -> bool {
    message
        .strip_suffix('\n')
        .map(|m| m.strip_suffix('\r').unwrap_or(m))
        .unwrap_or(message)
        .eq_ignore_ascii_case("q")
}

/// Turns the bytes of successive reads on one connection into text.
///
/// A read shorter than [`RECV_SIZE`] is a whole message: it is decoded at once, bad bytes
/// included (lossily). A read that filled the buffer may be the first part of a longer message
/// and may end in the middle of a character: that incomplete character is kept back and put in
/// front of the next read.
#[derive(Debug, Default)]
pub struct Decoder {
    cut: Vec<u8>,
}

impl Decoder {
    /// The text of one read of at most [`RECV_SIZE`] bytes.
    pub fn message(&mut self, read: &[u8]) -> String {
        let mut bytes = std::mem::take(&mut self.cut);
        bytes.extend_from_slice(read);
        if read.len() >= RECV_SIZE {
            let whole = complete_prefix(&bytes);
            self.cut = bytes.split_off(whole);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// The length of `bytes` without an incomplete UTF-8 character at its very end (bad bytes
/// elsewhere count as complete: they decode to U+FFFD).
fn complete_prefix(bytes: &[u8]) -> usize {
    let mut start = 0;
    loop {
        let Err(e) = std::str::from_utf8(&bytes[start..]) else {
            return bytes.len();
        };
        match e.error_len() {
            // A bad sequence: skip it and go on.
            Some(bad) => start += e.valid_up_to() + bad,
            // The input ends inside a character.
            None => return start + e.valid_up_to(),
        }
    }
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
    fn a_short_read_is_a_whole_message_even_if_it_is_not_utf8() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.message("你好".as_bytes()), "你好");
        assert_eq!(decoder.message(b"\xff\xfe hi"), "\u{fffd}\u{fffd} hi");
        // An incomplete character at the end of a short read is not kept back: it is bad.
        assert_eq!(decoder.message(b"ok\xe4\xbd"), "ok\u{fffd}");
        assert_eq!(decoder.message(b"next"), "next");
    }

    #[test]
    fn a_character_cut_by_a_full_read_is_completed_by_the_next() {
        // 1000 × "长" is 3000 bytes; 1024 is not a multiple of 3, so reads cut characters.
        let text = "长".repeat(1000);
        let mut decoder = Decoder::default();
        let mut printed = String::new();
        for chunk in text.as_bytes().chunks(RECV_SIZE) {
            let message = decoder.message(chunk);
            assert!(!message.contains('\u{fffd}'), "{message:?}");
            printed.push_str(&message);
        }
        assert_eq!(printed, text);
    }

    #[test]
    fn bad_bytes_inside_a_full_read_do_not_hold_back_the_rest() {
        let mut read = vec![b'a'; RECV_SIZE];
        read[10] = 0xff;
        read[RECV_SIZE - 1] = 0xe4; // the first byte of a three-byte character
        let mut decoder = Decoder::default();
        let first = decoder.message(&read);
        assert_eq!(first.chars().count(), RECV_SIZE - 1);
        assert_eq!(first.chars().nth(10), Some('\u{fffd}'));
        assert_eq!(decoder.message(b"\xbd\xa0!"), "你!");
    }

    #[test]
    fn complete_prefix_stops_before_a_cut_character_only() {
        assert_eq!(complete_prefix(b"abc"), 3);
        assert_eq!(complete_prefix("ab你".as_bytes()), 5);
        assert_eq!(complete_prefix(b"ab\xe4\xbd"), 2);
        assert_eq!(complete_prefix(b"\xff\xe4"), 1);
        assert_eq!(complete_prefix(b""), 0);
    }
}
