//! Indicators on a worked example whose figures are computed by hand in the comments.

mod common;

use automerge::Automerge;
use common::*;
use terrain_client_core::edit::Edit;
use terrain_client_core::indicators::{Indicators, indicators};
use terrain_client_core::values::{ContractType, CountingUnit, HoursSource, MeetingKind, Month};

const ME: &str = "Marie Dupont · tablette 1";

fn close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() < 1e-9, "{what}: got {actual}, expected {expected}");
}

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

/// The worked example.
///
/// - Order to start 2026-01-05, clause: 1,200 hours by 2026-12-31.
/// - Placement A (mason, 38 h/week) from 2026-02-02 to `a_end`; realised Feb 140, Mar 160,
///   Apr 150, May 155 = 605 h.
/// - Placement B (helper, 20 h/week) from 2026-03-02 to `b_end`; realised Mar 80, Apr 85,
///   May 90 = 255 h.
/// - Meetings: kick-off 2026-01-12, follow-up 2026-03-10, a mediation 2026-04-20 (does not count
///   as a follow-up) and a follow-up planned for 2026-06-15 (after today: not held yet).
fn example(a_end: &str, b_end: &str) -> Automerge {
    let mut doc = new_worksite(1, ME);
    apply(
        &mut doc,
        Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: Some(d("2026-12-31")) },
        ME,
    );
    let position = item(10);
    apply(
        &mut doc,
        Edit::AddPosition {
            id: position,
            title: "Maçon".into(),
            tasks: "Maçonnerie, façade".into(),
            requirements: "".into(),
            contract_type: ContractType::FixedTerm,
            planned_start: Some(d("2026-02-02")),
            hours_planned: 600.0,
        },
        ME,
    );
    let placements: [(u32, f64, &str, &str, &[(&str, f64)]); 2] = [
        (
            20,
            38.0,
            "2026-02-02",
            a_end,
            &[("2026-02", 140.0), ("2026-03", 160.0), ("2026-04", 150.0), ("2026-05", 155.0)],
        ),
        (21, 20.0, "2026-03-02", b_end, &[("2026-03", 80.0), ("2026-04", 85.0), ("2026-05", 90.0)]),
    ];
    for (n, weekly, start, end, hours) in placements {
        apply(
            &mut doc,
            Edit::AddPlacement {
                id: item(n),
                person: doc_id(100 + n),
                position,
                contract_type: ContractType::FixedTerm,
                start: Some(d(start)),
                end: Some(d(end)),
                weekly_hours: weekly,
            },
            ME,
        );
        for (m, h) in hours {
            apply(
                &mut doc,
                Edit::RecordHours { placement: item(n), month: month(m), hours: *h, source: HoursSource::Payroll },
                ME,
            );
        }
    }
    for (n, kind, date) in [
        (30, MeetingKind::Kickoff, "2026-01-12"),
        (31, MeetingKind::FollowUp, "2026-03-10"),
        (32, MeetingKind::Mediation, "2026-04-20"),
        (33, MeetingKind::FollowUp, "2026-06-15"),
    ] {
        apply(
            &mut doc,
            Edit::AddMeeting {
                id: item(n),
                kind,
                date: Some(d(date)),
                place: "Sur chantier".into(),
                notes: "".into(),
                next_meeting: None,
            },
            ME,
        );
    }
    doc
}

#[test]
fn worked_example_short_of_the_objective_needs_recruitment() {
    // A ends 2026-06-30, B ends 2026-07-31 (both before the deadline).
    let w = worksite(&example("2026-06-30", "2026-07-31"));
    let i: Indicators = indicators(&w, d("2026-06-01"));

    close(i.objective, 1200.0, "objective");
    // 605 + 255 = 860 h realised.
    close(i.realised, 860.0, "realised");
    // 860 / 1200.
    close(i.done_ratio, 860.0 / 1200.0, "done_ratio");
    // 2026-01-05 → 2026-06-01 is 147 days; 2026-01-05 → 2026-12-31 is 360 days.
    close(i.elapsed_ratio, 147.0 / 360.0, "elapsed_ratio");
    // A: 2026-06-01 → 2026-06-30 = 29 days → 38 × 29 / 7 = 1102/7 ≈ 157.43 h.
    // B: 2026-06-01 → 2026-07-31 = 60 days → 20 × 60 / 7 = 1200/7 ≈ 171.43 h.
    // Forecast 860 + 2302/7 ≈ 1188.86 h < 1200 h.
    close(i.forecast, 860.0 + 38.0 * 29.0 / 7.0 + 20.0 * 60.0 / 7.0, "forecast");
    assert!(i.forecast < 1200.0);
    assert!(i.recruitment_needed, "a forecast of {} h short of 1,200 h must ask for recruitment", i.forecast);
    // Last follow-up held 2026-03-10 (the mediation does not count, the 2026-06-15 one is not
    // held yet) + 2 months = 2026-05-10, overdue by 22 days on 2026-06-01.
    assert_eq!(i.next_follow_up_due, Some(d("2026-05-10")));
    assert_eq!(i.follow_up_overdue_days, 22);
    assert!(i.follow_up_overdue());
}

