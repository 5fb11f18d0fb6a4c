//! The advisor's own contact details (telephone, e-mail), which the recommendation letters they
//! sign print. They live on the server with the account, not in a document: the tablet reads them
//! after a sync and saves them online (`GET`/`PUT /v1/me/contact`). The form checks them with the
//! same rules as the server ([`terrain_client_core::contact::Contact`]) and names a wrong part in
//! the advisor's language before anything is sent.

use maud::{Markup, html};
use terrain_client_core::contact::{Contact, ContactBody};

use crate::app::App;
use crate::i18n::{self, Lang, colon};

terrain_client_core::labels! {
    MyContact => ["Mes coordonnées", "Mijn contactgegevens", "My contact details"],
    MyContactWhy => [
        "Elles figurent sur les lettres de recommandation que vous signez.",
        "Ze staan op de aanbevelingsbrieven die u ondertekent.",
        "They are printed on the recommendation letters you sign."
    ],
    MyContactWithNetwork => [
        "Vos coordonnées se lisent et s'enregistrent avec le réseau : synchronisez pour les voir.",
        "Uw contactgegevens worden met netwerk gelezen en opgeslagen: synchroniseer om ze te zien.",
        "Your contact details are read and saved with the network: sync to see them."
    ],
    SaveMyContact => ["Enregistrer mes coordonnées", "Mijn contactgegevens opslaan", "Save my contact details"],
    MyContactSaved => ["Coordonnées enregistrées", "Contactgegevens opgeslagen", "Contact details saved"],
    MyContactNoNetwork => [
        "Pas de réseau : vos coordonnées ne sont pas enregistrées. Réessayez avec le réseau.",
        "Geen netwerk: uw contactgegevens zijn niet opgeslagen. Probeer opnieuw met netwerk.",
        "No network: your contact details were not saved. Try again with the network."
    ],
}

/// A typed contact checked as the server will check it: the contact, or the sentence that names
/// the wrong parts in `lang` and the first wrong field (to mark it).
pub fn check(lang: Lang, phone: &str, email: &str) -> Result<Contact, (String, &'static str)> {
    Contact::new(phone, email).map_err(|wrong| {
        let said: Vec<String> = wrong
            .iter()
            .map(|e| format!("{}{}{}", i18n::t(lang, crate::forms::field_label(e.field())), colon(lang), e.rule(lang)))
            .collect();
        (said.join(" "), wrong[0].field())
    })
}

/// The section under the screens: the form once the server's values are known, else why not.
pub fn section(app: &App) -> Markup {
    let lang = app.lang;
    html! {
        details #my-contact .section {
            summary { h2 { (t(lang, L::MyContact)) } }
            p.help { (t(lang, L::MyContactWhy)) }
            @match &app.my_contact {
                Some(ContactBody { phone, email }) => {
                    // `novalidate`: the app checks the parts and says what is wrong in the
                    // advisor's language, next to the field (the browser's bubble would not).
                    form #my-contact-form data-form="my-contact" autocomplete="off" novalidate {
                        label { (i18n::t(lang, i18n::L::Phone))
                            input name="phone" type="tel" value=(phone) autocomplete="off";
                        }
                        label { (i18n::t(lang, i18n::L::Email))
                            input name="email" type="email" value=(email) autocomplete="off";
                        }
                        button type="submit" { (t(lang, L::SaveMyContact)) }
                    }
                }
                None => p #my-contact-later { (t(lang, L::MyContactWithNetwork)) },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_part_is_named_in_the_advisors_language() {
        let (said, field) = check(Lang::Fr, "appelez-moi", "sophie@actiris.be").unwrap_err();
        assert_eq!(field, "phone");
        assert!(said.starts_with("Téléphone"), "{said}");
        assert!(said.contains("6 à 20 chiffres"), "{said}");
        let (said, field) = check(Lang::Nl, "02 505 14 11", "sophie.actiris.be").unwrap_err();
        assert_eq!(field, "email");
        assert!(said.contains("naam@domein.be"), "{said}");
        assert_eq!(check(Lang::En, " 02 505 14 11 ", "").unwrap().phone(), "02 505 14 11");
    }

    #[test]
    fn the_form_waits_for_the_servers_values() {
        let mut app = App::new(Lang::Fr, chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        let html = section(&app).into_string();
        assert!(html.contains("my-contact-later") && !html.contains("data-form=\"my-contact\""));
        app.my_contact = Some(ContactBody { phone: "02 505 14 11".into(), email: String::new() });
        let html = section(&app).into_string();
        assert!(html.contains("value=\"02 505 14 11\"") && html.contains("autocomplete=\"off\""));
    }
}
