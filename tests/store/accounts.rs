//! Users' contact details and who a worksite is assigned to.

use chrono::{Duration, Utc};
use terrain_client_core::DocumentId;
use terrain_server::store::Contact;
use terrain_tests::server::create_user;

use crate::Backend;

/// A contact is kept per user, replaced whole, listed only when given; a worksite's assignees
/// come back in the order they were assigned, without those unassigned.
pub async fn contacts_and_assignees_are_kept_per_user(backend: Backend) {
    let store = backend.store.as_ref();
    let sophie = create_user(store, "sophie", "advisor").await;
    let luc = create_user(store, "luc", "advisor").await;
    assert_eq!(store.contact(sophie).await.unwrap(), Contact::default(), "none given yet");
    assert!(store.contacts().await.unwrap().is_empty());

    let given = Contact::new("02 505 14 11", "sophie.martin@actiris.be").unwrap();
    assert!(store.set_contact(sophie, &given).await.unwrap());
    assert!(!store.set_contact(uuid::Uuid::new_v4(), &given).await.unwrap(), "no such user");
    assert_eq!(store.contact(sophie).await.unwrap(), given);
    assert_eq!(store.contact(luc).await.unwrap(), Contact::default(), "another user's is apart");
    assert_eq!(store.contacts().await.unwrap(), vec![(sophie, given)]);
    let phone_only = Contact::new("0475 12 34 56", "").unwrap();
    store.set_contact(sophie, &phone_only).await.unwrap();
    assert_eq!(store.contact(sophie).await.unwrap(), phone_only, "replaced whole");
    store.set_contact(sophie, &Contact::default()).await.unwrap();
    assert!(store.contacts().await.unwrap().is_empty(), "an emptied contact is not listed");

    let site = DocumentId(uuid::Uuid::new_v4());
    assert!(store.assignees(site).await.unwrap().is_empty());
    let now = Utc::now();
    store.assign(site, luc, now).await.unwrap();
    store.assign(site, sophie, now + Duration::seconds(1)).await.unwrap();
    store.assign(site, luc, now + Duration::seconds(2)).await.unwrap();
    assert_eq!(store.assignees(site).await.unwrap(), vec![luc, sophie], "earliest first, once each");
    store.unassign(site, luc).await.unwrap();
    assert_eq!(store.assignees(site).await.unwrap(), vec![sophie]);
    assert!(store.assignees(DocumentId(uuid::Uuid::new_v4())).await.unwrap().is_empty());
}
