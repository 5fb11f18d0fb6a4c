//! Identifiers. Each is parsed once at the boundary; a value that exists is valid.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The error for an identifier that is not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {what} id: {input:?}")]
pub struct ParseIdError {
    what: &'static str,
    input: String,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Build an id from 16 bytes of randomness supplied by the caller (the core never
            /// reads the OS's randomness itself).
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| ParseIdError {
                    what: $what,
                    input: s.chars().take(64).collect(),
                })
            }
        }
    };
}

uuid_id!(
    /// A document: a worksite or a person.
    DocumentId,
    "document"
);
uuid_id!(
    /// A device (a tablet, a browser, a test client).
    DeviceId,
    "device"
);
uuid_id!(
    /// A partner body (training body, reference centre, ISP body…): a record the office keeps on
    /// the server, referred to by documents.
    PartnerId,
    "partner body"
);
uuid_id!(
    /// A training session of a partner body.
    SessionId,
    "training session"
);
uuid_id!(
    /// An item inside a document: a position, referral, placement, meeting, action, offer, note…
    ItemId,
    "item"
);

/// The two kinds of document. A worksite refers to people only by id; a person document holds
/// what is personal and can be destroyed whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// One worksite ("chantier") and its social clause.
    Worksite,
    /// One job seeker followed by advisors.
    Person,
}

impl DocKind {
    /// The stable name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Worksite => "worksite",
            DocKind::Person => "person",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocKind {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "worksite" => Ok(DocKind::Worksite),
            "person" => Ok(DocKind::Person),
            other => Err(ParseIdError { what: "document kind", input: other.chars().take(64).collect() }),
        }
    }
}