#[test]
fn forecast_stops_at_the_deadline_and_can_reach_the_objective() {
    // A ends 2026-06-30; B runs until 2027-03-31, past the deadline: it counts only until
    // 2026-12-31, i.e. 213 days from 2026-06-01 → 20 × 213 / 7 = 4260/7 h (not 20 × 303 / 7).
    // Forecast 860 + 1102/7 + 4260/7 = 860 + 5362/7 = 860 + 766 = 1626 h ≥ 1200 h.
    let w = worksite(&example("2026-06-30", "2027-03-31"));
    let i = indicators(&w, d("2026-06-01"));
    close(i.realised, 860.0, "realised");
    close(i.forecast, 1626.0, "forecast");
    assert!(!i.recruitment_needed, "a forecast of {} h reaches 1,200 h", i.forecast);

    // A week after the last held follow-up is not overdue.
    let i = indicators(&w, d("2026-03-17"));
    assert_eq!(i.next_follow_up_due, Some(d("2026-05-10")));
    assert_eq!(i.follow_up_overdue_days, 0);
    assert!(!i.follow_up_overdue());
}

#[test]
fn ended_placements_count_in_realised_hours_but_not_in_the_forecast() {
    let mut doc = example("2026-06-30", "2026-07-31");
    // B ends early, on 2026-05-29: its 255 h stay, its 1200/7 h ahead go.
    apply(&mut doc, Edit::EndPlacement { placement: item(21), end: d("2026-05-29"), reason: "démission".into() }, ME);
    let i = indicators(&worksite(&doc), d("2026-06-01"));
    close(i.realised, 860.0, "realised");
    close(i.forecast, 860.0 + 38.0 * 29.0 / 7.0, "forecast");
    assert!(i.recruitment_needed);
}

#[test]
fn elapsed_ratio_is_zero_before_the_start_and_one_after_the_deadline() {
    let w = worksite(&example("2026-06-30", "2026-07-31"));
    close(indicators(&w, d("2025-12-01")).elapsed_ratio, 0.0, "before the order to start");
    close(indicators(&w, d("2027-02-01")).elapsed_ratio, 1.0, "after the deadline");
    // After the deadline nothing is ahead: the forecast is what was realised.
    close(indicators(&w, d("2027-02-01")).forecast, 860.0, "forecast after the deadline");
}

#[test]
fn positions_clause_counts_placements() {
    let mut doc = example("2026-06-30", "2026-07-31");
    // Three positions to fill by the deadline; two people hired.
    apply(
        &mut doc,
        Edit::SetClause { unit: CountingUnit::Positions, objective: 3.0, deadline: Some(d("2026-12-31")) },
        ME,
    );
    let i = indicators(&worksite(&doc), d("2026-06-01"));
    close(i.objective, 3.0, "objective");
    close(i.realised, 2.0, "realised");
    close(i.done_ratio, 2.0 / 3.0, "done_ratio");
    close(i.forecast, 2.0, "forecast");
    assert!(i.recruitment_needed, "2 of 3 positions filled: one more hire is needed");

    // A third hire meets the objective.
    apply(
        &mut doc,
        Edit::AddPlacement {
            id: item(22),
            person: doc_id(122),
            position: item(10),
            contract_type: ContractType::Fpi,
            start: Some(d("2026-06-15")),
            end: None,
            weekly_hours: 38.0,
        },
        ME,
    );
    let i = indicators(&worksite(&doc), d("2026-06-01"));
    close(i.realised, 3.0, "realised");
    close(i.done_ratio, 1.0, "done_ratio");
    assert!(!i.recruitment_needed);
}

#[test]
fn a_worksite_without_meetings_has_no_follow_up_due() {
    let mut doc = new_worksite(1, ME);
    apply(&mut doc, Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: None }, ME);
    let w = worksite(&doc);
    // The deadline defaults to the planned end of works (2026-12-31).
    assert_eq!(w.deadline(), Some(d("2026-12-31")));
    let i = indicators(&w, d("2026-06-01"));
    assert_eq!(i.next_follow_up_due, None);
    assert_eq!(i.follow_up_overdue_days, 0);
    assert!(!i.follow_up_overdue());
    close(i.realised, 0.0, "realised");
    close(i.done_ratio, 0.0, "done_ratio");
    close(i.elapsed_ratio, 147.0 / 360.0, "elapsed_ratio");
    // Nothing realised, nobody hired: recruitment is needed.
    assert!(i.recruitment_needed);
}

#[test]
fn a_worksite_with_no_objective_needs_no_recruitment() {
    let w = worksite(&new_worksite(1, ME));
    let i = indicators(&w, d("2026-06-01"));
    close(i.objective, 0.0, "objective");
    close(i.done_ratio, 0.0, "done_ratio");
    assert!(!i.recruitment_needed);
}
