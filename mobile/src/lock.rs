//! Unlocking the tablet offline, and the screens around it.
//!
//! At the first sign-in (online) the advisor chooses a PIN or passphrase. The device's storage key
//! (the key that seals every record in IndexedDB, see [`crate::records`]) is then wrapped under a
//! key derived from that secret (PBKDF2-HMAC-SHA-256 in the browser's WebCrypto, a salt per device,
//! an iteration count measured on the tablet to cost about half a second) and the wrapped key is
//! kept in IndexedDB in a [`LockRecord`]. Every later start, online or not, opens the store with the
//! PIN. Wrong PINs are counted in the record, before the derivation runs (closing the tab does not
//! reset it): after [`FREE_ATTEMPTS`] each attempt waits longer, after [`MAX_FAILURES`] the PIN no
//! longer opens the store and an online sign-in is required. That sign-in fetches this device's key
//! again from the server (which refuses a revoked device), so nothing stored is erased.
//!
//! The counter lives in the browser's storage, so someone who copies the storage can reset it:
//! it slows a person at the screen; against a copied disk the protection is the derivation cost,
//! the secret's length and revoking the device (the server then refuses the key, and the tablet
//! erases itself at the next contact).
//!
//! This module is plain Rust (tested natively): the record, the policy and the HTML of the lock
//! screens. The browser layer (`web`) runs the derivation and the storage.

use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use terrain_client_core::DeviceId;
use terrain_client_core::protocol::ErrorCode;
use terrain_client_core::seal::{self, StorageKey};

use crate::app::App;
use crate::i18n::{Lang, format_number};

/// The layout version of the tablet's IndexedDB store. 1: session in clear, key fetched from the
/// server in each browser session. 2: session sealed, key wrapped under the PIN ([`LockRecord`]).
pub const LAYOUT: u32 = 2;
/// Wrong PINs allowed without waiting.
pub const FREE_ATTEMPTS: u32 = 3;
/// Wrong PINs after which an online sign-in is required.
pub const MAX_FAILURES: u32 = 5;
/// Shortest PIN or passphrase.
pub const MIN_SECRET: usize = 6;
/// Idle minutes before the app locks itself, unless the advisor chose otherwise.
pub const DEFAULT_IDLE_MINUTES: u32 = 15;
/// The idle times offered.
pub const IDLE_CHOICES: [u32; 4] = [5, 15, 30, 60];
/// Iterations used to measure the tablet's speed before choosing the count.
pub const PROBE_ITERATIONS: u32 = 100_000;
/// Time one unlock should cost, in milliseconds.
pub const TARGET_UNLOCK_MS: f64 = 500.0;

/// What the tablet keeps in clear next to the sealed records: nothing personal and no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockRecord {
    /// Layout version of the store ([`LAYOUT`]).
    pub layout: u32,
    /// This tablet's device, as registered at sign-in.
    pub device: DeviceId,
    /// The storage key wrapped under the PIN.
    pub pin: PinWrap,
    /// Wrong PINs since the last success.
    pub failures: u32,
    /// When the last wrong PIN was entered (ms since the epoch).
    pub last_failure_ms: i64,
    /// Too many wrong PINs: only an online sign-in reopens the store.
    pub online_required: bool,
    /// When the last sync completed (ms since the epoch).
    pub last_sync_ms: Option<i64>,
    /// Idle minutes before the app locks itself.
    pub idle_minutes: u32,
}

/// The storage key, sealed (AES-256-GCM) under a key derived from the PIN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PinWrap {
    /// PBKDF2 salt (16 random bytes, per device and per PIN).
    pub salt: Vec<u8>,
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// `seal(derived, storage key)`.
    pub wrapped: Vec<u8>,
}

impl PinWrap {
    /// Wrap `key` under the derived key (32 bytes of PBKDF2 output).
    pub fn new(derived: [u8; 32], salt: Vec<u8>, iterations: u32, nonce: [u8; 12], key: &StorageKey) -> PinWrap {
        let wrapped = seal::seal(&StorageKey::from_bytes(derived), nonce, key.as_bytes());
        PinWrap { salt, iterations, wrapped }
    }

    /// The storage key, when `derived` comes from the right PIN.
    pub fn open(&self, derived: [u8; 32]) -> Option<StorageKey> {
        let plain = seal::open(&StorageKey::from_bytes(derived), &self.wrapped).ok()?;
        let bytes: [u8; 32] = plain.try_into().ok()?;
        Some(StorageKey::from_bytes(bytes))
    }
}

