//! Who may do what: the permission matrix, revoked devices, forged actors, assignments, login
//! throttling. Every scenario runs on SQLite and on Postgres.

mod assignments;
mod matrix;
mod quarantine;
mod races;
mod revocation;
mod setup;
mod throttling;
mod transport;

use terrain_tests::on_both_backends;

on_both_backends!(
    matrix::every_endpoint_role_worksite_and_token,
    revocation::a_revoked_tablet_is_refused_warns_then_erases,
    revocation::a_forged_actor_is_refused_and_nothing_is_persisted,
    races::of_two_devices_racing_with_one_fresh_actor_exactly_one_is_refused,
    races::a_commit_failing_part_way_stores_nothing_and_the_tablet_keeps_its_work,
    races::an_erasure_during_a_sync_is_announced_exactly_once,
    races::an_erasure_among_the_pages_of_an_answer_is_announced_once,
    assignments::assignments_bring_and_take_worksites_and_their_people,
    assignments::an_unassignment_whose_answer_is_lost_still_takes_the_worksite_and_can_be_undone,
    quarantine::a_refused_document_is_quarantined_and_the_rest_syncs,
    quarantine::a_person_the_office_also_refers_to_meanwhile_keeps_the_advisors_reference,
    quarantine::who_changed_what_when_is_answerable_per_worksite,
    throttling::login_brute_force_is_slowed_down,
    throttling::login_limit_holds_for_padded_and_parallel_guesses,
    throttling::a_burst_of_sign_ins_is_answered,
    throttling::personal_answers_are_not_cached,
    throttling::the_client_address_comes_from_a_trusted_proxy_only,
    transport::https_is_served_with_a_certificate_and_key,
);
