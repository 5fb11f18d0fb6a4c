//! The `terrain` command.

use std::io::BufRead;

use clap::{Parser, Subcommand};
use terrain_client_core::{DeviceId, DocumentId};
use terrain_server::config::Settings;
use terrain_server::store::StoreError;

#[derive(Parser)]
#[command(name = "terrain", version, about = "Terrain: social-clause worksites, synced from the field to the office")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (embedded SQLite under ./terrain-data unless DATABASE_URL says otherwise).
    Serve(Settings),
    /// Load a sample portfolio and demo accounts (once), print the logins, then serve like `serve`.
    Demo(Settings),
    /// Manage users, devices and assignments directly in the database.
    Admin {
        #[command(flatten)]
        settings: Settings,
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create a user. The password is read from standard input (one line).
    CreateUser {
        /// Login (lower-case, no spaces).
        #[arg(long)]
        login: String,
        /// Name shown to people.
        #[arg(long)]
        name: String,
        /// advisor, office or admin.
        #[arg(long)]
        role: String,
    },
    /// List users.
    ListUsers,
    /// List devices.
    ListDevices,
    /// Revoke a device (a lost tablet): its next request is refused and it erases its data.
    RevokeDevice {
        /// Device id.
        device: DeviceId,
    },
    /// Assign a worksite to an advisor.
    Assign {
        /// Worksite document id.
        #[arg(long)]
        worksite: DocumentId,
        /// The advisor's login.
        #[arg(long)]
        login: String,
    },
    /// Run the retention job now: erase every person whose retention date (the retention period
    /// after their last placement, referral, note or evaluation) has passed.
    RunRetention {
        /// Run as if today were this day (YYYY-MM-DD), to see what a later run would erase.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Write a consistent copy of the SQLite database to a new file, safe while the server runs
    /// (Postgres: use pg_dump). Restoring it: see docs/DEPLOYMENT.md, "Backups".
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Give the database a new epoch after restoring it from a backup: every device then sends
    /// again what the server acknowledged after the backup was taken.
    NewEpoch,
    /// Remove an assignment.
    Unassign {
        /// Worksite document id.
        #[arg(long)]
        worksite: DocumentId,
        /// The advisor's login.
        #[arg(long)]
        login: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(settings) => {
            terrain_server::telemetry::init(settings.log_json);
            terrain_server::serve(settings).await.map_err(|e| e.to_string())
        }
        Command::Demo(settings) => {
            terrain_server::telemetry::init(settings.log_json);
            terrain_server::demo::run(settings).await
        }
        Command::Admin { settings, action } => admin(settings, action).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terrain: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn admin(settings: Settings, action: AdminAction) -> Result<(), String> {
    let store = terrain_server::open_store(&settings).await.map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let user_id = |login: String| {
        let store = store.clone();
        async move {
            store
                .user_by_login(&login.to_lowercase())
                .await
                .map_err(|e| e.to_string())?
                .map(|u| u.id)
                .ok_or_else(|| format!("no user with login {login}"))
        }
    };
    match action {
        AdminAction::CreateUser { login, name, role } => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password).map_err(|e| e.to_string())?;
            let user = terrain_server::admin::new_user(&login, &name, &role, password.trim_end_matches(['\r', '\n']))?;
            match store.create_user(&user, now).await {
                Ok(()) => println!("created {} ({}) with id {}", user.login, user.role, user.id),
                Err(StoreError::Duplicate(_)) => return Err(format!("the login {} is already taken", user.login)),
                Err(e) => return Err(e.to_string()),
            }
        }
        AdminAction::ListUsers => {
            for u in store.users().await.map_err(|e| e.to_string())? {
                println!("{}\t{}\t{}\t{}", u.id, u.login, u.role, u.display_name);
            }
        }
        AdminAction::ListDevices => {
            for d in store.devices(None).await.map_err(|e| e.to_string())? {
                let state = d.revoked_at.map_or("active".to_owned(), |t| format!("revoked {t}"));
                println!("{}\t{}\t{}\tlast seen {}\t{state}", d.id, d.user_id, d.name, d.last_seen_at);
            }
        }
        AdminAction::RevokeDevice { device } => {
            if !store.revoke_device(device, now).await.map_err(|e| e.to_string())? {
                return Err(format!("no device {device}"));
            }
            println!("revoked {device}");
        }
        AdminAction::Assign { worksite, login } => {
            let user = user_id(login).await?;
            store.assign(worksite, user, now).await.map_err(|e| e.to_string())?;
            println!("assigned {worksite}");
        }
        AdminAction::RunRetention { today } => {
            let today = today.unwrap_or_else(|| now.date_naive());
            let report = terrain_server::privacy::run_retention(store.as_ref(), today, &settings.retention())
                .await
                .map_err(|e| e.to_string())?;
            for id in &report.erased {
                println!("erased {id}");
            }
            println!("{} person(s) erased (retention period {} days)", report.erased.len(), settings.retention_days);
        }
        AdminAction::Backup { to } => {
            if to.exists() {
                return Err(format!("{} already exists: choose a new file", to.display()));
            }
            store.backup_to(&to).await.map_err(|e| e.to_string())?;
            println!("backup written to {}", to.display());
        }
        AdminAction::NewEpoch => {
            let epoch = store.new_epoch().await.map_err(|e| e.to_string())?;
            println!("new epoch {epoch}: devices will send again what this database lacks");
        }
        AdminAction::Unassign { worksite, login } => {
            let user = user_id(login).await?;
            if !store.unassign(worksite, user).await.map_err(|e| e.to_string())? {
                return Err("no such assignment".into());
            }
            println!("unassigned {worksite}");
        }
    }
    Ok(())
}