impl LockRecord {
    /// A fresh record after the PIN was chosen.
    pub fn new(device: DeviceId, pin: PinWrap, idle_minutes: u32, last_sync_ms: Option<i64>) -> LockRecord {
        LockRecord {
            layout: LAYOUT,
            device,
            pin,
            failures: 0,
            last_failure_ms: 0,
            online_required: false,
            last_sync_ms,
            idle_minutes,
        }
    }

    /// When the next attempt is allowed (ms since the epoch), if it must wait.
    pub fn retry_at_ms(&self) -> Option<i64> {
        if self.failures < FREE_ATTEMPTS {
            return None;
        }
        // 2 s after the third wrong PIN, 8 s after the fourth.
        let delay = 2_000_i64 << (2 * (self.failures - FREE_ATTEMPTS)).min(20);
        Some(self.last_failure_ms + delay)
    }

    /// Count an attempt before it is checked (so closing the page mid-way still counts it).
    pub fn count_attempt(&mut self, now_ms: i64) {
        self.failures += 1;
        self.last_failure_ms = now_ms;
        if self.failures >= MAX_FAILURES {
            self.online_required = true;
        }
    }

    /// The PIN was right.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.last_failure_ms = 0;
        self.online_required = false;
    }
}

/// Check a new PIN and its confirmation.
pub fn check_new_secret(secret: &str, again: &str) -> Result<(), Msg> {
    if secret.chars().count() < MIN_SECRET {
        return Err(Msg::PinTooShort);
    }
    if secret != again {
        return Err(Msg::PinsDiffer);
    }
    Ok(())
}

/// The iteration count that makes one derivation cost about [`TARGET_UNLOCK_MS`] on this tablet,
/// from the time [`PROBE_ITERATIONS`] took.
pub fn iterations_for(probe_ms: f64) -> u32 {
    let scaled = f64::from(PROBE_ITERATIONS) * TARGET_UNLOCK_MS / probe_ms.max(1.0);
    (scaled.clamp(200_000.0, 5_000_000.0) / 10_000.0).round() as u32 * 10_000
}

/// Where the app stands before the worksites can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gate {
    /// Unlocked (or not signed in: the sign-in screen).
    #[default]
    Open,
    /// Signed in online; the advisor chooses the PIN.
    SetPin,
    /// The store is sealed; the PIN opens it.
    Locked,
    /// The PIN no longer opens the store (too many wrong PINs, or forgotten): sign in online.
    SignInRequired,
    /// The store is in the previous layout and the network is needed once to finish the update.
    Finishing,
    /// Another tab or window of the app is the one editing.
    Elsewhere,
    /// This tab handed over to another one and stopped.
    TakenOver,
}

/// The browser's storage, as last asked.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StorageInfo {
    /// `navigator.storage.persisted()`.
    pub persisted: Option<bool>,
    /// Bytes used and available, from `navigator.storage.estimate()`.
    pub usage: Option<(f64, f64)>,
}

/// The lock side of the app's state.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Where the app stands.
    pub gate: Gate,
    /// The stored lock record, once there is one.
    pub record: Option<LockRecord>,
    /// The browser's storage.
    pub storage: StorageInfo,
    /// A derivation is running.
    pub busy: bool,
    /// The last message of a lock screen.
    pub msg: Option<Msg>,
    /// Now, for the waiting time (ms since the epoch), set before each render.
    pub now_ms: i64,
    /// A new version of the app is installed and waits for the next start or a tap.
    pub update_ready: bool,
}

/// A message of the lock screens (every one in French, Dutch and English).
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// The PIN is too short.
    PinTooShort,
    /// The two PINs differ.
    PinsDiffer,
    /// Wrong PIN; this many attempts remain before an online sign-in is required.
    WrongPin(u32),
    /// Wait before the next attempt.
    Wait,
    /// A refusal or failure, by its stable code.
    Code(ErrorCode),
    /// The network is needed.
    NeedNetwork,
    /// The storage is full.
    StorageFull,
    /// Something else went wrong locally (in English: a developer's message).
    Local(String),
}

