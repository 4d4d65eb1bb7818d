//! The manager's connections: messages over a pair of pipes, and the handshake that hands the
//! pipes to the server.
//!
//! A message is its length (4 bytes, little-endian) followed by its
//! [postcard](https://docs.rs/postcard) encoding — the format ipc-channel uses inside its own
//! messages. It goes over a plain pipe: one `write` and one `read` per message and side, where
//! ipc-channel's sockets check each message for descriptors it may carry; on this kind of
//! machine a round trip over two pipes takes about half the time (`cargo xtask bench`,
//! question 6, has a row for each).
//!
//! What is read comes from another process and is untrusted: a length over [`MAX_MESSAGE`], a
//! message that does not decode or has bytes left over are errors; the buffer grows with the
//! bytes that really arrive, not with the length announced. A write to a pipe whose reader has
//! gone is an error ([`io::ErrorKind::BrokenPipe`]) because Rust programs ignore SIGPIPE, as
//! this project's all do (ipc-channel relies on it as well).
//!
//! **The handshake.** A client connects to the server's Unix socket and sends, in one message,
//! the secret and the two pipe ends the server needs (`SCM_RIGHTS`): the reading end of its
//! requests and the writing end of its answers ([`send_with_pipes`]); the server takes them
//! ([`receive_with_pipes`]). The client keeps no copy of those two ends, so the kernel tells
//! each side when the other has gone: a read finds the end of the pipe.

use std::io::{self, BufRead, IoSlice, IoSliceMut, PipeReader, PipeWriter, Read};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, UnixAddr, recvmsg, sendmsg};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest message either side accepts: 256 MiB.
pub(crate) const MAX_MESSAGE: usize = 256 << 20;

/// Why a message could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed its end, before or within a message: it is gone.
    Closed,
    /// It announced a message longer than [`MAX_MESSAGE`]; the stream is out of step.
    TooLong(u64),
    /// The bytes arrived but are not a message of the expected type.
    Decode(String),
    /// Another I/O error.
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Closed => write!(f, "the other side closed the connection"),
            ReadError::TooLong(n) => write!(
                f,
                "a message of {n} bytes, more than the {MAX_MESSAGE} a message may have"
            ),
            ReadError::Decode(e) => write!(f, "a message that does not decode ({e})"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `value` as one message, ready to send: its length, then its bytes.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let mut frame = postcard::to_extend(value, vec![0u8; 4])
        .map_err(|e| format!("the message does not encode ({e})"))?;
    let length = frame.len() - 4;
    let header = u32::try_from(length)
        .ok()
        .filter(|_| length <= MAX_MESSAGE)
        .ok_or_else(|| {
            format!("a message of {length} bytes, more than the {MAX_MESSAGE} allowed")
        })?;
    frame[..4].copy_from_slice(&header.to_le_bytes());
    Ok(frame)
}

/// Reads one message from `reader`, using `buffer` for its bytes.
pub(crate) fn receive<T: DeserializeOwned>(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
) -> Result<T, ReadError> {
    let mut header = [0u8; 4];
    reader.read_exact(&mut header).map_err(read_error)?;
    let length = u32::from_le_bytes(header);
    let wanted = usize::try_from(length)
        .ok()
        .filter(|n| *n <= MAX_MESSAGE)
        .ok_or(ReadError::TooLong(length.into()))?;
    buffer.clear();
    reader
        .take(length.into())
        .read_to_end(buffer)
        .map_err(read_error)?;
    if buffer.len() < wanted {
        return Err(ReadError::Closed);
    }
    decode(buffer)
}

/// The message `bytes` hold, all of them.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ReadError> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(ReadError::Decode(format!(
            "{} bytes left over after it",
            rest.len()
        ))),
        Err(e) => Err(ReadError::Decode(e.to_string())),
    }
}

