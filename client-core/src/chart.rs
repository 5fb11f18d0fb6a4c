//! The pace chart of a worksite: hours realised month by month against the pace needed to meet
//! the clause objective by the deadline, with the forecast. Pure: the data ([`pace_chart`]), its
//! geometry in any box ([`Geometry`]) and an SVG drawing ([`pace_svg`]) for the office page and
//! the tablet; the server draws the same geometry as vector paths in the progress report PDF.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::i18n::{Lang, format_hours, format_month_short};
use crate::indicators::indicators;
use crate::model::Worksite;
use crate::values::{CountingUnit, Month};

/// The figures of a pace chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PaceChart {
    /// Every month of the x axis, consecutive, from the order to start (or the first hours) to the
    /// deadline (or the last hours).
    pub months: Vec<Month>,
    /// Hours realised in each month of `months` (0 when none): the sum over placements.
    pub monthly: Vec<f64>,
    /// Hours realised so far at the end of each month, up to the current month or the last month
    /// with hours, whichever is later.
    pub realised: Vec<f64>,
    /// Cumulative hours needed at the end of each month of `months` to meet the objective by the
    /// deadline at an even pace: the last value is the objective (when there is a deadline).
    pub pace: Vec<f64>,
    /// The forecast at the deadline at the current pace (indicators), drawn from the last realised
    /// point to the deadline.
    pub forecast: f64,
    /// The clause objective, in hours.
    pub objective: f64,
}

fn next(m: Month) -> Month {
    if m.number() == 12 { Month::new(m.year() + 1, 1) } else { Month::new(m.year(), m.number() + 1) }.unwrap_or(m)
}

fn first_day(m: Month) -> NaiveDate {
    NaiveDate::from_ymd_opt(m.year(), m.number(), 1).unwrap_or_default()
}

/// The pace chart of an hours clause; `None` for a positions clause or when there is nothing to
/// draw (no dates and no hours).
pub fn pace_chart(w: &Worksite, today: NaiveDate) -> Option<PaceChart> {
    if w.clause.unit != CountingUnit::Hours {
        return None;
    }
    let mut per_month: BTreeMap<Month, f64> = BTreeMap::new();
    for p in &w.placements {
        for h in &p.hours {
            *per_month.entry(h.month).or_default() += h.hours.get();
        }
    }
    let start = w.order_to_start;
    let deadline = w.deadline();
    let first = [start.map(Month::of), per_month.keys().next().copied()].into_iter().flatten().min()?;
    let last = [deadline.map(Month::of), per_month.keys().next_back().copied()].into_iter().flatten().max()?;
    let mut months = vec![first];
    while *months.last()? < last && months.len() < 600 {
        let m = next(*months.last()?);
        months.push(m);
    }
    let monthly: Vec<f64> = months.iter().map(|m| per_month.get(m).copied().unwrap_or(0.0)).collect();
    let realised_until = [Some(Month::of(today).min(last)), per_month.keys().next_back().copied()]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(first);
    let mut total = 0.0;
    let realised: Vec<f64> = months
        .iter()
        .zip(&monthly)
        .take_while(|(m, _)| **m <= realised_until)
        .map(|(_, h)| {
            total += h;
            total
        })
        .collect();
    let objective = w.clause.objective;
    let pace: Vec<f64> = months
        .iter()
        .map(|m| match (start, deadline) {
            (Some(s), Some(d)) if d > s => {
                let end_of_month = first_day(next(*m)).pred_opt().unwrap_or(d);
                let share = ((end_of_month.min(d) - s).num_days() as f64 / (d - s).num_days() as f64).clamp(0.0, 1.0);
                if end_of_month >= d { objective } else { objective * share }
            }
            _ => objective,
        })
        .collect();
    Some(PaceChart { months, monthly, realised, pace, forecast: indicators(w, today).forecast, objective })
}

