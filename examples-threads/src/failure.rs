//! The error a program's `main` returns: printed as a sentence, never as a Debug struct.
//!
//! When `main` returns `Err(e)`, std prints `Error: ` and `e`'s *Debug* form — for an `io::Error`
//! that is `Custom { kind: NotFound, error: … }`, for a `String` the text in quotes with escapes.
//! A [`Failure`] prints what failed and why, as one line: its message, then each cause that the
//! message does not already say. `?` turns anything `Box<dyn Error>` accepts into one — every
//! error type, a `String`, a `&str` — so a program writes `fn main() -> Result<(), Failure>` and
//! uses `?` as usual.
//!
//! ```
//! use examples_threads::Failure;
//!
//! fn main() -> Result<(), Failure> {
//!     let failure = Failure::from(std::io::Error::other("下载失败"));
//!     assert_eq!(format!("{failure:?}"), "下载失败");
//!     Ok(())
//! }
//! ```

use std::error::Error;
use std::fmt;

/// An error as the reader sees it: one line that says what failed and why. See the module docs.
pub struct Failure(Box<dyn Error>);

impl<E: Into<Box<dyn Error>>> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut said = self.0.to_string();
        f.write_str(&said)?;
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let text = error.to_string();
            if !said.contains(&text) {
                write!(f, ": {text}")?;
                said.push_str(&text);
            }
            cause = error.source();
        }
        Ok(())
    }
}

/// What std prints when `main` returns the failure: the sentence, as [`Display`](fmt::Display).
impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug)]
    struct Outer(io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("下载 a.mp4 失败")
        }
    }

    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn prints_the_message_and_the_causes_it_does_not_say() {
        let io = io::Error::new(io::ErrorKind::NotFound, "没有这个文件");
        let failure = Failure::from(Outer(io));
        assert_eq!(format!("{failure:?}"), "下载 a.mp4 失败: 没有这个文件");
        assert_eq!(failure.to_string(), "下载 a.mp4 失败: 没有这个文件");
    }

    #[test]
    fn strings_print_without_quotes() {
        assert_eq!(format!("{:?}", Failure::from("a \"b\"")), "a \"b\"");
        assert_eq!(
            format!("{:?}", Failure::from(String::from("线程 panic 了"))),
            "线程 panic 了"
        );
    }

    #[test]
    fn a_cause_the_message_already_says_is_not_repeated() {
        let io = io::Error::other("connection refused");
        let boxed: Box<dyn Error> = Box::new(io::Error::other(format!("GET /x: {io}")));
        assert_eq!(
            Failure::from(boxed).to_string(),
            "GET /x: connection refused"
        );
    }
}
