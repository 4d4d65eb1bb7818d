//! The picture: a row per thread, grouped under its process, time on the x axis (plotters, SVG).
//!
//! Each process has a header row: its program and pid, how it came to be (started, spawned,
//! forked), indented under its parent, and a small area chart of how many CPUs its threads used
//! together. Under it, one row per thread: its lifetime as a bar, coloured by what it was doing
//! (the [`crate::model::WaitKind`]s, and between waits the scheduler's shares — on a CPU in green
//! from the bottom of the bar, a shade per CPU, runnable but waiting for a CPU in orange above
//! it). Every write to
//! stdout or stderr is a marker above the bar with its text, cut short where the next one
//! follows too closely.

use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::{Process, Record, Thread, WaitKind};
use crate::strace::Micros;

/// What can go wrong drawing.
pub type Result<T, E = Box<dyn Error>> = std::result::Result<T, E>;

const WIDTH: u32 = 1500;
/// Room right of the chart for the CPU scale of the process rows.
const RIGHT: u32 = 64;
const TITLE: u32 = 58;
const AXIS: u32 = 44;
/// A thread's row: a line of text above a bar.
const THREAD_ROW: f64 = 32.0;
const TEXT_PART: f64 = 13.0;
const BAR: f64 = 16.0;
/// A process's header row.
const PROCESS_ROW: f64 = 34.0;

/// On a CPU: a shade of green per CPU, so that threads sharing one CPU share a shade.
const CPU_SHADES: [RGBColor; 4] = [
    RGBColor(0, 109, 44),
    RGBColor(116, 196, 118),
    RGBColor(35, 139, 69),
    RGBColor(161, 217, 155),
];
/// On a CPU, which one unknown.
const ON_CPU: RGBColor = RGBColor(44, 160, 44);
const RUNNABLE: RGBColor = RGBColor(255, 127, 14);
const ALIVE: RGBColor = RGBColor(226, 226, 226);
const PROCESS_CPU: RGBColor = RGBColor(31, 100, 31);
const PRINT: RGBColor = RGBColor(20, 20, 20);
const STDERR: RGBColor = RGBColor(180, 0, 0);
const MARK: RGBColor = RGBColor(31, 90, 180);

/// The colour of a wait.
pub fn color(kind: WaitKind) -> RGBColor {
    match kind {
        WaitKind::Sleep => RGBColor(158, 202, 225),
        WaitKind::Lock => RGBColor(214, 39, 40),
        WaitKind::Join => RGBColor(148, 103, 189),
        WaitKind::Child => RGBColor(140, 86, 75),
        WaitKind::Io => RGBColor(188, 189, 34),
    }
}

/// The colour of time on CPU `cpu`.
fn on_cpu(cpu: Option<u32>) -> RGBColor {
    match cpu {
        Some(cpu) => CPU_SHADES[cpu as usize % CPU_SHADES.len()],
        None => ON_CPU,
    }
}

/// A row of the picture, top to bottom.
enum Row<'a> {
    Process(&'a Process),
    Thread(&'a Process, &'a Thread),
}

impl Row<'_> {
    fn height(&self) -> f64 {
        match self {
            Row::Process(_) => PROCESS_ROW,
            Row::Thread(..) => THREAD_ROW,
        }
    }
}

