//! §6 死锁 — case 2: two threads, each holding the lock the other needs
//! (两个或多个线程手上拿着对方需要的锁).
//!
//! The notes describe it in words. Here 线程1 takes 锁A and then wants 锁B; 线程2 takes 锁B and
//! then wants 锁A. A Barrier makes sure each holds its first lock before either asks for the
//! second, so the deadlock happens on every run, not by luck.
//!
//! Rust prevents data races, not deadlocks: this compiles and, with plain `lock()`, would hang.
//! So that the program ends, each second acquisition waits at most 1 s (`NamedLock`, a timed
//! `parking_lot` lock that records its holder) and then reports who holds what and waits for
//! what — the cycle a deadlock detector finds. Each thread keeps its first lock until both have
//! given up, so both see the deadlock. Then the fix: both threads take the locks in one global
//! order, 锁A before 锁B. Whoever gets 锁A first also gets 锁B; the other waits while holding
//! nothing, and both finish.
//!
//! Run it: `cargo run -p examples-threads --bin s06-deadlock-cycle`.

use std::error::Error;
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use examples_threads::named_lock::{Blocked, NamedLock};
use pace::Report;

/// How long a stuck acquire waits before giving up, at time scale 1.
const PATIENCE: Duration = Duration::from_secs(1);

static LOCK_A: NamedLock = NamedLock::new("锁A");
static LOCK_B: NamedLock = NamedLock::new("锁B");

/// Takes `first`, waits until the other thread holds its first lock too, then asks for `second`.
/// Keeps `first` until the other thread has had its answer as well.
fn task(
    first: &NamedLock,
    second: &NamedLock,
    both_hold: &Barrier,
    both_tried: &Barrier,
) -> Result<(), Blocked> {
    let me = thread::current().name().unwrap_or("?").to_string();
    let _first = first.lock();
    println!("{me}：拿到 {}", first.name());
    both_hold.wait();
    println!(
        "{me}：手上拿着 {}，去申请 {} ……",
        first.name(),
        second.name()
    );
    let answer = second.lock_within(pace::scaled(PATIENCE)).map(drop);
    both_tried.wait();
    answer
}

/// The fix: every thread takes 锁A, then 锁B.
fn task_in_order(start: &Barrier) {
    let me = thread::current().name().unwrap_or("?").to_string();
    start.wait();
    let _a = LOCK_A.lock();
    let _b = LOCK_B.lock();
    println!("{me}：按 锁A → 锁B 的顺序拿到两把锁，执行完毕");
}

fn main() -> Result<(), Report> {
    pace::init();
    println!("—— 死锁：线程1 先拿 锁A 再要 锁B，线程2 先拿 锁B 再要 锁A ——");
    let (both_hold, both_tried) = (Barrier::new(2), Barrier::new(2));
    let reports = thread::scope(|s| -> Result<Vec<Result<(), Blocked>>, Box<dyn Error>> {
        let t1 = thread::Builder::new()
            .name("线程1".into())
            .spawn_scoped(s, || task(&LOCK_A, &LOCK_B, &both_hold, &both_tried))?;
        let t2 = thread::Builder::new()
            .name("线程2".into())
            .spawn_scoped(s, || task(&LOCK_B, &LOCK_A, &both_hold, &both_tried))?;
        let mut reports = Vec::new();
        for t in [t1, t2] {
            reports.push(t.join().map_err(|_| "线程 panic 了")?);
        }
        Ok(reports)
    })?;
    let mut stuck = 0;
    for report in reports {
        match report {
            Err(blocked) => {
                println!("检测到：{blocked}");
                stuck += 1;
            }
            Ok(()) => println!("有一个线程拿到了第二把锁？这不该发生"),
        }
    }
    if stuck != 2 {
        return Err("两个线程本应都卡住".into());
    }
    println!(
        "两个线程手上各拿着对方需要的锁：死锁（真的 acquire() 会永远等下去；这里各等 {:.2} 秒后放弃）",
        pace::scaled(PATIENCE).as_secs_f64()
    );

    println!("—— 解决：所有线程都按同一顺序加锁（先 锁A，再 锁B） ——");
    let start = Barrier::new(2);
    thread::scope(|s| -> Result<(), Box<dyn Error>> {
        let mut threads = Vec::new();
        for name in ["线程1", "线程2"] {
            threads.push(
                thread::Builder::new()
                    .name(name.into())
                    .spawn_scoped(s, || task_in_order(&start))?,
            );
        }
        for t in threads {
            t.join().map_err(|_| "线程 panic 了")?;
        }
        Ok(())
    })?;
    println!("两个线程都执行完毕，没有死锁");
    Ok(())
}
