//! The command lines of the socket programs (parsed with lexopt), their `--help`, and the error
//! their `main` returns.
//!
//! Every flag has a default that `--help` shows; a bad value is one line that quotes it as typed
//! (`--port abc: 不是 1–65535 之间的端口号`).

use std::ffi::OsString;
use std::io;
use std::time::Duration;

use pace::Report;

use crate::protocol::DEFAULT_PORT;

/// The error for a listener that could not be set up on 127.0.0.1:`port`.
pub fn listen_failed(port: u16, error: io::Error) -> Report {
    if error.kind() == io::ErrorKind::AddrInUse {
        format!("端口 {port} 已被占用，无法在 127.0.0.1:{port} 上监听（{error}）").into()
    } else {
        format!("无法在 127.0.0.1:{port} 上监听：{error}").into()
    }
}

/// What a server allows a client: the limits a real server has, which the snippet's has not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Connections open at once (`--max-connections`); a client over it is told that the server
    /// is busy and is closed.
    pub max_connections: usize,
    /// How long a connection may stay quiet — no message, or a reply it does not read — before
    /// the server closes it (`--idle-timeout`).
    pub idle_timeout: Duration,
    /// The longest message, in bytes (`--max-message`); a client that sends a longer one is cut
    /// off.
    pub max_message: usize,
}

/// Which of the two servers a command line is for: they take the same flags, with their own
/// defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `s11-server`: a thread per connection.
    Threaded,
    /// `s11-server-async`: a tokio task per connection, all on one thread.
    Async,
}

impl Flavor {
    /// The limits a server has unless its command line says otherwise. They differ in the
    /// number of connections only: a connection costs the threaded server a thread — a kernel
    /// thread and a stack (2 MiB of address space) — and the async server a task of about a
    /// kilobyte.
    pub fn defaults(self) -> Limits {
        Limits {
            max_connections: match self {
                Flavor::Threaded => 256,
                Flavor::Async => 10_000,
            },
            idle_timeout: Duration::from_secs(300),
            max_message: 64 * 1024,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Flavor::Threaded => "s11-server",
            Flavor::Async => "s11-server-async",
        }
    }

    fn about(self) -> &'static str {
        match self {
            Flavor::Threaded => {
                "§11 的多线程 socket 服务端：每个连接一个线程，回答每条消息“收到收到”，Q 关闭连接。"
            }
            Flavor::Async => "§11 的服务端跑在 tokio 上：每个连接一个任务，全都在一个线程上。",
        }
    }
}

/// A server's command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerOptions {
    /// `--port N`: the port on 127.0.0.1 (0: one the OS picks).
    pub port: u16,
    /// `--max-connections`, `--idle-timeout`, `--max-message`.
    pub limits: Limits,
}

/// The client's command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientOptions {
    /// `--port N`: the server's port on 127.0.0.1.
    pub port: u16,
    /// `--timeout SECONDS`: how long to wait for the server — to connect, for a reply.
    pub timeout: Duration,
}

/// The client's default `--timeout`.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<T> {
    /// Run with these options.
    Run(T),
    /// `--help`: print this text and exit.
    Help(String),
}

/// The server's options from the process's arguments; `--help` prints the usage and exits.
pub fn server_options(flavor: Flavor) -> Result<ServerOptions, Report> {
    or_help(parse_server(flavor, std::env::args_os().skip(1)))
}

/// The client's options from the process's arguments; `--help` prints the usage and exits.
pub fn client_options() -> Result<ClientOptions, Report> {
    or_help(parse_client(std::env::args_os().skip(1)))
}

fn or_help<T>(parsed: Result<Parsed<T>, Report>) -> Result<T, Report> {
    match parsed? {
        Parsed::Run(options) => Ok(options),
        Parsed::Help(text) => {
            print!("{text}");
            std::process::exit(0)
        }
    }
}