/// Draws `record` into an SVG file at `path`, titled `title`; `cpus` is the machine's CPU count
/// (the scale of the processes' CPU charts).
pub fn write(record: &Record, title: &str, cpus: usize, path: &Path) -> Result<()> {
    let cpus = cpus.max(1);
    let rows: Vec<Row> = record
        .processes
        .iter()
        .flat_map(|p| {
            std::iter::once(Row::Process(p)).chain(p.threads.iter().map(move |t| Row::Thread(p, t)))
        })
        .collect();
    let total: f64 = rows.iter().map(Row::height).sum();
    // The label column is as wide as its widest label, within bounds.
    let labels = rows
        .iter()
        .map(|row| match row {
            Row::Process(p) => indent(p, false) as f64 + text_width(&process_label(p), 13) * 1.08,
            Row::Thread(p, t) => indent(p, true) as f64 + text_width(&thread_label(p, t, cpus), 13),
        })
        .fold(200.0, f64::max)
        .min(480.0) as u32
        + 16;
    let legend_rows = legend_height(cpus);
    let height = TITLE + total.ceil() as u32 + AXIS + legend_rows + 12;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        title.to_string(),
        (12, 10),
        ("sans-serif", 20).into_font().color(&BLACK),
    ))?;
    root.draw(&Text::new(
        "One row per thread, under its process, from strace -f and /proc/PID/task/TID/schedstat. \
         A bar is a thread's life, coloured by what it was doing; ▼ marks a line it wrote."
            .to_string(),
        (12, 35),
        ("sans-serif", 13).into_font().color(&RGBColor(90, 90, 90)),
    ))?;

    let seconds = |t: Micros| (t - record.start) as f64 / 1e6;
    let span = seconds(record.end).max(1e-3);
    let (chart_area, legend_area) = root.split_vertically(height - legend_rows);
    // Enough decimals that neighbouring labels (about span / 14 apart) differ.
    let decimals = (-(span / 14.0).log10()).ceil().clamp(0.0, 6.0) as usize;
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_top(TITLE)
        .margin_right(RIGHT)
        .x_label_area_size(AXIS)
        .y_label_area_size(labels)
        .build_cartesian_2d(0.0..span * 1.01, 0.0..total)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(14)
        .x_desc("seconds since the program started")
        .x_label_formatter(&|v| trim(*v, decimals))
        .x_label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;

    let mut top = total;
    let cpus = cpus as f64;
    for row in &rows {
        let bottom = top - row.height();
        match row {
            Row::Process(process) => {
                draw_process(
                    &mut chart,
                    &chart_area,
                    process,
                    top,
                    bottom,
                    cpus,
                    &seconds,
                )?;
            }
            Row::Thread(process, thread) => {
                let at = (top, span, cpus);
                draw_thread(&mut chart, &chart_area, process, thread, at, &seconds)?;
            }
        }
        top = bottom;
    }
    legend(&legend_area, cpus)?;
    root.present()?;
    Ok(())
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_process(
    chart: &mut Chart<'_, '_>,
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    process: &Process,
    top: f64,
    bottom: f64,
    cpus: f64,
    seconds: &dyn Fn(Micros) -> f64,
) -> Result<()> {
    let range = chart.x_range();
    let (x0, x1) = (range.start, range.end);
    // A rule above each process, across the whole width.
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x0, top), (x1, top)],
        RGBColor(150, 150, 150),
    )))?;
    // Its lifetime, as a thin line in the middle of its row.
    let middle = (top + bottom) / 2.0;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![
            (seconds(process.start), bottom + 2.0),
            (seconds(process.end), bottom + 2.0),
        ],
        RGBColor(160, 160, 160).stroke_width(1),
    )))?;
    // How many CPUs its threads used together: an area from the bottom of the row.
    let scale = (top - bottom - 6.0) / cpus;
    chart.draw_series(process.cpus.iter().map(|share| {
        Rectangle::new(
            [
                (seconds(share.start), bottom + 2.0),
                (
                    seconds(share.end),
                    bottom + 2.0 + share.on_cpu.min(cpus) * scale,
                ),
            ],
            PROCESS_CPU.mix(0.55).filled(),
        )
    }))?;
    for level in 1..=(cpus as usize) {
        let y = bottom + 2.0 + level as f64 * scale;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0, y), (x1, y)],
            RGBColor(120, 120, 120).mix(0.35),
        )))?;
        let (right, y) = chart.backend_coord(&(x1, y));
        area.draw(&Text::new(
            format!("{level} CPU{}", if level == 1 { "" } else { "s" }),
            (right + 4, y),
            ("sans-serif", 10)
                .into_font()
                .color(&RGBColor(90, 90, 90))
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    let (_, y) = chart.backend_coord(&(x0, middle));
    area.draw(&Text::new(
        process_label(process),
        (indent(process, false), y),
        ("sans-serif", 13)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    Ok(())
}

fn draw_thread(
    chart: &mut Chart<'_, '_>,
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    process: &Process,
    thread: &Thread,
    (top, span, cpus): (f64, f64, f64),
    seconds: &dyn Fn(Micros) -> f64,
) -> Result<()> {
    let bar_top = top - TEXT_PART;
    let bar_bottom = bar_top - BAR;
    let (start, end) = (seconds(thread.start), seconds(thread.end));
    let pixels_per_second =
        f64::from(chart.backend_coord(&(span, bar_top)).0 - chart.backend_coord(&(0.0, bar_top)).0)
            / span;
    // Alive: the whole life in light grey (at least 2 pixels: a thread of a few microseconds
    // is still a thread); what follows paints over it.
    chart.draw_series(std::iter::once(Rectangle::new(
        [
            (start, bar_bottom),
            (end.max(start + 2.0 / pixels_per_second), bar_top),
        ],
        ALIVE.filled(),
    )))?;
    // On a CPU from the bottom, runnable above it.
    for share in &thread.shares {
        let (s0, s1) = (seconds(share.start).max(start), seconds(share.end).min(end));
        if s1 <= s0 {
            continue;
        }
        let on_top = bar_bottom + BAR * share.on_cpu;
        let runnable_top = on_top + BAR * share.runnable;
        if share.on_cpu > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(s0, bar_bottom), (s1, on_top)],
                on_cpu(share.cpu).filled(),
            )))?;
        }
        if share.runnable > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(s0, on_top), (s1, runnable_top)],
                RUNNABLE.filled(),
            )))?;
        }
    }
    // Waits, the whole height of the bar.
    chart.draw_series(thread.waits.iter().map(|w| {
        Rectangle::new(
            [(seconds(w.start), bar_bottom), (seconds(w.end), bar_top)],
            color(w.kind).filled(),
        )
    }))?;
    // A timed wait that gave up: a cross at its end, when the wait is long enough to see.
    let pixels_per_second =
        f64::from(chart.backend_coord(&(span, bar_top)).0 - chart.backend_coord(&(0.0, bar_top)).0)
            / span;
    for wait in thread.waits.iter().filter(|w| w.timed_out) {
        if (seconds(wait.end) - seconds(wait.start)) * pixels_per_second < 24.0 {
            continue;
        }
        let (x, y) = chart.backend_coord(&(seconds(wait.end), (bar_top + bar_bottom) / 2.0));
        area.draw(&Cross::new((x - 5, y), 5, BLACK.stroke_width(2)))?;
    }

    // The row's label: thread name and id, indented under its process.
    let x0 = chart.x_range().start;
    let (_, y) = chart.backend_coord(&(x0, (bar_top + bar_bottom) / 2.0));
    area.draw(&Text::new(
        thread_label(process, thread, cpus as usize),
        (indent(process, true), y),
        ("sans-serif", 13)
            .into_font()
            .color(&RGBColor(40, 40, 40))
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;

    // Prints and marks: a marker at the top of the bar, the text above, as far as the next.
    let mut notes: Vec<(f64, String, RGBColor, bool)> = thread
        .prints
        .iter()
        .map(|p| {
            let color = if p.fd == 2 { STDERR } else { PRINT };
            (seconds(p.time), one_line(&p.text), color, true)
        })
        .chain(
            thread
                .marks
                .iter()
                .map(|m| (seconds(m.time), m.text.clone(), MARK, false)),
        )
        .collect();
    notes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let right_edge = chart.backend_coord(&(span * 1.01, 0.0)).0;
    let pixel_x: Vec<i32> = notes
        .iter()
        .map(|(t, ..)| chart.backend_coord(&(*t, bar_top)).0)
        .collect();
    let (_, marker_y) = chart.backend_coord(&(x0, bar_top));
    // Where the text drawn so far ends, so that the last note may go to the left of its marker.
    let mut used_until = i32::MIN / 2;
    for (i, (_, text, color, is_print)) in notes.iter().enumerate() {
        let x = pixel_x[i];
        if *is_print {
            area.draw(&Polygon::new(
                vec![(x - 4, marker_y - 7), (x + 4, marker_y - 7), (x, marker_y)],
                color.filled(),
            ))?;
        } else {
            area.draw(&PathElement::new(
                vec![(x, marker_y - 8), (x, marker_y + BAR as i32)],
                color.stroke_width(2),
            ))?;
        }
        let font = ("sans-serif", 11).into_font().color(color);
        let right = pixel_x.get(i + 1).copied().unwrap_or(right_edge + 40) - x - 8;
        let left = x - used_until.max(pixel_x.get(i.wrapping_sub(1)).copied().unwrap_or(0)) - 12;
        let fits = text_width(text, 11) <= f64::from(right);
        let last = i + 1 == notes.len();
        if fits || !last || right >= left {
            let shown = abbreviate(text, right, 11);
            if !shown.is_empty() {
                used_until = x + 5 + text_width(&shown, 11).ceil() as i32;
                area.draw(&Text::new(shown, (x + 5, marker_y - 13), font))?;
            }
        } else {
            // The last note, crowded on its right (the end of the chart): its text goes left.
            let shown = abbreviate(text, left, 11);
            if !shown.is_empty() {
                area.draw(&Text::new(
                    shown,
                    (x - 5, marker_y - 13),
                    font.pos(Pos::new(HPos::Right, VPos::Top)),
                ))?;
            }
        }
    }
    Ok(())
}

/// A process's label: `└ s05-lock 3240 · spawned`.
fn process_label(process: &Process) -> String {
    format!(
        "{}{} · {}",
        if process.depth > 0 { "└ " } else { "" },
        one_line(&process.label()),
        process.origin
    )
}

/// A thread's label: `线程1 3241`, with the CPUs it is pinned to when it is.
fn thread_label(process: &Process, thread: &Thread, cpus: usize) -> String {
    let pinned = match &thread.affinity {
        Some(set) if set.split_whitespace().count() < cpus => format!(" · CPUs {set}"),
        _ => String::new(),
    };
    format!(
        "{} {}{pinned}",
        one_line(&thread.label(process.pid)),
        thread.tid
    )
}

/// Where a row's label starts: deeper processes further right, threads under their process.
fn indent(process: &Process, thread: bool) -> i32 {
    8 + 14 * process.depth as i32 + if thread { 18 } else { 0 }
}

/// The legend's coloured entries: the CPUs, runnable, the waits, alive.
fn legend_entries(cpus: usize) -> Vec<(String, RGBColor)> {
    let mut entries: Vec<(String, RGBColor)> = (0..cpus.min(CPU_SHADES.len()))
        .map(|cpu| {
            let label = if cpu == 0 {
                "on CPU 0 (bar height: share of the time)".to_string()
            } else {
                format!("on CPU {cpu}")
            };
            (label, on_cpu(Some(cpu as u32)))
        })
        .collect();
    if cpus > CPU_SHADES.len() {
        entries.push((format!("on CPUs {} …", CPU_SHADES.len()), CPU_SHADES[0]));
    }
    entries.push(("runnable, waiting for a CPU".into(), RUNNABLE));
    entries.extend(
        WaitKind::ALL
            .iter()
            .map(|k| (k.label().to_string(), color(*k))),
    );
    entries.push(("alive, not sampled or in an untraced call".into(), ALIVE));
    entries
}

/// The legend's height for a machine with `cpus` CPUs.
fn legend_height(cpus: usize) -> u32 {
    let rows = legend_entries(cpus).len().div_ceil(LEGEND_COLUMNS);
    rows as u32 * 20 + 36
}

const LEGEND_COLUMNS: usize = 3;

fn legend(area: &DrawingArea<SVGBackend<'_>, Shift>, cpus: f64) -> Result<()> {
    let entries = legend_entries(cpus as usize);
    let font = ("sans-serif", 13).into_font().color(&BLACK);
    let columns = LEGEND_COLUMNS as i32;
    let column_width = (WIDTH as i32 - 40) / columns;
    for (i, (label, color)) in entries.iter().enumerate() {
        let x = 20 + (i as i32 % columns) * column_width;
        let y = 8 + (i as i32 / columns) * 20;
        area.draw(&Rectangle::new([(x, y), (x + 22, y + 13)], color.filled()))?;
        area.draw(&Text::new(label.clone(), (x + 30, y), font.clone()))?;
    }
    let y = 8 + (entries.len().div_ceil(LEGEND_COLUMNS) as i32) * 20;
    area.draw(&Polygon::new(
        vec![(16, y + 1), (24, y + 1), (20, y + 8)],
        PRINT.filled(),
    ))?;
    area.draw(&Text::new(
        format!(
            "a line written to stdout (stderr in red) · ✕ a timed wait that gave up · \
             process rows: CPUs its threads used together (grey lines: 1 … {} CPUs)",
            cpus as usize
        ),
        (30, y),
        font,
    ))?;
    Ok(())
}

/// The text of a print on one line: line ends as ⏎, trailing ones dropped, tabs as spaces, other
/// control characters (a terminal's colour codes: not allowed in SVG) left out.
fn one_line(text: &str) -> String {
    text.trim_end_matches(['\n', '\r'])
        .replace('\n', " ⏎ ")
        .replace('\t', " ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// How wide `text` is in pixels at `size`: wide (CJK) characters count a full em, others about
/// 0.58 em.
pub fn text_width(text: &str, size: u32) -> f64 {
    text.chars()
        .map(|c| if is_wide(c) { 1.0 } else { 0.58 })
        .sum::<f64>()
        * f64::from(size)
}

fn is_wide(c: char) -> bool {
    let c = c as u32;
    (0x1100..=0x115F).contains(&c)
        || (0x2E80..=0xA4CF).contains(&c)
        || (0xAC00..=0xD7A3).contains(&c)
        || (0xF900..=0xFAFF).contains(&c)
        || (0xFE30..=0xFE4F).contains(&c)
        || (0xFF00..=0xFF60).contains(&c)
        || (0xFFE0..=0xFFE6).contains(&c)
}

/// `text`, cut with `…` to fit in `room` pixels; empty when not even two characters fit.
pub fn abbreviate(text: &str, room: i32, size: u32) -> String {
    let room = f64::from(room);
    if text_width(text, size) <= room {
        return text.to_string();
    }
    let mut shown = String::new();
    for c in text.chars() {
        let next = format!("{shown}{c}…");
        if text_width(&next, size) > room {
            break;
        }
        shown.push(c);
    }
    if shown.chars().count() < 2 {
        String::new()
    } else {
        format!("{shown}…")
    }
}

/// An axis label with at most `decimals` decimals: `0.5`, `2`, `0.125`.
fn trim(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviates_to_fit() {
        assert_eq!(abbreviate("1000000", 200, 11), "1000000");
        let cut = abbreviate("执行 12345678", 50, 11);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(text_width(&cut, 11) <= 50.0);
        assert_eq!(abbreviate("开始", 5, 11), "");
    }

    #[test]
    fn wide_characters_are_wider() {
        assert!(text_width("开始", 10) > text_width("ab", 10));
    }

    #[test]
    fn prints_become_one_line() {
        assert_eq!(one_line("a\nb\n"), "a ⏎ b");
        assert_eq!(one_line("\u{1b}[31mred\u{1b}[0m\tx\r\n"), "[31mred[0m x");
    }
}
