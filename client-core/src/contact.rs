//! How to reach a user of Terrain (an advisor's telephone and e-mail, printed on the
//! recommendation letters they sign): the rules a contact must pass, the same on the office
//! dashboard, in the JSON API and on the tablet, and the sentence of each rule in FR/NL/EN.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A user's contact details. Both parts may be empty (not given); a value that exists passed
/// [`Contact::new`]'s checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// Telephone, as typed (digits, spaces and `+ . / - ( )`).
    phone: String,
    /// E-mail address.
    email: String,
}

/// A contact part that does not read as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    /// Not a telephone number: characters other than digits, spaces and `+ . / - ( )`, fewer
    /// than 6 or more than 20 digits, or longer than 40 characters.
    #[error("a telephone number has 6 to 20 digits, with spaces and + . / - ( ) only")]
    Phone,
    /// Not an e-mail address: no `name@domain.tld`, spaces, or longer than 200 characters.
    #[error("an e-mail address reads name@domain.tld, without spaces")]
    Email,
}

impl ContactError {
    /// The form field (and JSON key) of the part.
    pub fn field(self) -> &'static str {
        match self {
            ContactError::Phone => "phone",
            ContactError::Email => "email",
        }
    }

    /// The rule the part breaks, for people, in `lang`.
    pub fn rule(self, lang: Lang) -> &'static str {
        let [fr, nl, en] = match self {
            ContactError::Phone => [
                "6 à 20 chiffres, avec seulement des espaces et + . / - ( ) (par ex. 02 505 14 11).",
                "6 tot 20 cijfers, met alleen spaties en + . / - ( ) (bv. 02 505 14 11).",
                "6 to 20 digits, with only spaces and + . / - ( ) (e.g. 02 505 14 11).",
            ],
            ContactError::Email => [
                "une adresse de la forme nom@domaine.be, sans espace.",
                "een adres van de vorm naam@domein.be, zonder spaties.",
                "an address of the form name@domain.be, without spaces.",
            ],
        };
        match lang {
            Lang::Fr => fr,
            Lang::Nl => nl,
            Lang::En => en,
        }
    }
}

impl Contact {
    /// The longest telephone accepted, in characters.
    pub const MAX_PHONE: usize = 40;
    /// The longest e-mail address accepted, in characters.
    pub const MAX_EMAIL: usize = 200;

    /// A contact from what was typed (trimmed; empty parts are "not given"), or every part that
    /// is wrong.
    pub fn new(phone: &str, email: &str) -> Result<Contact, Vec<ContactError>> {
        let (phone, email) = (phone.trim(), email.trim());
        let mut wrong = Vec::new();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let phone_ok = phone.is_empty()
            || (phone.chars().count() <= Self::MAX_PHONE
                && (6..=20).contains(&digits)
                && phone.chars().all(|c| c.is_ascii_digit() || " +./-()".contains(c)));
        if !phone_ok {
            wrong.push(ContactError::Phone);
        }
        let email_ok = email.is_empty()
            || (email.chars().count() <= Self::MAX_EMAIL
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.split('.').count() >= 2
                        && domain.split('.').all(|part| !part.is_empty())
                }));
        if !email_ok {
            wrong.push(ContactError::Email);
        }
        if wrong.is_empty() { Ok(Contact { phone: phone.to_owned(), email: email.to_owned() }) } else { Err(wrong) }
    }

    /// The telephone ("" when not given).
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// The e-mail address ("" when not given).
    pub fn email(&self) -> &str {
        &self.email
    }

    /// Neither part given.
    pub fn is_empty(&self) -> bool {
        self.phone.is_empty() && self.email.is_empty()
    }

    /// A contact read back from where it was kept after [`Contact::new`] checked it (a store):
    /// not checked again.
    pub fn from_checked(phone: String, email: String) -> Contact {
        Contact { phone, email }
    }

    /// The contact as the JSON API carries it.
    pub fn body(&self) -> ContactBody {
        ContactBody { phone: self.phone.clone(), email: self.email.clone() }
    }
}

/// `GET` and `PUT /v1/me/contact`: the signed-in user's own contact details, as typed (the
/// `PUT` is checked by [`Contact::new`]; `""` is "not given").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactBody {
    /// Telephone.
    pub phone: String,
    /// E-mail address.
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_takes_belgian_numbers_and_addresses_and_names_what_is_wrong() {
        let c = Contact::new(" +32 2 505 14 11 ", "sophie.martin@actiris.be").unwrap();
        assert_eq!((c.phone(), c.email()), ("+32 2 505 14 11", "sophie.martin@actiris.be"));
        assert!(Contact::new("0475/12.34.56", "").is_ok());
        assert!(Contact::new("", "").unwrap().is_empty());
        assert_eq!(Contact::new("appelez-moi", "sophie@actiris.be"), Err(vec![ContactError::Phone]));
        assert_eq!(Contact::new("123", ""), Err(vec![ContactError::Phone]), "too few digits");
        assert_eq!(Contact::new("02 505 14 11", "sophie.actiris.be"), Err(vec![ContactError::Email]));
        assert_eq!(Contact::new("", "sophie@actiris"), Err(vec![ContactError::Email]), "no top-level domain");
        assert_eq!(Contact::new("", "so phie@actiris.be"), Err(vec![ContactError::Email]));
        assert_eq!(Contact::new("x", "y"), Err(vec![ContactError::Phone, ContactError::Email]));
    }

    #[test]
    fn every_rule_is_said_in_each_language() {
        for e in [ContactError::Phone, ContactError::Email] {
            let said: Vec<_> = Lang::ALL.iter().map(|l| e.rule(*l)).collect();
            assert!(said.iter().all(|s| !s.is_empty()));
            assert_ne!(said[0], said[1]);
            assert_ne!(said[1], said[2]);
        }
    }
}