/// Parses a server's arguments (without the program's name).
pub fn parse_server(
    flavor: Flavor,
    args: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Parsed<ServerOptions>, Report> {
    use lexopt::prelude::*;
    let defaults = flavor.defaults();
    let mut options = ServerOptions {
        port: DEFAULT_PORT,
        limits: defaults,
    };
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(bad_command_line)? {
        match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help(server_help(flavor))),
            Long("port") => {
                options.port = value(&mut parser, "--port", |v| {
                    v.parse()
                        .map_err(|_| "不是 1–65535 之间的端口号（0：由系统挑一个空闲端口）")
                })?;
            }
            Long("max-connections") => {
                options.limits.max_connections =
                    value(&mut parser, "--max-connections", positive_integer)?;
            }
            Long("idle-timeout") => {
                options.limits.idle_timeout = value(&mut parser, "--idle-timeout", seconds)?;
            }
            Long("max-message") => {
                options.limits.max_message = value(&mut parser, "--max-message", positive_integer)?;
            }
            other => return Err(bad_command_line(other.unexpected())),
        }
    }
    Ok(Parsed::Run(options))
}

/// Parses the client's arguments (without the program's name).
pub fn parse_client(
    args: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Parsed<ClientOptions>, Report> {
    use lexopt::prelude::*;
    let mut options = ClientOptions {
        port: DEFAULT_PORT,
        timeout: CLIENT_TIMEOUT,
    };
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(bad_command_line)? {
        match arg {
            Short('h') | Long("help") => return Ok(Parsed::Help(client_help())),
            Long("port") => {
                options.port = value(&mut parser, "--port", |v| match v.parse() {
                    Ok(port) if port > 0 => Ok(port),
                    _ => Err("不是 1–65535 之间的端口号"),
                })?;
            }
            Long("timeout") => options.timeout = value(&mut parser, "--timeout", seconds)?,
            other => return Err(bad_command_line(other.unexpected())),
        }
    }
    Ok(Parsed::Run(options))
}

/// The value of `option`, checked by `check`; an error quotes the option and the value as typed.
fn value<T>(
    parser: &mut lexopt::Parser,
    option: &str,
    check: impl FnOnce(&str) -> Result<T, &'static str>,
) -> Result<T, Report> {
    let raw = parser.value().map_err(bad_command_line)?;
    let text = raw.to_string_lossy();
    check(&text).map_err(|why| format!("{option} {text}: {why}").into())
}

fn positive_integer(text: &str) -> Result<usize, &'static str> {
    match text.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("不是正整数"),
    }
}

fn seconds(text: &str) -> Result<Duration, &'static str> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or("不是大于 0 的秒数")
}

/// lexopt's errors, as one line in the programs' language.
fn bad_command_line(error: lexopt::Error) -> Report {
    use lexopt::Error::*;
    let what = match error {
        MissingValue {
            option: Some(option),
        } => format!("{option} 后面缺少值"),
        MissingValue { option: None } => "缺少值".to_string(),
        UnexpectedOption(option) => format!("{option}: 不认识的选项"),
        UnexpectedArgument(arg) => format!("{}: 多余的参数", arg.to_string_lossy()),
        UnexpectedValue { option, value } => {
            format!("{option}={}: {option} 不带值", value.to_string_lossy())
        }
        NonUnicodeValue(value) => format!("{}: 不是 UTF-8 文本", value.to_string_lossy()),
        ParsingFailed { value, error } => format!("{value}: {error}"),
        Custom(error) => error.to_string(),
    };
    format!("{what}（--help 显示用法）").into()
}

fn server_help(flavor: Flavor) -> String {
    let name = flavor.name();
    let about = flavor.about();
    let d = flavor.defaults();
    let max_connections = d.max_connections;
    let idle = d.idle_timeout.as_secs_f64();
    let max_message = d.max_message;
    format!(
        "{name}：{about}

用法：{name} [选项]

选项：
  --port N                监听 127.0.0.1 上的端口 N（默认 {DEFAULT_PORT}；0：由系统挑一个空闲端口）
  --max-connections N     最多同时保持 N 个连接；再来的客户端收到一行“服务端忙”后被断开（默认 {max_connections}）
  --idle-timeout 秒       一个连接这么久没有动静（不发消息，或不读回复）就断开（默认 {idle}）
  --max-message 字节      一条消息最长这么多字节；更长的就断开那个连接（默认 {max_message}）
  -h, --help              显示这段说明

Ctrl-C 或 SIGTERM 让服务端停止：不再接受新连接，关闭所有连接，退出码 0。
"
    )
}

