//! SVG charts (plotters): lines against a numeric x axis, or grouped bars over categories.

use std::ops::Range;
use std::path::Path;

use plotters::prelude::*;

use crate::measure::Result;

/// A chart to draw.
#[derive(Debug)]
pub enum Chart {
    /// Lines through points; the x axis is numeric.
    Lines {
        x_label: String,
        y_label: String,
        log_x: bool,
        log_y: bool,
        series: Vec<Series>,
    },
    /// One group of bars per category, one bar per group member.
    Bars {
        y_label: String,
        log_y: bool,
        categories: Vec<String>,
        groups: Vec<(String, Vec<f64>)>,
    },
}

/// One line: its name and its (x, y) points.
#[derive(Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

const SIZE: (u32, u32) = (900, 540);

/// The `i`-th series' colour: ten distinct ones (question 6 has eight series), then again.
fn color(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

/// The range that holds `values`, with a margin; from zero unless logarithmic.
fn span(values: impl Iterator<Item = f64>, log: bool) -> Range<f64> {
    let values: Vec<f64> = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        return if log { 1.0..10.0 } else { 0.0..1.0 };
    }
    // Room above the highest point for the legend.
    if log {
        (lo / 1.5)..(hi * 6.0)
    } else {
        0.0..(hi * 1.35).max(f64::MIN_POSITIVE)
    }
}

impl Chart {
    /// Draws the chart into an SVG file at `path`.
    pub fn write_svg(&self, path: &Path, title: &str) -> Result<()> {
        let root = SVGBackend::new(path, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        match self {
            Chart::Lines {
                x_label,
                y_label,
                log_x,
                log_y,
                series,
            } => {
                let xs = span(
                    series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
                    *log_x,
                );
                let ys = span(
                    series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                    *log_y,
                );
                // Four combinations of linear and logarithmic axes, each its own type.
                match (*log_x, *log_y) {
                    (false, false) => lines(&root, title, x_label, y_label, xs, ys, series),
                    (true, false) => {
                        lines(&root, title, x_label, y_label, xs.log_scale(), ys, series)
                    }
                    (false, true) => {
                        lines(&root, title, x_label, y_label, xs, ys.log_scale(), series)
                    }
                    (true, true) => lines(
                        &root,
                        title,
                        x_label,
                        y_label,
                        xs.log_scale(),
                        ys.log_scale(),
                        series,
                    ),
                }?;
            }
            Chart::Bars {
                y_label,
                log_y,
                categories,
                groups,
            } => {
                // A group with no figure at all (no python3, say) gets no place on the chart.
                let groups: Vec<(String, Vec<f64>)> = groups
                    .iter()
                    .filter(|g| g.1.iter().any(|v| v.is_finite()))
                    .cloned()
                    .collect();
                let ys = span(groups.iter().flat_map(|g| g.1.iter().copied()), *log_y);
                if *log_y {
                    bars(&root, title, y_label, ys.log_scale(), categories, &groups)?;
                } else {
                    bars(&root, title, y_label, ys, categories, &groups)?;
                }
            }
        }
        root.present()?;
        Ok(())
    }
}

fn lines<X, Y>(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: X,
    ys: Y,
    series: &[Series],
) -> Result<()>
where
    X: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    X::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(xs, ys)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| short(*v))
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let style = color(i).stroke_width(2);
        // A figure that was not measured (NaN: no python3, say) is no point of the line.
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if points.is_empty() {
            continue;
        }
        let drawn = if s.dashed {
            chart.draw_series(DashedLineSeries::new(points.clone(), 8, 6, style))?
        } else {
            chart.draw_series(LineSeries::new(points.clone(), style))?
        };
        drawn.label(s.name.as_str()).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], color(i).stroke_width(2))
        });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color(i).filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}

fn bars<Y>(
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    y_label: &str,
    ys: Y,
    categories: &[String],
    groups: &[(String, Vec<f64>)],
) -> Result<()>
where
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let n = categories.len().max(1);
    let labels: Vec<String> = categories.to_vec();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(64)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..n as f64, ys)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            let centre = (x - x.floor() - 0.5).abs() < 0.01;
            if centre {
                labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(y_label)
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    let width = 0.8 / groups.len().max(1) as f64;
    for (g, (name, values)) in groups.iter().enumerate() {
        let bars = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(c, v)| {
                let left = c as f64 + 0.1 + g as f64 * width;
                Rectangle::new(
                    [
                        (left, 0.0_f64.max(f64::MIN_POSITIVE)),
                        (left + width * 0.9, *v),
                    ],
                    color(g).filled(),
                )
            });
        chart
            .draw_series(bars)?
            .label(name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color(g).filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

/// An axis label: `1000`, `2.5`, `0.05`, `12k`, `3.4M`.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
