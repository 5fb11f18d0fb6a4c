//! The dashboard's three languages: French, Dutch, English. Every label a user reads is here, in
//! all three; dates, numbers and hours are formatted the way each language writes them.

use axum::http::{HeaderMap, header};

pub use terrain_client_core::i18n::{
    Lang, code_label, format_date, format_hours, format_number, format_opt_date, format_percent,
};

/// The language of a request: the `terrain_lang` cookie (the switch), else the first
/// supported language of `Accept-Language` by preference, else French.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    if let Some(lang) = cookie(headers, "terrain_lang").and_then(|c| Lang::from_code(&c)) {
        return lang;
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut ranked: Vec<(f32, Lang)> = accept
        .split(',')
        .filter_map(|part| {
            let mut bits = part.trim().split(';');
            let lang = Lang::from_code(bits.next()?.trim())?;
            let q = bits.find_map(|b| b.trim().strip_prefix("q=")?.parse().ok()).unwrap_or(1.0);
            Some((q, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map_or(Lang::Fr, |(_, l)| *l)
}

/// A cookie's value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

terrain_client_core::labels! {
    AppName => ["Terrain — clauses sociales", "Terrain — sociale clausules", "Terrain — social clauses"],
    SignIn => ["Se connecter", "Aanmelden", "Sign in"],
    SignOut => ["Se déconnecter", "Afmelden", "Sign out"],
    Login => ["Identifiant", "Gebruikersnaam", "Login"],
    Password => ["Mot de passe", "Wachtwoord", "Password"],
    WrongCredentials => ["Identifiant ou mot de passe incorrect.", "Onjuiste gebruikersnaam of wachtwoord.", "Wrong login or password."],
    TooManyAttempts => ["Trop de tentatives ; réessayez plus tard.", "Te veel pogingen; probeer later opnieuw.", "Too many attempts; try again later."],
    OfficeOnly => ["Réservé au personnel du bureau.", "Alleen voor kantoorpersoneel.", "Office staff only."],
    Portfolio => ["Portefeuille des chantiers", "Portefeuille van de werven", "Worksite portfolio"],
    Worksite => ["Chantier", "Werf", "Worksite"],
    Authority => ["Pouvoir adjudicateur", "Aanbestedende overheid", "Public authority"],
    Contractor => ["Adjudicataire", "Opdrachtnemer", "Contractor"],
    Advisor => ["Conseiller", "Consulent", "Advisor"],
    Status => ["Statut", "Status", "Status"],
    Objective => ["Objectif", "Doelstelling", "Objective"],
    HoursRealised => ["Heures réalisées", "Gepresteerde uren", "Hours realised"],
    Done => ["Réalisé", "Gerealiseerd", "Done"],
    Elapsed => ["Période écoulée", "Verstreken periode", "Period elapsed"],
    Forecast => ["Prévision", "Prognose", "Forecast"],
    Flags => ["Alertes", "Signalen", "Flags"],
    RecruitmentNeeded => ["Nouveau recrutement nécessaire", "Nieuwe aanwerving nodig", "New recruitment needed"],
    FollowUpOverdue => ["Suivi en retard", "Opvolging te laat", "Follow-up overdue"],
    All => ["Tous", "Alle", "All"],
    Filter => ["Filtrer", "Filteren", "Filter"],
    Contract => ["Marché et clause", "Opdracht en clausule", "Contract and clause"],
    ContractReference => ["Référence du marché", "Referentie van de opdracht", "Contract reference"],
    Address => ["Adresse", "Adres", "Address"],
    OrderToStart => ["Ordre de commencer", "Bevel tot aanvang", "Order to start"],
    Deadline => ["Échéance", "Einddatum", "Deadline"],
    NextFollowUp => ["Prochain suivi", "Volgende opvolging", "Next follow-up"],
    Planning => ["Planning des travaux", "Planning van de werken", "Works planning"],
    Positions => ["Descriptions de fonction", "Functiebeschrijvingen", "Job descriptions"],
    Funnel => ["Candidatures par partenaire", "Kandidaturen per partner", "Referrals by partner body"],
    Proposed => ["Proposés", "Voorgesteld", "Proposed"],
    Interviewed => ["Reçus", "Gesprek gehad", "Interviewed"],
    Sent => ["Envoyés", "Doorgestuurd", "Sent"],
    Hired => ["Engagés", "Aangeworven", "Hired"],
    Placements => ["Mises à l'emploi et heures", "Tewerkstellingen en uren", "Placements and hours"],
    Month => ["Mois", "Maand", "Month"],
    Total => ["Total", "Totaal", "Total"],
    Meetings => ["Réunions", "Vergaderingen", "Meetings"],
    Notes => ["Notes", "Notities", "Notes"],
    Decisions => ["Décisions", "Beslissingen", "Decisions"],
    OpenActions => ["Actions ouvertes", "Openstaande acties", "Open actions"],
    Who => ["Qui", "Wie", "Who"],
    Due => ["Pour le", "Tegen", "Due"],
    JobOffers => ["Offres captées", "Opgevangen vacatures", "Job offers captured"],
    Timeline => ["Historique des mises à jour", "Tijdlijn van de updates", "Timeline of merged updates"],
    Changed => ["Modifié", "Gewijzigd", "Changed"],
    Device => ["Appareil", "Toestel", "Device"],
    RecordedOnTablet => ["Saisi sur la tablette", "Ingevoerd op de tablet", "Recorded on the tablet"],
    ReceivedByServer => ["Reçu par le serveur", "Ontvangen door de server", "Received by the server"],
    Conflicts => ["Valeurs concurrentes", "Tegenstrijdige waarden", "Competing values"],
    Choose => ["Choisir", "Kiezen", "Choose"],
    SetBy => ["saisi par", "ingevoerd door", "set by"],
    NoConflict => ["Aucune valeur concurrente.", "Geen tegenstrijdige waarden.", "No competing values."],
    Live => ["En direct", "Live", "Live"],
    Reports => ["Rapports", "Rapporten", "Reports"],
    ProgressReport => ["Rapport d'avancement (PDF)", "Voortgangsrapport (PDF)", "Progress report (PDF)"],
    PrintableReport => ["Version imprimable", "Afdrukbare versie", "Printable page"],
    ExportPlacements => ["Export des mises à l'emploi (CSV)", "Export tewerkstellingen (CSV)", "Placements export (CSV)"],
    ExportHours => ["Export des heures (CSV)", "Export uren (CSV)", "Hours export (CSV)"],
    YearlySummary => ["Bilan annuel", "Jaaroverzicht", "Yearly summary"],
    PeoplePlaced => ["Personnes mises à l'emploi", "Tewerkgestelde personen", "People placed"],
    Companies => ["Entreprises", "Bedrijven", "Companies"],
    Authorities => ["Pouvoirs adjudicateurs", "Aanbestedende overheden", "Public authorities"],
    Worksites => ["Chantiers", "Werven", "Worksites"],
    NotFound => ["Introuvable.", "Niet gevonden.", "Not found."],
    Back => ["Retour au portefeuille", "Terug naar de portefeuille", "Back to the portfolio"],
    Nothing => ["Rien pour l'instant.", "Nog niets.", "Nothing yet."],
    Position => ["Fonction", "Functie", "Position"],
    Administration => ["Administration", "Beheer", "Administration"],
    Users => ["Utilisateurs", "Gebruikers", "Users"],
    DisplayName => ["Nom affiché", "Weergavenaam", "Display name"],
    Role => ["Rôle", "Rol", "Role"],
    CreateUser => ["Créer l'utilisateur", "Gebruiker aanmaken", "Create user"],
    Devices => ["Appareils", "Toestellen", "Devices"],
    LastSeen => ["Vu pour la dernière fois", "Laatst gezien", "Last seen"],
    Revoke => ["Révoquer (appareil perdu)", "Intrekken (verloren toestel)", "Revoke (lost device)"],
    RevokeConfirm => ["Révoquer cet appareil ? Il effacera ses données locales à sa prochaine connexion.", "Dit toestel intrekken? Het wist zijn lokale gegevens bij de volgende verbinding.", "Revoke this device? It will erase its local data at its next connection."],
    Revoked => ["Révoqué", "Ingetrokken", "Revoked"],
    Assignments => ["Affectations", "Toewijzingen", "Assignments"],
    Assign => ["Affecter", "Toewijzen", "Assign"],
    Unassign => ["Retirer", "Verwijderen", "Remove"],
    Done2 => ["Fait.", "Klaar.", "Done."],
    People => ["Personnes suivies", "Gevolgde personen", "People followed"],
    Person => ["Personne", "Persoon", "Person"],
    Name => ["Nom", "Naam", "Name"],
    Phone => ["Téléphone", "Telefoon", "Phone"],
    Email => ["E-mail", "E-mail", "E-mail"],
    PartnerBody => ["Organisme partenaire", "Partnerorganisatie", "Partner body"],
    Eligibility => ["Critères d'éligibilité", "Toelatingscriteria", "Eligibility"],
    Yes => ["oui", "ja", "yes"],
    No => ["non", "nee", "no"],
    Date => ["Date", "Datum", "Date"],
    Kind => ["Type", "Soort", "Kind"],
    Text => ["Texte", "Tekst", "Text"],
    Evaluations => ["Évaluations", "Evaluaties", "Evaluations"],
    Consent => ["Consentement", "Toestemming", "Consent"],
    ConsentRecordedBy => ["enregistré par", "geregistreerd door", "recorded by"],
    ConsentOn => ["le", "op", "on"],
    ConsentMissing => ["Pas de consentement enregistré : pas de lettre de recommandation.", "Geen toestemming geregistreerd: geen aanbevelingsbrief.", "No consent recorded: no recommendation letter."],
    RecommendationLetter => ["Lettre de recommandation (PDF)", "Aanbevelingsbrief (PDF)", "Recommendation letter (PDF)"],
    Referrals => ["Candidatures", "Kandidaturen", "Referrals"],
    CompanyAnswer => ["Réponse de l'entreprise", "Antwoord van het bedrijf", "Company's answer"],
    ProposedOn => ["Proposé le", "Voorgesteld op", "Proposed on"],
    Start => ["Début", "Begin", "Start"],
    End => ["Fin", "Einde", "End"],
    WeeklyHours => ["Heures par semaine", "Uren per week", "Weekly hours"],
    LastActivity => ["Dernière activité", "Laatste activiteit", "Last activity"],
    RetentionDate => ["Conservé jusqu'au", "Bewaard tot", "Kept until"],
    ExpiringSoon => ["Dossiers arrivant à échéance", "Dossiers die binnenkort vervallen", "Records expiring soon"],
    ExpiringNote => ["Ces personnes seront effacées à la date indiquée, sauf nouvelle activité (mise à l'emploi, candidature, note ou évaluation).", "Deze personen worden op de vermelde datum gewist, tenzij er nieuwe activiteit is (tewerkstelling, kandidatuur, notitie of evaluatie).", "These people will be erased on the date shown unless something new happens (placement, referral, note or evaluation)."],
    NoneExpiring => ["Aucun dossier n'arrive à échéance prochainement.", "Geen dossiers die binnenkort vervallen.", "No record expires soon."],
    AccessExport => ["Tout ce que Terrain conserve sur cette personne (droit d'accès)", "Alles wat Terrain over deze persoon bewaart (inzagerecht)", "Everything Terrain holds about this person (right of access)"],
    ExportJson => ["Exporter en JSON", "Exporteren als JSON", "Export as JSON"],
    ExportPdf => ["Exporter en PDF", "Exporteren als PDF", "Export as PDF"],
    ExportedOn => ["Exporté le", "Geëxporteerd op", "Exported on"],
    RecordHistory => ["Historique du dossier", "Geschiedenis van het dossier", "Record history"],
    Erase => ["Effacer cette personne", "Deze persoon wissen", "Erase this person"],
    EraseWarning => ["L'effacement est définitif : le dossier de la personne (identité, contact, notes, évaluations, historique) est détruit sur le serveur, et sur chaque tablette à sa prochaine synchronisation. Ses heures et mises à l'emploi restent comptées dans les chantiers, sous un identifiant anonyme.", "Wissen is definitief: het dossier van de persoon (identiteit, contact, notities, evaluaties, geschiedenis) wordt vernietigd op de server, en op elke tablet bij de volgende synchronisatie. De uren en tewerkstellingen blijven meetellen in de werven, onder een anonieme identificatie.", "Erasure is final: the person's record (identity, contact, notes, evaluations, history) is destroyed on the server, and on every tablet at its next sync. Their hours and placements still count in the worksites, under an anonymous id."],
    EraseConfirm => ["Pour confirmer, tapez exactement :", "Typ ter bevestiging exact:", "To confirm, type exactly:"],
    EraseMismatch => ["Le texte tapé ne correspond pas : rien n'a été effacé.", "De getypte tekst komt niet overeen: er werd niets gewist.", "What you typed does not match: nothing was erased."],
    EraseRefused => ["Seuls le personnel du bureau et les administrateurs peuvent effacer une personne.", "Alleen kantoorpersoneel en beheerders mogen een persoon wissen.", "Only office staff and administrators may erase a person."],
    PersonErased => ["La personne a été effacée. Les tablettes détruiront leur copie à leur prochaine synchronisation.", "De persoon werd gewist. De tablets vernietigen hun kopie bij de volgende synchronisatie.", "The person was erased. Tablets will destroy their copy at their next sync."],
    AlreadyErased => ["Cette personne a déjà été effacée.", "Deze persoon werd al gewist.", "This person was already erased."],
    Unnamed => ["(sans nom)", "(zonder naam)", "(no name)"],
}