fn client_help() -> String {
    let timeout = CLIENT_TIMEOUT.as_secs_f64();
    format!(
        "s11-client：§11 的客户端：提示 >>>，把输入的每一行发给服务端，打印它的回答；Q 结束。

用法：s11-client [选项]

选项：
  --port N            连接 127.0.0.1 上的端口 N（默认 {DEFAULT_PORT}）
  --timeout 秒        最多等服务端这么久：连接，以及每次回答（默认 {timeout}）
  -h, --help          显示这段说明

空行不发送；超过 1024 字节的一行不发送；输入结束（Ctrl-D）时发送 Q。
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(text: &str) -> Result<Parsed<ServerOptions>, Report> {
        parse_server(Flavor::Threaded, text.split_whitespace())
    }

    fn client(text: &str) -> Result<Parsed<ClientOptions>, Report> {
        parse_client(text.split_whitespace())
    }

    #[test]
    fn reads_every_flag_in_both_spellings() {
        let defaults = Flavor::Threaded.defaults();
        assert_eq!(
            server("").ok(),
            Some(Parsed::Run(ServerOptions {
                port: DEFAULT_PORT,
                limits: defaults
            }))
        );
        let parsed = server("--port 0 --max-connections=500 --idle-timeout 0.5 --max-message 2048");
        assert_eq!(
            parsed.ok(),
            Some(Parsed::Run(ServerOptions {
                port: 0,
                limits: Limits {
                    max_connections: 500,
                    idle_timeout: Duration::from_millis(500),
                    max_message: 2048,
                }
            }))
        );
        assert_eq!(
            client("--port=9000 --timeout 2").ok(),
            Some(Parsed::Run(ClientOptions {
                port: 9000,
                timeout: Duration::from_secs(2)
            }))
        );
    }

    #[test]
    fn bad_arguments_are_one_line_that_quotes_them() {
        for (bad, expected) in [
            ("--port abc", "--port abc: 不是 1–65535 之间的端口号"),
            ("--port=70000", "--port 70000: 不是 1–65535 之间的端口号"),
            ("--port", "--port 后面缺少值"),
            ("--max-connections 0", "--max-connections 0: 不是正整数"),
            ("--idle-timeout -1", "--idle-timeout -1: 不是大于 0 的秒数"),
            (
                "--idle-timeout inf",
                "--idle-timeout inf: 不是大于 0 的秒数",
            ),
            ("--max-message 1e3", "--max-message 1e3: 不是正整数"),
            ("--verbose", "--verbose: 不认识的选项"),
            ("extra", "extra: 多余的参数"),
        ] {
            let error = server(bad).expect_err(bad).to_string();
            assert!(error.starts_with(expected), "{bad}: {error}");
            assert!(!error.contains('\n'), "{bad}: {error}");
        }
        for (bad, expected) in [
            ("--port 0", "--port 0: 不是 1–65535 之间的端口号"),
            ("--timeout soon", "--timeout soon: 不是大于 0 的秒数"),
            ("--max-connections 5", "--max-connections: 不认识的选项"),
        ] {
            let error = client(bad).expect_err(bad).to_string();
            assert!(error.starts_with(expected), "{bad}: {error}");
        }
    }

    #[test]
    fn help_shows_every_flag_with_its_default() {
        let Ok(Parsed::Help(text)) = server("--max-connections 5 -h") else {
            panic!("-h is help")
        };
        for expected in [
            "--port",
            "默认 8001",
            "--max-connections",
            "默认 256",
            "--idle-timeout",
            "默认 300",
            "--max-message",
            "默认 65536",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        let Ok(Parsed::Help(text)) = parse_server(Flavor::Async, ["--help"]) else {
            panic!("--help is help")
        };
        assert!(text.contains("默认 10000"), "{text}");
        let Ok(Parsed::Help(text)) = client("--help") else {
            panic!("--help is help")
        };
        assert!(
            text.contains("--timeout") && text.contains("默认 5"),
            "{text}"
        );
    }

    #[test]
    fn a_port_in_use_is_named() {
        let error = listen_failed(8001, io::Error::from(io::ErrorKind::AddrInUse)).to_string();
        assert!(error.contains("端口 8001 已被占用"), "{error}");
        let error = listen_failed(80, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(format!("{error:?}").starts_with("无法在 127.0.0.1:80 上监听"));
    }
}