terrain_client_core::labels! {
    ChoosePin => ["Choisissez un code pour cette tablette", "Kies een code voor deze tablet", "Choose a code for this tablet"],
    ChoosePinHelp => [
        "Ce code (au moins 6 caractères) ouvre Terrain sur cette tablette, même sans réseau. Il ne quitte jamais la tablette.",
        "Deze code (minstens 6 tekens) opent Terrain op deze tablet, ook zonder netwerk. Hij verlaat de tablet nooit.",
        "This code (at least 6 characters) opens Terrain on this tablet, even with no network. It never leaves the tablet."
    ],
    Pin => ["Code", "Code", "Code"],
    PinAgain => ["Le même code, encore", "Dezelfde code, nogmaals", "The same code again"],
    SetPin => ["Enregistrer le code", "Code opslaan", "Save the code"],
    Unlock => ["Déverrouiller", "Ontgrendelen", "Unlock"],
    LockedTitle => ["Terrain est verrouillé", "Terrain is vergrendeld", "Terrain is locked"],
    LockedHelp => [
        "Entrez le code de cette tablette. Vos données restent chiffrées sur la tablette.",
        "Geef de code van deze tablet in. Uw gegevens blijven versleuteld op de tablet.",
        "Enter this tablet's code. Your data stays encrypted on the tablet."
    ],
    Deriving => ["Vérification du code…", "Code controleren…", "Checking the code…"],
    ForgotPin => ["Code oublié : se reconnecter", "Code vergeten: opnieuw aanmelden", "Forgot the code: sign in again"],
    SignInRequiredTitle => ["Reconnexion nécessaire", "Opnieuw aanmelden nodig", "Sign-in required"],
    SignInRequiredHelp => [
        "Connectez-vous avec le réseau pour rouvrir cette tablette, puis choisissez un nouveau code. Les modifications non synchronisées sont conservées.",
        "Meld u aan met netwerk om deze tablet te heropenen en kies daarna een nieuwe code. Niet-gesynchroniseerde wijzigingen blijven bewaard.",
        "Sign in with the network to reopen this tablet, then choose a new code. Changes not yet synced are kept."
    ],
    BackToPin => ["Revenir au code", "Terug naar de code", "Back to the code"],
    FinishingTitle => ["Mise à jour à terminer", "Update af te ronden", "Update to finish"],
    FinishingHelp => [
        "Cette version protège la tablette par un code. Reconnectez la tablette au réseau une fois pour le choisir ; rien n'est perdu.",
        "Deze versie beveiligt de tablet met een code. Verbind de tablet eenmaal met het netwerk om hem te kiezen; er gaat niets verloren.",
        "This version protects the tablet with a code. Connect the tablet to the network once to choose it; nothing is lost."
    ],
    TryAgain => ["Réessayer", "Opnieuw proberen", "Try again"],
    ElsewhereTitle => ["Terrain est ouvert ailleurs", "Terrain is elders geopend", "Terrain is open elsewhere"],
    ElsewhereHelp => [
        "Terrain est ouvert dans un autre onglet ou une autre fenêtre de ce navigateur. Un seul peut modifier à la fois.",
        "Terrain is geopend in een ander tabblad of venster van deze browser. Slechts één kan tegelijk wijzigen.",
        "Terrain is open in another tab or window of this browser. Only one can edit at a time."
    ],
    TakeOver => ["Continuer ici", "Hier verdergaan", "Continue here"],
    TakenOverTitle => ["Terrain continue dans un autre onglet", "Terrain gaat verder in een ander tabblad", "Terrain continues in another tab"],
    TakenOverHelp => [
        "Tout ce qui a été enregistré ici a été conservé.",
        "Alles wat hier werd opgeslagen, is bewaard.",
        "Everything saved here was kept."
    ],
    PinTooShort => ["Le code doit compter au moins 6 caractères.", "De code moet minstens 6 tekens tellen.", "The code needs at least 6 characters."],
    PinsDiffer => ["Les deux codes diffèrent.", "De twee codes verschillen.", "The two codes differ."],
    WrongPin => ["Code incorrect. Essais restants avant reconnexion :", "Verkeerde code. Pogingen over vóór opnieuw aanmelden:", "Wrong code. Attempts left before a sign-in is required:"],
    Wait => ["Trop d'essais : attendez avant de réessayer (secondes) :", "Te veel pogingen: wacht voor u opnieuw probeert (seconden):", "Too many attempts: wait before trying again (seconds):"],
    NeedNetwork => ["Pas de réseau : cette étape demande le réseau.", "Geen netwerk: deze stap vraagt netwerk.", "No network: this step needs the network."],
    StorageFull => [
        "Stockage de la tablette plein : la modification n'est PAS enregistrée. Rien de ce qui était enregistré n'est perdu. Libérez de l'espace puis réessayez.",
        "Opslag van de tablet vol: de wijziging is NIET opgeslagen. Niets van wat opgeslagen was, is verloren. Maak ruimte vrij en probeer opnieuw.",
        "The tablet's storage is full: the change is NOT saved. Nothing saved before is lost. Free some space and try again."
    ],
    Storage => ["Stockage", "Opslag", "Storage"],
    Persistent => ["protégé contre l'effacement", "beschermd tegen wissen", "protected from eviction"],
    NotPersistent => ["peut être effacé par le navigateur", "kan door de browser gewist worden", "may be evicted by the browser"],
    UsedOf => ["Mo utilisés sur", "MB gebruikt van", "MB used of"],
    Mb => ["Mo", "MB", "MB"],
    LockAfter => ["Verrouiller après (minutes d'inactivité)", "Vergrendelen na (minuten inactiviteit)", "Lock after (idle minutes)"],
    LockNow => ["Verrouiller", "Vergrendelen", "Lock"],
    EraseTablet => ["Effacer cette tablette", "Deze tablet wissen", "Erase this tablet"],
    PendingHere => ["à synchroniser", "te synchroniseren", "to sync"],
    UpdateReady => [
        "Une nouvelle version est prête ; elle s'appliquera au prochain démarrage.",
        "Een nieuwe versie staat klaar; ze wordt bij de volgende start toegepast.",
        "A new version is ready; it applies at the next start."
    ],
    ApplyUpdate => ["Mettre à jour maintenant", "Nu bijwerken", "Update now"],
    Login => ["Identifiant", "Gebruikersnaam", "Login"],
    Password => ["Mot de passe", "Wachtwoord", "Password"],
    SignIn => ["Se connecter", "Aanmelden", "Sign in"],
    ErrMalformed => ["Requête refusée par le serveur (format).", "Verzoek door de server geweigerd (formaat).", "Request refused by the server (format)."],
    ErrUpdate => [
        "Cette version de l'application n'est plus acceptée par le serveur : rechargez l'application pour la mettre à jour.",
        "Deze versie van de app wordt niet meer aanvaard door de server: herlaad de app om ze bij te werken.",
        "The server no longer accepts this app version: reload the app to update it."
    ],
    ErrAppOutdated => [
        "Un document a été modifié par une version plus récente de Terrain : mettez l'application à jour (rechargez-la). Vos modifications non synchronisées sont gardées sur la tablette.",
        "Een document werd gewijzigd door een nieuwere versie van Terrain: werk de app bij (herlaad ze). Uw niet-gesynchroniseerde wijzigingen blijven op de tablet.",
        "A document was changed by a newer version of Terrain: update the app (reload it). Your unsynced changes stay on the tablet."
    ],
    ErrTooLarge => ["Trop de données en une fois pour le serveur.", "Te veel gegevens in één keer voor de server.", "Too much data at once for the server."],
    ErrDuplicate => ["Le même document est envoyé deux fois.", "Hetzelfde document wordt twee keer verzonden.", "The same document was sent twice."],
    ErrInvalidSync => ["Le serveur n'a pas pu appliquer ces modifications.", "De server kon deze wijzigingen niet toepassen.", "The server could not apply these changes."],
    ErrSchema => ["Ces modifications rendraient le document invalide.", "Deze wijzigingen zouden het document ongeldig maken.", "These changes would make the document invalid."],
    ErrPersonal => [
        "Une donnée personnelle doit être dans la fiche de la personne, pas dans le chantier.",
        "Een persoonsgegeven hoort in de fiche van de persoon, niet in de werf.",
        "Personal data belongs in the person's record, not in the worksite."
    ],
    ErrKind => ["Ce document existe déjà sous un autre type.", "Dit document bestaat al met een ander type.", "This document exists with another kind."],
    ErrExpensive => ["Modification trop lourde pour le serveur.", "Wijziging te zwaar voor de server.", "Change too heavy for the server."],
    ErrBusy => ["Serveur occupé : réessayez dans un instant.", "Server bezet: probeer zo meteen opnieuw.", "Server busy: try again in a moment."],
    ErrInternal => ["Erreur du serveur ; rien n'a été perdu.", "Serverfout; er ging niets verloren.", "Server error; nothing was lost."],
    ErrToken => ["Session expirée : reconnectez-vous.", "Sessie verlopen: meld u opnieuw aan.", "Session expired: sign in again."],
    ErrRevoked => ["Cette tablette a été révoquée.", "Deze tablet werd ingetrokken.", "This tablet was revoked."],
    ErrCredentials => ["Identifiant ou mot de passe incorrect.", "Verkeerde gebruikersnaam of wachtwoord.", "Wrong login or password."],
    ErrRateLimited => ["Trop d'essais : réessayez dans quelques minutes.", "Te veel pogingen: probeer over enkele minuten opnieuw.", "Too many attempts: try again in a few minutes."],
    ErrForbidden => [
        "Refusé : votre rôle ne le permet pas (ou ces données appartiennent à un autre compte).",
        "Geweigerd: uw rol laat dit niet toe (of deze gegevens horen bij een ander account).",
        "Refused: your role does not allow this (or this data belongs to another account)."
    ],
    ErrForged => ["Modification signée par un autre appareil.", "Wijziging ondertekend door een ander toestel.", "Change signed by another device."],
    ErrNotFound => ["Introuvable sur le serveur.", "Niet gevonden op de server.", "Not found on the server."],
    ErrInvalidInput => ["Saisie refusée par le serveur.", "Invoer geweigerd door de server.", "Input refused by the server."],
}

