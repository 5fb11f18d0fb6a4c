//! The `terrain` command.

use clap::{Parser, Subcommand};
use terrain_server::config::Settings;

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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(settings) => {
            terrain_server::telemetry::init(settings.log_json);
            if let Err(e) = terrain_server::serve(settings).await {
                tracing::error!(error = %e, "terrain stopped");
                eprintln!("terrain: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
