//! Privacy: job seekers' data is erased for real, kept no longer than needed, exported on request,
//! and unreadable in a device's stolen storage. Every scenario runs on SQLite and on Postgres.

mod access_export;
mod device_store;
mod erasure;
mod fixtures;
mod personal_fields;
mod retention;

use terrain_tests::on_both_backends;

on_both_backends!(
    erasure::an_erased_person_leaves_no_trace_on_the_server_or_the_devices,
    erasure::erasure_is_refused_to_advisors_and_without_confirmation,
    erasure::the_dashboard_erases_a_person_only_after_the_typed_confirmation,
    personal_fields::a_worksite_change_with_a_personal_field_is_refused_and_changes_nothing,
    personal_fields::a_worksite_text_naming_one_of_its_people_is_refused_and_changes_nothing,
    personal_fields::the_dashboards_edit_naming_one_of_its_people_is_refused_and_changes_nothing,
    personal_fields::the_dashboards_edits_of_one_document_are_written_together_or_not_at_all,
    retention::expired_records_are_erased_by_the_retention_job_and_totals_hold,
    device_store::a_device_store_holds_no_plaintext_and_a_revoked_device_gets_no_key,
    access_export::the_access_export_holds_everything_about_the_person_and_nothing_else,
);
