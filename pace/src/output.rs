//! A closed pipe is a normal end.
//!
//! Rust ignores SIGPIPE, so `println!` into a pipe whose reader has gone (`| head -1`, a `less`
//! that was quit) panics with "failed printing to stdout: Broken pipe". Unix tools end quietly
//! there instead, killed by SIGPIPE (the shell shows status 141). [`init`] installs a panic hook
//! that recognizes exactly that panic — from any thread — and ends the whole process the way
//! SIGPIPE would: no message, no unwinding into a barrier or a join that would then wait forever.
//!
//! SIGPIPE itself stays ignored: the process layer's channels write to sockets whose peer may
//! have died, and there a broken pipe must be an error the program reports, not its death.

use std::panic::{self, PanicHookInfo};
use std::sync::Once;

/// Makes a closed stdout or stderr end the program quietly, as SIGPIPE ends a Unix tool.
///
/// Call it first in `main`; calling it again does nothing. Other panics are reported as before.
pub fn init() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if is_closed_output(info) {
                end_as_by_sigpipe();
            }
            previous(info);
        }));
    });
}

/// Is this the panic of `print!`/`println!`/`eprint!`/`eprintln!` meeting a closed pipe?
fn is_closed_output(info: &PanicHookInfo<'_>) -> bool {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    message.is_some_and(is_closed_output_message)
}

/// std's message for a failed print is "failed printing to stdout: {error}"; EPIPE is error 32.
fn is_closed_output_message(message: &str) -> bool {
    (message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr"))
        && message.contains(&format!("(os error {})", libc::EPIPE))
}

/// Whether stdout is a pipe whose reader has gone: what a child that was killed by SIGPIPE
/// suggests, since children write to their parent's stdout. (`poll` reports an error on the
/// writing end of a pipe without a reader.)
pub fn stdout_is_closed() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid `pollfd` on this frame, a count of 1, no waiting.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    // 1: our one descriptor has events (0: none, -1: poll failed).
    ready == 1 && fd.revents & libc::POLLERR != 0
}

/// What runs before the process ends on a closed pipe: see [`before_ending`].
static BEFORE_ENDING: std::sync::Mutex<Vec<fn()>> = std::sync::Mutex::new(Vec::new());

/// Adds `hook` to what runs before the process ends on a closed pipe: a library that started
/// processes stops and reaps them there, so that none is left behind, not even for a moment.
pub fn before_ending(hook: fn()) {
    BEFORE_ENDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(hook);
}

/// What a shell shows for a program killed by SIGPIPE: 141.
const SHELL_STATUS_OF_SIGPIPE: i32 = crate::cleanup::shell_status_of(libc::SIGPIPE);

/// Ends the process as SIGPIPE's default action would: killed by the signal, status 141 in the
/// shell — after the hooks of [`before_ending`] and the removal of what the program registered
/// with its resource tracker (quietly: a closed pipe is a normal end). Also for a caller that
/// met a closed pipe on a write of its own (`io::ErrorKind::BrokenPipe` from `write_all` or
/// `flush` on stdout).
pub fn end_as_by_sigpipe() -> ! {
    // Whether the hooks have run. The first caller runs them holding this lock: a second thread
    // that meets the closed pipe meanwhile waits here until they have, rather than end the
    // process under their feet (leaving the children they were reaping as zombies).
    static ENDED: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    thread_local! {
        // Set while this thread runs the hooks: a hook that meets a closed pipe itself must not
        // start them again, nor wait for itself.
        static RUNNING_HOOKS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if !RUNNING_HOOKS.get() {
        let mut ended = ENDED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*ended {
            *ended = true;
            RUNNING_HOOKS.set(true);
            let hooks = BEFORE_ENDING
                .try_lock()
                .map(|h| h.clone())
                .unwrap_or_default();
            for hook in hooks {
                hook();
            }
            crate::cleanup::end_quietly();
        }
    }
    // SAFETY: restoring a signal's default action installs no handler of ours, so nothing can
    // run in signal context; `signal` takes no pointers.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let mut pipe_only = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigemptyset` initializes the set it is given, which lives on this stack frame;
    // `pthread_sigmask` reads it only after that. Unblocking SIGPIPE in this thread lets
    // `raise` deliver it here at once.
    unsafe {
        libc::sigemptyset(pipe_only.as_mut_ptr());
        libc::sigaddset(pipe_only.as_mut_ptr(), libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, pipe_only.as_ptr(), std::ptr::null_mut());
        libc::raise(libc::SIGPIPE);
    }
    // Not reached: the default action of SIGPIPE ends the process. Should it somehow return,
    // end with the status the shell would have shown.
    // SAFETY: `_exit` ends the process without running anything of the program.
    unsafe { libc::_exit(SHELL_STATUS_OF_SIGPIPE) }
}

#[cfg(test)]
mod tests {
    use super::{SHELL_STATUS_OF_SIGPIPE, is_closed_output_message};

    #[test]
    fn the_status_of_the_unreachable_exit_is_what_a_shell_shows_for_sigpipe() {
        // An inner shell killed by SIGPIPE; the outer one says what status it sees.
        let out = std::process::Command::new("sh")
            .args(["-c", "sh -c 'kill -PIPE $$'; echo $?"])
            .output()
            .expect("run sh");
        let shown = String::from_utf8_lossy(&out.stdout);
        assert_eq!(shown.trim(), SHELL_STATUS_OF_SIGPIPE.to_string());
    }

    #[test]
    fn recognizes_only_a_print_into_a_closed_pipe() {
        assert!(is_closed_output_message(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(is_closed_output_message(
            "failed printing to stderr: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_output_message(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_output_message("Broken pipe (os error 32)"));
        assert!(!is_closed_output_message("index out of bounds"));
    }
}