/// Whether the other side of the pipe `end` has gone, without waiting: nothing more can be
/// read from it (bytes still waiting to be read count as not gone).
pub(crate) fn peer_gone(end: &PipeReader) -> bool {
    let mut fds = [PollFd::new(end.as_fd(), PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(1))
        && fds[0]
            .revents()
            .is_some_and(|r| r.contains(PollFlags::POLLHUP) && !r.contains(PollFlags::POLLIN))
}

/// The client's half of the handshake: sends `secret` and the server's two pipe ends on
/// `socket`, in one message.
pub(crate) fn send_with_pipes(
    socket: &UnixStream,
    secret: u128,
    requests: &PipeReader,
    replies: &PipeWriter,
) -> io::Result<()> {
    let secret = secret.to_le_bytes();
    let fds = [requests.as_raw_fd(), replies.as_raw_fd()];
    let sent = sendmsg::<UnixAddr>(
        socket.as_raw_fd(),
        &[IoSlice::new(&secret)],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::MSG_NOSIGNAL,
        None,
    )?;
    if sent == secret.len() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "the handshake went out in part",
        ))
    }
}

/// The server's half: the secret and the two pipe ends a client sent on `socket` — the reading
/// end of its requests and the writing end of the answers. Anything else (other bytes, another
/// number of descriptors) is `None`, and every descriptor received is closed.
pub(crate) fn receive_with_pipes(socket: &UnixStream) -> Option<(u128, PipeReader, PipeWriter)> {
    let mut secret = [0u8; 16];
    // Room for as many descriptors as one message can carry (SCM_MAX_FD): a client sending
    // more than two must not leave any here unclosed.
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 253]);
    let mut iov = [IoSliceMut::new(&mut secret)];
    let message = recvmsg::<UnixAddr>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .ok()?;
    let bytes = message.bytes;
    let mut received: Vec<OwnedFd> = Vec::new();
    for cmsg in message.cmsgs().ok()? {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            for fd in fds {
                // SAFETY: the kernel has just installed `fd` in this process for this message
                // (SCM_RIGHTS); nothing else in the process knows it, so it is ours to own and
                // close.
                received.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
    let [requests, replies]: [OwnedFd; 2] = received.try_into().ok()?;
    (bytes == secret.len()).then(|| {
        (
            u128::from_le_bytes(secret),
            PipeReader::from(requests),
            PipeWriter::from(replies),
        )
    })
}

fn read_error(e: io::Error) -> ReadError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => ReadError::Closed,
        _ => ReadError::Io(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::within_10_s;
    use std::io::{BufReader, Write};

    fn send(end: &mut PipeWriter, value: &impl Serialize) {
        end.write_all(&encode(value).expect("encodes"))
            .expect("sent");
    }

    #[test]
    fn a_message_goes_across_and_a_closed_writer_is_closed() {
        within_10_s(|| {
            let (reader, mut writer) = std::io::pipe().expect("pipe");
            send(&mut writer, &(7u64, "七".to_string()));
            let mut reader = BufReader::new(reader);
            let mut buffer = Vec::new();
            let got: (u64, String) = receive(&mut reader, &mut buffer).expect("received");
            assert_eq!(got, (7, "七".to_string()));
            assert!(!peer_gone(reader.get_ref()));
            drop(writer);
            assert!(peer_gone(reader.get_ref()));
            assert!(matches!(
                receive::<u64>(&mut reader, &mut buffer),
                Err(ReadError::Closed)
            ));
        });
    }

    #[test]
    fn bytes_waiting_are_not_a_peer_gone() {
        within_10_s(|| {
            let (reader, mut writer) = std::io::pipe().expect("pipe");
            send(&mut writer, &1u8);
            drop(writer);
            assert!(!peer_gone(&reader));
        });
    }

    #[test]
    fn a_message_cut_short_is_closed_and_one_too_long_is_refused() {
        within_10_s(|| {
            let (reader, mut writer) = std::io::pipe().expect("pipe");
            // Announces 10 bytes, sends 2, then goes.
            writer.write_all(&[10, 0, 0, 0, 1, 2]).expect("sent");
            drop(writer);
            let mut buffer = Vec::new();
            let mut reader = BufReader::new(reader);
            assert!(matches!(
                receive::<u64>(&mut reader, &mut buffer),
                Err(ReadError::Closed)
            ));
            let (reader, mut writer) = std::io::pipe().expect("pipe");
            writer.write_all(&u32::MAX.to_le_bytes()).expect("sent");
            let mut reader = BufReader::new(reader);
            assert!(matches!(
                receive::<u64>(&mut reader, &mut buffer),
                Err(ReadError::TooLong(n)) if n == u64::from(u32::MAX)
            ));
            assert!(
                buffer.capacity() < 1024,
                "it allocated for the announced length"
            );
        });
    }

    #[test]
    fn each_read_error_reads_as_a_sentence() {
        let io = ReadError::Io(io::Error::from(io::ErrorKind::PermissionDenied));
        for (error, says) in [
            (ReadError::Closed, "the other side closed the connection"),
            (
                ReadError::TooLong(300_000_000),
                "a message of 300000000 bytes, more than the 268435456 a message may have",
            ),
            (
                ReadError::Decode("found the end".into()),
                "a message that does not decode (found the end)",
            ),
            (io, "permission denied"),
        ] {
            assert_eq!(error.to_string(), says);
        }
    }

    #[test]
    fn left_over_bytes_are_an_error() {
        let bytes = postcard::to_stdvec(&(1u8, 2u8)).expect("encodes");
        assert!(matches!(decode::<u8>(&bytes), Err(ReadError::Decode(_))));
        assert!(matches!(decode::<(u8, u8)>(&bytes), Ok((1, 2))));
    }

    #[test]
    fn the_handshake_hands_over_two_working_pipe_ends() {
        within_10_s(|| {
            let (client, server) = UnixStream::pair().expect("socket pair");
            let (requests_reader, mut requests_writer) = std::io::pipe().expect("pipe");
            let (mut replies_reader, replies_writer) = std::io::pipe().expect("pipe");
            send_with_pipes(&client, 42, &requests_reader, &replies_writer).expect("sent");
            drop((requests_reader, replies_writer));
            let (secret, requests, mut replies) = receive_with_pipes(&server).expect("received");
            assert_eq!(secret, 42);
            send(&mut requests_writer, &5u8);
            assert_eq!(
                receive::<u8>(&mut BufReader::new(requests), &mut Vec::new()).expect("request"),
                5
            );
            send(&mut replies, &6u8);
            drop(replies);
            let mut reader = BufReader::new(&mut replies_reader);
            assert_eq!(
                receive::<u8>(&mut reader, &mut Vec::new()).expect("reply"),
                6
            );
            // The server's end was the only writer left: it is gone.
            assert!(matches!(
                receive::<u8>(&mut reader, &mut Vec::new()),
                Err(ReadError::Closed)
            ));
        });
    }

    #[test]
    fn a_handshake_with_other_than_two_descriptors_is_refused_and_they_are_closed() {
        within_10_s(|| {
            for count in [0usize, 1, 3, 200] {
                let (client, server) = UnixStream::pair().expect("socket pair");
                let pipes: Vec<_> = (0..count.div_ceil(2).max(1))
                    .map(|_| std::io::pipe().expect("pipe"))
                    .collect();
                let fds: Vec<i32> = pipes
                    .iter()
                    .flat_map(|(r, w)| [r.as_raw_fd(), w.as_raw_fd()])
                    .take(count)
                    .collect();
                let cmsgs = if fds.is_empty() {
                    vec![]
                } else {
                    vec![ControlMessage::ScmRights(&fds)]
                };
                sendmsg::<UnixAddr>(
                    client.as_raw_fd(),
                    &[IoSlice::new(&[0u8; 16])],
                    &cmsgs,
                    MsgFlags::empty(),
                    None,
                )
                .expect("sent");
                // Only the server's copies are left of the writing ends: when it has closed them,
                // the reading ends see the end.
                let (readers, writers): (Vec<_>, Vec<_>) = pipes.into_iter().unzip();
                drop(writers);
                assert!(receive_with_pipes(&server).is_none(), "{count} descriptors");
                for reader in &readers {
                    assert!(peer_gone(reader), "{count} descriptors: one left open");
                }
            }
        });
    }
}