/// The chart laid out in a box of `width` × `height` (y grows downwards, as in SVG and krilla).
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Bars of the monthly hours: index in `months`, x, y, width, height.
    pub bars: Vec<(usize, f32, f32, f32, f32)>,
    /// The cumulative hours realised, from the axis at the start of the first month.
    pub realised: Vec<(f32, f32)>,
    /// The pace needed, from the axis at the start of the first month.
    pub pace: Vec<(f32, f32)>,
    /// The forecast: from the last realised point to the deadline.
    pub forecast: [(f32, f32); 2],
    /// Horizontal grid lines: y and the value they stand for.
    pub grid: Vec<(f32, f64)>,
    /// Month labels: x of the month's middle and the month.
    pub ticks: Vec<(f32, Month)>,
    /// The plot area: left, top, right, bottom.
    pub plot: (f32, f32, f32, f32),
}

impl PaceChart {
    /// The largest value drawn.
    fn top_value(&self) -> f64 {
        let m = self.realised.iter().chain(&self.pace).chain(&self.monthly).copied().fold(self.objective, f64::max);
        m.max(self.forecast).max(1.0)
    }

    /// Lay the chart out in a box.
    pub fn geometry(&self, width: f32, height: f32) -> Geometry {
        let (left, top, right, bottom) = (48.0, 8.0, width - 8.0, height - 22.0);
        let n = self.months.len().max(1) as f32;
        let step = (right - left) / n;
        let step_value = nice_step(self.top_value() / 4.0);
        let max = (self.top_value() / step_value).ceil() * step_value;
        let y = |v: f64| bottom - ((v / max) as f32) * (bottom - top);
        let x_end = |i: usize| left + (i as f32 + 1.0) * step;
        let bars = self
            .monthly
            .iter()
            .enumerate()
            .filter(|(_, h)| **h > 0.0)
            .map(|(i, h)| (i, left + i as f32 * step + step * 0.2, y(*h), step * 0.6, bottom - y(*h)))
            .collect();
        let from_axis = |values: &[f64]| {
            let mut pts = vec![(left, bottom)];
            pts.extend(values.iter().enumerate().map(|(i, v)| (x_end(i), y(*v))));
            pts
        };
        let realised = from_axis(&self.realised);
        let pace = from_axis(&self.pace);
        let last = *realised.last().unwrap_or(&(left, bottom));
        let forecast = [last, (x_end(self.months.len().saturating_sub(1)), y(self.forecast))];
        let grid = (0..=((max / step_value).round() as usize))
            .map(|k| (y(k as f64 * step_value), k as f64 * step_value))
            .collect();
        let every = (self.months.len() / 8).max(1);
        let ticks = self
            .months
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, m)| (left + (i as f32 + 0.5) * step, *m))
            .collect();
        Geometry { bars, realised, pace, forecast, grid, ticks, plot: (left, top, right, bottom) }
    }
}

fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let f = raw / magnitude;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The legend's three texts: hours realised, pace needed, forecast.
pub fn legend(lang: Lang) -> [&'static str; 3] {
    match lang {
        Lang::Fr => ["Heures réalisées (cumul)", "Rythme nécessaire pour l'objectif", "Prévision"],
        Lang::Nl => ["Gepresteerde uren (cumulatief)", "Nodig tempo voor de doelstelling", "Prognose"],
        Lang::En => ["Hours realised (cumulative)", "Pace needed for the objective", "Forecast"],
    }
}

