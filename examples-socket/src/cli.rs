//! The command line of the socket programs, and the error their `main` returns.

use std::fmt;
use std::io;

use crate::protocol::DEFAULT_PORT;

/// An error as the reader sees it: one line that says what failed and why.
///
/// `main` returns `Result<(), Failure>`; on an error std prints `Error: ` and this line to stderr
/// and exits with code 1 — no backtrace, no `Os { code: 98, … }`.
pub struct Failure(String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure(message.to_string())
    }
}

/// An IO error says what failed when it was made (see [`listen_failed`] and the client); this
/// keeps its message.
impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure(error.to_string())
    }
}

/// The port to use: `--port N` or `--port=N` among `args` (the program's arguments without its
/// name); [`DEFAULT_PORT`] without one. `--port 0` asks the OS for a free port.
pub fn port(args: impl IntoIterator<Item = String>) -> Result<u16, Failure> {
    let mut args = args.into_iter();
    let mut port = DEFAULT_PORT;
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--port") {
            Some("") => args.next(),
            Some(rest) if rest.starts_with('=') => Some(rest[1..].to_string()),
            _ => {
                return Err(format!(
                    "不认识的参数 {arg:?}；用法：[--port N]（默认 {DEFAULT_PORT}）"
                )
                .into());
            }
        };
        port = value
            .as_deref()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("--port 需要 0 到 65535 之间的端口号，而不是 {value:?}"))?;
    }
    Ok(port)
}

/// The error for a listener that could not be set up on 127.0.0.1:`port`.
pub fn listen_failed(port: u16, error: io::Error) -> Failure {
    if error.kind() == io::ErrorKind::AddrInUse {
        format!("端口 {port} 已被占用，无法在 127.0.0.1:{port} 上监听（{error}）").into()
    } else {
        format!("无法在 127.0.0.1:{port} 上监听：{error}").into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn reads_the_port_in_both_spellings() {
        assert_eq!(port(args("")).ok(), Some(DEFAULT_PORT));
        assert_eq!(port(args("--port 0")).ok(), Some(0));
        assert_eq!(port(args("--port=9000")).ok(), Some(9000));
    }

    #[test]
    fn bad_arguments_are_one_line_errors() {
        for bad in [
            "--port",
            "--port x",
            "--port 70000",
            "--verbose",
            "--portal=1",
        ] {
            let error = port(args(bad)).expect_err(bad).to_string();
            assert!(!error.is_empty() && !error.contains('\n'), "{bad}: {error}");
        }
    }

    #[test]
    fn a_port_in_use_is_named() {
        let error = listen_failed(8001, io::Error::from(io::ErrorKind::AddrInUse)).to_string();
        assert!(error.contains("端口 8001 已被占用"), "{error}");
        let error = listen_failed(80, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(format!("{error:?}").starts_with("无法在 127.0.0.1:80 上监听"));
    }
}