/// The sentence for a refusal's stable code, in the user's language (never the server's English).
pub fn refusal_text(lang: Lang, code: ErrorCode) -> &'static str {
    let label = match code {
        ErrorCode::MalformedRequest | ErrorCode::UnsupportedMediaType => L::ErrMalformed,
        // A code this build does not know comes from a newer server: the app is out of date.
        ErrorCode::UnsupportedProtocol | ErrorCode::Unknown => L::ErrUpdate,
        ErrorCode::AppOutdated => L::ErrAppOutdated,
        ErrorCode::BodyTooLarge | ErrorCode::MessageTooLarge | ErrorCode::TooManyDocuments => L::ErrTooLarge,
        ErrorCode::DuplicateDocument => L::ErrDuplicate,
        ErrorCode::InvalidSyncMessage => L::ErrInvalidSync,
        ErrorCode::SchemaViolation => L::ErrSchema,
        ErrorCode::PersonalData => L::ErrPersonal,
        ErrorCode::KindMismatch => L::ErrKind,
        ErrorCode::TooExpensive => L::ErrExpensive,
        ErrorCode::Busy => L::ErrBusy,
        ErrorCode::Internal => L::ErrInternal,
        ErrorCode::InvalidToken => L::ErrToken,
        ErrorCode::DeviceRevoked => L::ErrRevoked,
        ErrorCode::InvalidCredentials => L::ErrCredentials,
        ErrorCode::RateLimited => L::ErrRateLimited,
        ErrorCode::Forbidden => L::ErrForbidden,
        ErrorCode::ForgedActor => L::ErrForged,
        ErrorCode::NotFound => L::ErrNotFound,
        ErrorCode::InvalidInput => L::ErrInvalidInput,
    };
    t(lang, label)
}

