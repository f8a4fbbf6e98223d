//! `medsec-api`: reads the configuration (file from `--config` or
//! `$MEDSEC_CONFIG`, then `MEDSEC_*` variables), migrates the database and
//! serves until SIGINT/SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use medsec_api::Application;
use medsec_config::Settings;

fn config_path() -> Result<Option<PathBuf>, String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(None),
        (Some("--config"), Some(path)) => Ok(Some(PathBuf::from(path))),
        (Some(other), _) => Err(format!(
            "usage: medsec-api [--config FILE]; unexpected {other:?}"
        )),
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    let settings =
        match config_path().and_then(|p| Settings::load(p.as_deref()).map_err(|e| e.to_string())) {
            Ok(settings) => settings,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    let _telemetry = match medsec_telemetry::init("medsec-api", &settings.telemetry) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = medsec_store::run_migrations(&settings.database.url).await {
        tracing::error!(error = %e, "migrations failed");
        eprintln!("error: {e}");
        return ExitCode::from(3);
    }
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "startup failed");
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
    };
    tracing::info!(port = app.port(), "medsec-api listening");
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}
