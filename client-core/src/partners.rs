//! Partner bodies and their training sessions as both apps see them: records the office keeps on
//! the server (not documents), served to tablets by `GET /v1/partners` and cached by the app in
//! its sealed store. Documents refer to them by id (a referral's and a person's optional
//! `partner` and `session`); the free-text `partner_name` of older documents stays readable.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, label, unnamed_partner};
use crate::ids::{PartnerId, SessionId};
use crate::model::Referral;
use crate::values::PartnerKind;

/// A partner body, with its training sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerBody {
    /// Id.
    pub id: PartnerId,
    /// Name (unique once folded).
    pub name: String,
    /// Training body, reference centre, ISP body…
    pub kind: PartnerKind,
    /// The body's staff to call (names, phones, e-mails of partner staff, never of job seekers).
    pub contacts: String,
    /// Trades it trains for (one line).
    pub trades: String,
    /// Its training sessions, latest end first.
    pub sessions: Vec<TrainingSession>,
}

/// A training session of a partner body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSession {
    /// Id.
    pub id: SessionId,
    /// The body.
    pub partner: PartnerId,
    /// Title ("Maçonnerie 2026-1").
    pub title: String,
    /// The trade it trains for.
    pub trade: String,
    /// When it ends (its trainees are available from then).
    pub end_date: Option<NaiveDate>,
    /// How many trainees it has.
    pub trainees: i64,
}

/// The answer of `GET /v1/partners` (JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartnerList {
    /// Every partner body, by name.
    pub partners: Vec<PartnerBody>,
}

impl PartnerList {
    /// A partner body by id.
    pub fn partner(&self, id: PartnerId) -> Option<&PartnerBody> {
        self.partners.iter().find(|p| p.id == id)
    }

    /// A session by id, with its body.
    pub fn session(&self, id: SessionId) -> Option<(&PartnerBody, &TrainingSession)> {
        self.partners.iter().find_map(|p| p.sessions.iter().find(|s| s.id == id).map(|s| (p, s)))
    }

    /// How a referral's partner body is shown: the record's name when it is linked to a known
    /// one, else the name typed, else its kind's label (never a code).
    pub fn referral_partner(&self, lang: Lang, r: &Referral) -> String {
        match r.partner.and_then(|id| self.partner(id)) {
            Some(p) if !p.name.trim().is_empty() => p.name.clone(),
            Some(p) => label(lang, p.kind).to_owned(),
            None if r.partner.is_some() && r.partner_name.trim().is_empty() => unnamed_partner(lang, None),
            None => r.partner_label(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DocumentId, ItemId};
    use crate::values::CompanyAnswer;

    fn referral(kind: PartnerKind, name: &str, partner: Option<PartnerId>) -> Referral {
        Referral {
            id: ItemId(uuid::Uuid::from_u128(1)),
            person: DocumentId(uuid::Uuid::from_u128(2)),
            position: ItemId(uuid::Uuid::from_u128(3)),
            partner_kind: kind,
            partner_name: name.into(),
            proposed_on: None,
            interview_held: false,
            sent_to_company: false,
            company_answer: CompanyAnswer::Pending,
            answer_reason: String::new(),
            partner,
            session: None,
        }
    }

    #[test]
    fn a_referral_names_its_record_else_the_typed_name_else_a_translated_kind_never_a_code() {
        let iris = PartnerId(uuid::Uuid::from_u128(9));
        let list = PartnerList {
            partners: vec![PartnerBody {
                id: iris,
                name: "IrisTech".into(),
                kind: PartnerKind::ReferenceCentre,
                contacts: String::new(),
                trades: String::new(),
                sessions: Vec::new(),
            }],
        };
        // Two ways of typing the same body are one record.
        for typed in ["CDR IrisTech", "IrisTech (CDR)"] {
            let r = referral(PartnerKind::ReferenceCentre, typed, Some(iris));
            assert_eq!(list.referral_partner(Lang::Fr, &r), "IrisTech");
        }
        let unnamed = referral(PartnerKind::Spontaneous, "", None);
        assert_eq!(list.referral_partner(Lang::Fr, &unnamed), "Candidature spontanée");
        assert_eq!(list.referral_partner(Lang::Nl, &unnamed), "Spontane kandidatuur");
        assert_eq!(list.referral_partner(Lang::En, &unnamed), "Spontaneous");
        let gone = referral(PartnerKind::Other, "", Some(PartnerId(uuid::Uuid::from_u128(10))));
        assert_eq!(list.referral_partner(Lang::En, &gone), "partner body not given");
        assert_eq!(
            list.referral_partner(Lang::Fr, &referral(PartnerKind::Isp, "Mission locale", None)),
            "Mission locale"
        );
    }
}
