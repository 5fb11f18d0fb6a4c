//! End-to-end: devices with client-core's native store sync over HTTP with a real server on a
//! loopback port, on SQLite and on Postgres. One suite, two backends: every scenario below runs
//! once per backend.

mod admission;
mod cache;
mod compression;
mod durability;
mod fast_path;
mod fixtures;
mod fleet;
mod hostile;
mod live;
mod load;
mod merge;
mod metrics;
mod news;
mod projection;
mod reproject;
mod restart;
mod schema;
mod shutdown;
mod storm;

use terrain_tests::on_both_backends;

on_both_backends!(
    merge::two_offline_devices_converge_a_then_b,
    merge::two_offline_devices_converge_b_then_a,
    projection::plain_sql_answers_office_questions,
    reproject::serve_rebuilds_outdated_projection_rows_before_it_listens,
    durability::a_server_killed_with_sigkill_loses_nothing_acknowledged,
    durability::a_sync_cut_off_half_way_resumes_and_completes,
    durability::a_restarted_device_keeps_its_edits_and_syncs_them_later,
    hostile::malformed_messagepack_is_refused_and_changes_nothing,
    hostile::a_sync_message_with_flipped_bytes_is_refused_and_changes_nothing,
    hostile::an_oversized_body_is_refused_and_changes_nothing,
    hostile::a_change_that_breaks_the_schema_is_refused_and_changes_nothing,
    hostile::a_compressed_body_is_limited_by_its_inflated_size,
    shutdown::sigterm_stops_the_server_with_a_live_stream_open,
    metrics::metrics_count_syncs_refusals_bytes_and_documents,
    load::five_hundred_concurrent_sign_ins_are_answered_in_bounded_memory,
    live::a_sync_through_one_server_is_heard_on_another,
    live::the_stream_ends_when_the_server_stops,
    news::an_upload_does_not_come_back_as_news,
    fast_path::uploads_catch_ups_and_idle_syncs_take_one_round_trip,
    fast_path::a_lost_answer_is_healed_and_loses_nothing,
    fast_path::devices_of_both_protocol_versions_converge_on_one_worksite,
    cache::a_session_rebuilds_nothing_twice_and_never_serves_a_stale_copy,
    compression::sync_answers_are_gzipped_when_it_pays,
    compression::the_tablet_app_is_served_gzipped_to_browsers_that_accept_it,
    storm::kill_9_during_a_storm_of_tablets_loses_nothing_acknowledged,
    admission::twenty_first_syncs_at_once_are_all_served_paged_in_bounded_memory,
    admission::a_first_sync_over_ten_thousand_worksites_completes_in_one_paged_session,
    admission::a_device_holding_more_documents_than_a_request_may_name_is_not_stuck,
    admission::many_worksites_assigned_at_once_arrive_a_page_at_a_time,
    schema::an_app_of_the_previous_schema_is_told_to_update_and_loses_nothing,
    fleet::a_sync_records_protocol_last_sync_and_pending_and_a_refusal_keeps_the_last_sync,
);

/// Postgres only: the database itself crashes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crash_loses_nothing_acknowledged() {
    durability::a_postgres_crash_loses_nothing_acknowledged().await;
}

/// Postgres only: the database crashes and comes back (`pg_ctl stop -m immediate`, then start)
/// under a storm of tablets syncing with one `terrain serve` process, which is not restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_load_loses_nothing_acknowledged() {
    restart::postgres_restarted_mid_load_loses_nothing_acknowledged().await;
}

/// SQLite (`terrain admin backup`): the server restored from an older backup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_an_older_backup_gets_back_what_it_acknowledged_since() {
    durability::a_server_restored_from_an_older_backup_gets_back_what_it_acknowledged_since().await;
}

/// Postgres (`pg_dump`, `pg_restore`, `terrain admin new-epoch`): the database restored from an
/// older dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_restored_from_pg_dump_gets_back_what_it_acknowledged_since() {
    durability::a_postgres_database_restored_from_pg_dump_gets_back_what_it_acknowledged_since().await;
}

/// SQLite only: its file system fills up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_busy_loses_nothing_and_recovers() {
    durability::a_full_disk_refuses_busy_loses_nothing_and_recovers().await;
}