fn points(pts: &[(f32, f32)]) -> String {
    pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The chart as an inline SVG (640 × 240 user units, scaled to its container). Bars carry
/// `data-month` and `data-hours`, the pace line `data-values`, so a test can read the figures.
pub fn pace_svg(chart: &PaceChart, lang: Lang) -> String {
    let (w, h) = (640.0, 240.0);
    let g = chart.geometry(w, h);
    let [l_realised, l_pace, l_forecast] = legend(lang);
    let mut s = format!(
        "<svg class=\"pace-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {}\" role=\"img\" \
         aria-label=\"{}\" style=\"max-width:100%;height:auto;font:10px sans-serif\">",
        h + 18.0,
        escape(l_pace)
    );
    for (y, v) in &g.grid {
        s.push_str(&format!(
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" \
             text-anchor=\"end\" fill=\"#555\">{}</text>",
            g.plot.0,
            g.plot.2,
            g.plot.0 - 4.0,
            y + 3.0,
            escape(&format_hours(*v, lang))
        ));
    }
    for &(i, x, y, bw, bh) in &g.bars {
        let m = chart.months[i];
        s.push_str(&format!(
            "<rect class=\"month\" data-month=\"{m}\" data-hours=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" \
             height=\"{bh:.1}\" fill=\"#9ecae1\"><title>{m} : {}</title></rect>",
            chart.monthly[i],
            escape(&format_hours(chart.monthly[i], lang))
        ));
    }
    let values = |v: &[f64]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" ");
    s.push_str(&format!(
        "<polyline class=\"pace\" data-values=\"{}\" points=\"{}\" fill=\"none\" stroke=\"#d62728\" \
         stroke-dasharray=\"6 4\" stroke-width=\"2\"/>",
        values(&chart.pace),
        points(&g.pace)
    ));
    s.push_str(&format!(
        "<polyline class=\"forecast\" data-value=\"{}\" points=\"{}\" fill=\"none\" stroke=\"#ff7f0e\" \
         stroke-dasharray=\"2 3\" stroke-width=\"2\"/>",
        chart.forecast,
        points(&g.forecast)
    ));
    s.push_str(&format!(
        "<polyline class=\"realised\" data-values=\"{}\" points=\"{}\" fill=\"none\" stroke=\"#1f77b4\" \
         stroke-width=\"2.5\"/>",
        values(&chart.realised),
        points(&g.realised)
    ));
    s.push_str(&format!(
        "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{2:.1}\" y2=\"{1:.1}\" stroke=\"#333\"/>",
        g.plot.0, g.plot.3, g.plot.2
    ));
    for (x, m) in &g.ticks {
        s.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            g.plot.3 + 14.0,
            format_month_short(*m)
        ));
    }
    let ly = h + 12.0;
    for (i, (text, colour, dash)) in
        [(l_realised, "#1f77b4", ""), (l_pace, "#d62728", "6 4"), (l_forecast, "#ff7f0e", "2 3")].iter().enumerate()
    {
        let x = 48.0 + i as f32 * 200.0;
        s.push_str(&format!(
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"2\" \
             stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"{ly}\">{}</text>",
            ly - 3.0,
            x + 18.0,
            ly - 3.0,
            x + 22.0,
            escape(text)
        ));
    }
    s.push_str("</svg>");
    s
}

/// A small bar of progress against elapsed time, for the portfolio: the share of the objective
/// done (filled) and the share of the period elapsed (a tick), both 0–1.
pub fn progress_svg(done_ratio: f64, elapsed_ratio: f64, lang: Lang) -> String {
    let done = (done_ratio.clamp(0.0, 1.0) * 100.0) as f32;
    let elapsed = (elapsed_ratio.clamp(0.0, 1.0) * 100.0) as f32;
    let behind = done_ratio + 1e-9 < elapsed_ratio;
    let colour = if behind { "#d62728" } else { "#2ca02c" };
    let title = match lang {
        Lang::Fr => "Réalisé / période écoulée",
        Lang::Nl => "Gerealiseerd / verstreken periode",
        Lang::En => "Done / period elapsed",
    };
    format!(
        "<svg class=\"progress\" data-done=\"{done_ratio}\" data-elapsed=\"{elapsed_ratio}\" \
         xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 10\" width=\"100\" height=\"10\" role=\"img\" \
         aria-label=\"{title}\"><title>{title}</title><rect width=\"100\" height=\"10\" fill=\"#eee\"/><rect \
         width=\"{done:.1}\" height=\"10\" fill=\"{colour}\"/><line x1=\"{elapsed:.1}\" y1=\"0\" x2=\"{elapsed:.1}\" \
         y2=\"10\" stroke=\"#000\" stroke-width=\"1.5\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(600.0), 1000.0);
        assert_eq!(nice_step(230.0), 250.0);
        assert_eq!(nice_step(0.3), 1.0);
    }
}