/// A message in the user's language.
pub fn message(lang: Lang, msg: &Msg, record: Option<&LockRecord>, now_ms: i64) -> String {
    match msg {
        Msg::PinTooShort => t(lang, L::PinTooShort).to_owned(),
        Msg::PinsDiffer => t(lang, L::PinsDiffer).to_owned(),
        Msg::WrongPin(left) => format!("{} {left}", t(lang, L::WrongPin)),
        Msg::Wait => {
            let wait = record.and_then(LockRecord::retry_at_ms).map_or(0, |at| (at - now_ms).max(0));
            format!("{} {}", t(lang, L::Wait), (wait + 999) / 1000)
        }
        Msg::Code(code) => refusal_text(lang, *code).to_owned(),
        Msg::NeedNetwork => t(lang, L::NeedNetwork).to_owned(),
        Msg::StorageFull => t(lang, L::StorageFull).to_owned(),
        Msg::Local(why) => why.clone(),
    }
}

/// The stable name of a message (on `data-code`, for tests and support).
fn msg_code(msg: &Msg) -> &'static str {
    match msg {
        Msg::PinTooShort => "pin_too_short",
        Msg::PinsDiffer => "pins_differ",
        Msg::WrongPin(_) => "wrong_pin",
        Msg::Wait => "wait",
        Msg::Code(code) => code.as_str(),
        Msg::NeedNetwork => "need_network",
        Msg::StorageFull => "storage_full",
        Msg::Local(_) => "local",
    }
}

