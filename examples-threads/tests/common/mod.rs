//! Helpers the thread tests share.

/// The addresses in `<… object at 0x…>` on each line of `text`, in order.
pub fn addresses(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| line.split(" object at ").skip(1))
        .map(|rest| rest.split('>').next().unwrap_or_default().to_string())
        .collect()
}
