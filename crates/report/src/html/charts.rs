//! Horizontal bar charts drawn as inline SVG.

use maud::{html, Markup};

/// One bar: label, count and fill colour (a CSS colour literal of ours).
pub(crate) struct Bar<'a> {
    pub label: &'a str,
    pub count: usize,
    pub colour: &'static str,
}

const WIDTH: f64 = 420.0;
const LABEL_WIDTH: f64 = 92.0;
const COUNT_WIDTH: f64 = 56.0;
const ROW: f64 = 30.0;
const BAR: f64 = 20.0;

/// A bar chart; bars scale to the largest count.
pub(crate) fn bar_chart(title: &str, bars: &[Bar<'_>]) -> Markup {
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let height = ROW * bars.len() as f64 + 8.0;
    let track = WIDTH - LABEL_WIDTH - COUNT_WIDTH;
    let total: usize = bars.iter().map(|b| b.count).sum();
    let described: Vec<String> = bars
        .iter()
        .map(|b| format!("{} {}", b.label, b.count))
        .collect();
    html! {
        figure.chart {
            figcaption { (title) " " span.muted { "(" (total) ")" } }
            svg xmlns="http://www.w3.org/2000/svg" role="img"
                viewBox={ "0 0 " (WIDTH) " " (height) }
                width=(WIDTH) height=(height)
                aria-label={ (title) ": " (described.join(", ")) } {
                title { (title) }
                @for (i, b) in bars.iter().enumerate() {
                    @let y = 4.0 + ROW * i as f64;
                    @let w = if b.count == 0 { 0.0 } else { (track * b.count as f64 / max).max(2.0) };
                    g.bar {
                        text x=(LABEL_WIDTH - 8.0) y=(y + BAR / 2.0 + 5.0) text-anchor="end" { (b.label) }
                        rect.track x=(LABEL_WIDTH) y=(y) width=(track) height=(BAR) rx="3" {}
                        rect x=(LABEL_WIDTH) y=(y) width=(format!("{w:.1}")) height=(BAR) rx="3" fill=(b.colour) {
                            title { (b.label) ": " (b.count) }
                        }
                        text.count x=(LABEL_WIDTH + track + 8.0) y=(y + BAR / 2.0 + 5.0) { (b.count) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_count() {
        let bars = [
            Bar {
                label: "high",
                count: 4,
                colour: "#000",
            },
            Bar {
                label: "low",
                count: 1,
                colour: "#000",
            },
            Bar {
                label: "none",
                count: 0,
                colour: "#000",
            },
        ];
        let svg = bar_chart("By <priority>", &bars).into_string();
        let track = WIDTH - LABEL_WIDTH - COUNT_WIDTH;
        assert!(svg.contains(&format!(
            "width=\"{track:.1}\" height=\"{BAR}\" rx=\"3\" fill"
        )));
        assert!(svg.contains(&format!("width=\"{:.1}\"", track / 4.0)));
        assert!(svg.contains("width=\"0.0\""));
        assert!(svg.contains("By &lt;priority&gt;: high 4, low 1, none 0"));
    }
}