/// The whole page while the gate is closed.
pub fn page(app: &App) -> Markup {
    let lang = app.lang;
    let g = &app.guard;
    html! {
        header.bar {
            strong.brand { "Terrain" }
            nav.langs {
                @for l in Lang::ALL {
                    button.lang type="button" data-action="lang" data-lang=(l.code()) aria-pressed=(l == lang) {
                        (l.code().to_uppercase())
                    }
                }
            }
        }
        main #screen {
            section #lock .card data-gate=(gate_name(g.gate)) {
                @match g.gate {
                    Gate::SetPin => {
                        h1 { (t(lang, L::ChoosePin)) }
                        p { (t(lang, L::ChoosePinHelp)) }
                        form #set-pin data-form="set-pin" autocomplete="off" {
                            (secret_input(lang, L::Pin, "pin"))
                            (secret_input(lang, L::PinAgain, "pin_again"))
                            button.primary type="submit" disabled[g.busy] { (t(lang, L::SetPin)) }
                        }
                    }
                    Gate::Locked => {
                        h1 { (t(lang, L::LockedTitle)) }
                        p { (t(lang, L::LockedHelp)) }
                        form #unlock data-form="unlock" autocomplete="off" {
                            (secret_input(lang, L::Pin, "pin"))
                            button.primary type="submit" disabled[g.busy] { (t(lang, L::Unlock)) }
                        }
                        p { button type="button" data-action="forgot-pin" { (t(lang, L::ForgotPin)) } }
                    }
                    Gate::SignInRequired => {
                        h1 { (t(lang, L::SignInRequiredTitle)) }
                        p { (t(lang, L::SignInRequiredHelp)) }
                        form #login data-form="login" autocomplete="off" {
                            label { (t(lang, L::Login)) input name="login" autocomplete="off" required; }
                            label { (t(lang, L::Password)) input name="password" type="password" autocomplete="current-password" required; }
                            button.primary type="submit" disabled[g.busy] { (t(lang, L::SignIn)) }
                        }
                        @if g.record.as_ref().is_some_and(|r| !r.online_required) {
                            p { button type="button" data-action="back-to-pin" { (t(lang, L::BackToPin)) } }
                        }
                        p.signout { button.danger type="button" data-action="sign-out" { (t(lang, L::EraseTablet)) } }
                    }
                    Gate::Finishing => {
                        h1 { (t(lang, L::FinishingTitle)) }
                        p { (t(lang, L::FinishingHelp)) }
                        button.primary type="button" data-action="unlock" { (t(lang, L::TryAgain)) }
                    }
                    Gate::Elsewhere => {
                        h1 { (t(lang, L::ElsewhereTitle)) }
                        p { (t(lang, L::ElsewhereHelp)) }
                        button.primary #take-over type="button" data-action="take-over" { (t(lang, L::TakeOver)) }
                    }
                    Gate::TakenOver => {
                        h1 { (t(lang, L::TakenOverTitle)) }
                        p { (t(lang, L::TakenOverHelp)) }
                        button.primary #take-over type="button" data-action="take-over" { (t(lang, L::TakeOver)) }
                    }
                    Gate::Open => {}
                }
                @if g.busy { p #deriving role="status" { (t(lang, L::Deriving)) } }
                @if let Some(msg) = &g.msg {
                    p #lock-msg .flash.error role="alert" data-code=(msg_code(msg)) {
                        (message(lang, msg, g.record.as_ref(), g.now_ms))
                    }
                }
            }
        }
    }
}

fn secret_input(lang: Lang, label: L, name: &str) -> Markup {
    // A text field drawn as dots: a password field would invite the browser's password manager
    // to keep the code.
    html! {
        label { (t(lang, label))
            input.secret name=(name) type="text" inputmode="numeric" autocomplete="off" autocapitalize="off"
                spellcheck="false" required;
        }
    }
}

fn gate_name(gate: Gate) -> &'static str {
    match gate {
        Gate::Open => "open",
        Gate::SetPin => "set-pin",
        Gate::Locked => "locked",
        Gate::SignInRequired => "sign-in",
        Gate::Finishing => "finishing",
        Gate::Elsewhere => "elsewhere",
        Gate::TakenOver => "taken-over",
    }
}

