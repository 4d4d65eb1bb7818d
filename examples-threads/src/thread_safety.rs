//! §4 线程安全: the unsynchronized shared counter, which Rust does not compile.
//!
//! In Python, threads that do `num += 1` on a shared number *may* lose updates: the statement is
//! a read, an addition and a write, and another thread can run in between. Rust turns that
//! possibility into a compile-time error. Each program below is a `compile_fail` doctest, and a
//! unit test of this module compiles each one with `rustc` and checks that it fails *with the
//! error code written on it* — stable rustdoc checks only that it fails, not why. The example
//! `s04-thread-unsafe` points here and shows the race Rust does allow at run time.
//!
//! **A global number, as in the snippets** (`global num`): a `static mut` may only be touched
//! in `unsafe` code — error E0133.
//!
//! ```compile_fail,E0133
//! static mut NUM: u64 = 0;
//!
//! fn task() {
//!     for _ in 0..1_000_000 {
//!         NUM += 1; // use of mutable static is unsafe
//!     }
//! }
//!
//! let threads: Vec<_> = (0..2).map(|_| std::thread::spawn(task)).collect();
//! ```
//!
//! **A local number borrowed by two threads**: two mutable borrows at once — error E0499.
//!
//! ```compile_fail,E0499
//! let mut num = 0u64;
//! std::thread::scope(|s| {
//!     s.spawn(|| for _ in 0..1_000_000 { num += 1 });
//!     s.spawn(|| for _ in 0..1_000_000 { num += 1 }); // second mutable borrow
//! });
//! ```
//!
//! **Shared by reference counting, changed through a `Cell`**: a `Cell` is not `Sync`, so an
//! `Arc` of one cannot cross to another thread — error E0277.
//!
//! ```compile_fail,E0277
//! use std::cell::Cell;
//! use std::sync::Arc;
//!
//! let num = Arc::new(Cell::new(0u64));
//! let other = Arc::clone(&num);
//! std::thread::spawn(move || other.set(other.get() + 1)); // `Cell<u64>` cannot be shared
//! ```
//!
//! What compiles is shared data behind a lock (§5) or an atomic. An atomic makes each *single*
//! operation indivisible, so `fetch_add` loses nothing:
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! static NUM: AtomicU64 = AtomicU64::new(0);
//! std::thread::scope(|s| {
//!     for _ in 0..2 {
//!         s.spawn(|| for _ in 0..1_000 { NUM.fetch_add(1, Ordering::Relaxed); });
//!     }
//! });
//! assert_eq!(NUM.load(Ordering::Relaxed), 2_000);
//! ```
//!
//! A separate `load` then `store` on an atomic compiles too — there is no data race, each access
//! is atomic — but another thread's increment can land between the two and be overwritten: the
//! same lost update as Python's `num += 1`, a *race condition* the compiler cannot see.

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    /// The `compile_fail` programs of this module's documentation: (error code, source).
    fn refused_programs() -> Vec<(String, String)> {
        let mut programs = Vec::new();
        let mut current: Option<(String, String)> = None;
        for line in include_str!("thread_safety.rs").lines() {
            let Some(doc) = line.strip_prefix("//!") else {
                continue;
            };
            let doc = doc.strip_prefix(' ').unwrap_or(doc);
            match current.as_mut() {
                None => {
                    if let Some(code) = doc.strip_prefix("```compile_fail,") {
                        current = Some((code.trim().to_string(), String::new()));
                    }
                }
                Some(_) if doc.starts_with("```") => programs.extend(current.take()),
                Some((_, source)) => {
                    source.push_str(doc);
                    source.push('\n');
                }
            }
        }
        programs
    }

    /// Compiles `source` as rustdoc would (inside `fn main`), without linking; returns rustc's
    /// diagnostics, or `None` if it compiled.
    fn compile(dir: &Path, index: usize, source: &str) -> Option<String> {
        let file = dir.join(format!("refused_{index}.rs"));
        std::fs::write(
            &file,
            format!("#![allow(unused)]\nfn main() {{\n{source}}}\n"),
        )
        .expect("write the program");
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let output = Command::new(rustc)
            .args(["--edition", "2024", "--emit=metadata", "--crate-name"])
            .arg(format!("refused_{index}"))
            .arg("--out-dir")
            .arg(dir)
            .arg(&file)
            .output()
            .expect("run rustc");
        (!output.status.success()).then(|| String::from_utf8_lossy(&output.stderr).into_owned())
    }

    #[test]
    fn each_refused_program_fails_with_its_error_code() {
        let programs = refused_programs();
        assert_eq!(programs.len(), 3, "the compile_fail programs: {programs:?}");
        let dir = tempfile::tempdir().expect("a temporary directory");
        for (index, (code, source)) in programs.iter().enumerate() {
            let Some(errors) = compile(dir.path(), index, source) else {
                panic!("this program compiles, but should fail with {code}:\n{source}");
            };
            assert!(
                errors.contains(&format!("error[{code}]")),
                "this program should fail with {code}:\n{source}\nrustc said:\n{errors}"
            );
        }
    }
}
