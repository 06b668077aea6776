//! The messages-per-month chart of the readiness report: an inline SVG (no script, no external asset) the admin
//! reads to choose -StartDate. One `<rect class="bar">` per month, months without messages included, heights
//! to scale (the busiest month is the full plot height), a `<title>` per bar (shown on hover) with the month and
//! its count, and axis labels thinned so they never overlap, from one month to thousands. The SVG scales to the
//! page's width (viewBox), so it never makes the page wider than the window.

use super::figures::{Month, MonthCount};
use super::report::escape;
use crate::util::units::format_count;
use std::fmt::Write as _;

/// The drawing's coordinate space (scaled to the page width by the browser).
pub const WIDTH: f64 = 960.0;
pub const HEIGHT: f64 = 320.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 44.0;
/// Height of the plot area: the busiest month's bar.
pub const PLOT_HEIGHT: f64 = HEIGHT - TOP - BOTTOM;
const PLOT_WIDTH: f64 = WIDTH - LEFT - RIGHT;
/// The widest bar (a single month does not fill the chart).
const MAX_BAR: f64 = 48.0;
/// Labels need this much room apart (drawing units; a `YYYY-MM` label at 11 px is about 45).
const LABEL_SPACING: f64 = 64.0;

/// The height of a month's bar, in drawing units.
pub fn bar_height(messages: u64, max: u64) -> f64 {
    if max == 0 {
        0.0
    } else {
        messages as f64 / max as f64 * PLOT_HEIGHT
    }
}

/// Which months carry an x-axis label: every `step` months (1, 2, 3, 4, 6) labelled `YYYY-MM`, or every `step`
/// years (1, 2, 5, 10, ...) labelled `YYYY` on their January, whichever is the finest that keeps labels
/// [`LABEL_SPACING`] apart.
fn label_for(month: Month, slot: f64) -> Option<String> {
    let needed = (LABEL_SPACING / slot).ceil().max(1.0);
    if let Some(step) = [1u32, 2, 3, 4, 6]
        .into_iter()
        .find(|s| f64::from(*s) >= needed)
    {
        return (month.month - 1)
            .is_multiple_of(step)
            .then(|| month.label());
    }
    let years_needed = (needed / 12.0).ceil();
    let step = [1i32, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        .into_iter()
        .find(|s| f64::from(*s) >= years_needed)
        .unwrap_or(10_000);
    (month.month == 1 && month.year.rem_euclid(step) == 0).then(|| format!("{:04}", month.year))
}

/// The SVG. `start` marks the months before -StartDate (drawn lighter: an export with it leaves them out).
pub fn render_svg(months: &[MonthCount], start: Option<Month>) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" role=\"img\" aria-labelledby=\"chart-title\">\
         <title id=\"chart-title\">Messages per month</title>"
    );
    let max = months.iter().map(|m| m.messages).max().unwrap_or(0);
    axes(&mut svg, max);
    if months.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">No messages</text>",
            LEFT + PLOT_WIDTH / 2.0,
            TOP + PLOT_HEIGHT / 2.0
        );
        svg.push_str("</svg>");
        return svg;
    }
    let count = months.len() as f64;
    let slot = PLOT_WIDTH / count;
    let bar = if slot >= 3.0 { slot * 0.8 } else { slot }.min(MAX_BAR);
    let base = TOP + PLOT_HEIGHT;
    for (i, m) in months.iter().enumerate() {
        let x0 = LEFT + i as f64 * slot;
        let h = bar_height(m.messages, max);
        let month = Month {
            year: m.year,
            month: m.month_number,
        };
        let class = if start.is_some_and(|s| month < s) {
            "bar before-start"
        } else {
            "bar"
        };
        let _ = write!(
            svg,
            "<rect class=\"{class}\" data-month=\"{}\" data-messages=\"{}\" x=\"{:.3}\" y=\"{:.3}\" \
             width=\"{:.3}\" height=\"{:.3}\"><title>{}: {} messages</title></rect>",
            escape(&m.month),
            m.messages,
            x0 + (slot - bar) / 2.0,
            base - h,
            bar,
            h,
            escape(&m.month),
            format_count(m.messages)
        );
        if let Some(label) = label_for(month, slot) {
            let x = x0 + slot / 2.0;
            let _ = write!(
                svg,
                "<line class=\"tick\" x1=\"{x:.3}\" y1=\"{base}\" x2=\"{x:.3}\" y2=\"{}\"/>\
                 <text class=\"x-label\" x=\"{x:.3}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                base + 5.0,
                base + 18.0,
                escape(&label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The y axis with four gridlines labelled with their counts, and the x axis line.
fn axes(svg: &mut String, max: u64) {
    let base = TOP + PLOT_HEIGHT;
    for quarter in 0..=4u32 {
        let y = base - PLOT_HEIGHT * f64::from(quarter) / 4.0;
        let value = (max as f64 * f64::from(quarter) / 4.0).round() as u64;
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y:.3}\" x2=\"{}\" y2=\"{y:.3}\"/>\
             <text class=\"y-label\" x=\"{}\" y=\"{:.3}\" text-anchor=\"end\">{}</text>",
            LEFT + PLOT_WIDTH,
            LEFT - 6.0,
            y + 4.0,
            format_count(value)
        );
    }
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">month (UTC)</text>",
        LEFT + PLOT_WIDTH,
        LEFT + PLOT_WIDTH / 2.0,
        HEIGHT - 6.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(first_year: i32, n: usize, f: impl Fn(usize) -> u64) -> Vec<MonthCount> {
        let mut m = Month {
            year: first_year,
            month: 1,
        };
        (0..n)
            .map(|i| {
                let out = MonthCount {
                    month: m.label(),
                    year: m.year,
                    month_number: m.month,
                    messages: f(i),
                };
                m = m.next();
                out
            })
            .collect()
    }

    #[test]
    fn one_bar_per_month_heights_to_scale() {
        let data = months(2010, 3, |i| [10, 0, 40][i]);
        let svg = render_svg(&data, None);
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
        assert!(svg.contains(&format!("height=\"{:.3}\"", PLOT_HEIGHT)));
        assert!(svg.contains(&format!("height=\"{:.3}\"", PLOT_HEIGHT / 4.0)));
        assert!(svg.contains("<title>2010-03: 40 messages</title>"));
        assert!(!svg.contains("<script"));
    }

    #[test]
    fn labels_thin_out_without_overlapping() {
        for n in [1usize, 12, 100, 1_000, 5_000] {
            let data = months(1900, n, |i| i as u64);
            let svg = render_svg(&data, None);
            let labels = svg.matches("class=\"x-label\"").count();
            assert!(labels >= 1, "{n} months: some label");
            let slot = PLOT_WIDTH / n as f64;
            // Labels are at least LABEL_SPACING apart: never more than fit.
            assert!(
                (labels as f64 - 1.0) * LABEL_SPACING <= PLOT_WIDTH + slot,
                "{n} months: {labels} labels overlap"
            );
            assert_eq!(svg.matches("<rect class=\"bar\"").count(), n);
        }
        let single = render_svg(&months(2011, 1, |_| 5), None);
        assert!(single.contains(">2011-01</text>"));
        assert!(
            single.contains(&format!("width=\"{MAX_BAR:.3}\"")),
            "{single}"
        );
    }

    #[test]
    fn months_before_the_start_date_are_marked() {
        let data = months(2010, 4, |_| 1);
        let svg = render_svg(
            &data,
            Some(Month {
                year: 2010,
                month: 3,
            }),
        );
        assert_eq!(svg.matches("bar before-start").count(), 2);
        assert!(render_svg(&[], None).contains("No messages"));
    }
}