/// Below the screens once unlocked: the storage's state, the idle lock and "lock now".
pub fn footer(app: &App) -> Markup {
    let lang = app.lang;
    let g = &app.guard;
    let idle = g.record.as_ref().map_or(DEFAULT_IDLE_MINUTES, |r| r.idle_minutes);
    let mb = |b: f64| format_number(((b / 1_048_576.0) * 10.0).round() / 10.0, lang);
    html! {
        footer #device .card {
            p #storage data-persisted=(match g.storage.persisted { Some(true) => "true", Some(false) => "false", None => "unknown" }) {
                (t(lang, L::Storage)) (crate::i18n::colon(lang))
                @match g.storage.persisted {
                    Some(true) => (t(lang, L::Persistent)),
                    _ => (t(lang, L::NotPersistent)),
                }
                @if let Some((used, quota)) = g.storage.usage {
                    " · " span #storage-usage { (mb(used)) " " (t(lang, L::UsedOf)) " " (mb(quota)) " " (t(lang, L::Mb)) }
                }
            }
            @if g.update_ready {
                p #update-ready { (t(lang, L::UpdateReady)) " "
                    button #apply-update type="button" data-action="apply-update" { (t(lang, L::ApplyUpdate)) }
                }
            }
            @if g.record.is_some() {
                form #idle-form data-form="idle" autocomplete="off" {
                    label { (t(lang, L::LockAfter)) " "
                        select name="idle" data-action-change="idle" {
                            @for m in IDLE_CHOICES { option value=(m) selected[m == idle] { (m) } }
                        }
                    }
                    " " button type="submit" { "OK" }
                    " " button #lock-now type="button" data-action="lock-now" { (t(lang, L::LockNow)) }
                }
            }
        }
    }
}

/// The number of this worksite's changes not yet synced, as a small badge (nothing when zero).
pub fn pending_badge(app: &App, doc: terrain_client_core::DocumentId) -> Markup {
    let n = app.replica.as_ref().map_or(0, |r| r.pending_changes(doc));
    html! {
        @if n > 0 { span.pending-here data-count=(n) { (n) " " (t(app.lang, L::PendingHere)) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_wrap_opens_with_the_right_derived_key_only() {
        let key = StorageKey::from_bytes([9; 32]);
        let wrap = PinWrap::new([1; 32], vec![2; 16], 300_000, [3; 12], &key);
        assert_eq!(wrap.open([1; 32]), Some(key));
        assert_eq!(wrap.open([4; 32]), None);
        assert!(!wrap.wrapped.windows(32).any(|w| w == [9; 32]), "the key is not in clear");
    }

    #[test]
    fn wrong_pins_wait_longer_then_require_a_sign_in() {
        let wrap = PinWrap::new([1; 32], vec![2; 16], 1, [3; 12], &StorageKey::from_bytes([9; 32]));
        let mut r = LockRecord::new(DeviceId::from_random_bytes([5; 16]), wrap, 15, None);
        for at in [1_000, 2_000, 3_000] {
            assert_eq!(r.retry_at_ms(), None);
            r.count_attempt(at);
        }
        assert_eq!(r.retry_at_ms(), Some(5_000));
        r.count_attempt(6_000);
        assert_eq!(r.retry_at_ms(), Some(14_000));
        assert!(!r.online_required);
        r.count_attempt(15_000);
        assert!(r.online_required);
        r.succeeded();
        assert_eq!((r.failures, r.online_required, r.retry_at_ms()), (0, false, None));
    }

    #[test]
    fn new_codes_are_long_enough_and_confirmed() {
        assert_eq!(check_new_secret("12345", "12345"), Err(Msg::PinTooShort));
        assert_eq!(check_new_secret("123456", "123457"), Err(Msg::PinsDiffer));
        assert_eq!(check_new_secret("123456", "123456"), Ok(()));
        assert_eq!(iterations_for(100.0), 500_000);
        assert_eq!(iterations_for(10_000.0), 200_000);
    }

    #[test]
    fn every_refusal_code_has_a_sentence_in_each_language() {
        for lang in Lang::ALL {
            let a = refusal_text(lang, ErrorCode::InvalidCredentials);
            assert!(!a.is_empty());
        }
        assert_ne!(refusal_text(Lang::Fr, ErrorCode::Busy), refusal_text(Lang::En, ErrorCode::Busy));
    }
}
