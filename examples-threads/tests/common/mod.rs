//! Helpers the thread tests share.
#![allow(dead_code)] // each test file uses a part of it

/// The addresses in `<… object at 0x…>` on each line of `text`, in order.
pub fn addresses(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| line.split(" object at ").skip(1))
        .map(|rest| rest.split('>').next().unwrap_or_default().to_string())
        .collect()
}

/// The number after `marker` on `line`, up to the next `，` or `；`.
pub fn number_after(line: &str, marker: &str) -> Option<u64> {
    let rest = line.split(marker).nth(1)?;
    rest.split(['，', '；']).next()?.parse().ok()
}

/// `secs` seconds at the time scale `harness::example` runs the examples at, printed as the
/// examples print a duration (`{:.2}` seconds).
pub fn scaled_secs(secs: f64) -> String {
    let scale = match std::env::var(pace::ENV) {
        Ok(text) => pace::parse(&text).unwrap_or(1.0), // what pace does with a bad value
        Err(_) => pace::parse(harness::TEST_TIME_SCALE).expect("a valid test time scale"),
    };
    format!("{:.2}", secs * scale)
}
