//! `medsec queue`: the operators' view of the job queues, and dead letters
//! sent back or deleted.
//!
//! The queue is found the way the API and the workers find it: the service
//! configuration (`--config FILE` or `$MEDSEC_CONFIG`, then `MEDSEC_*`
//! variables such as `MEDSEC_REDIS__URL`, `MEDSEC_QUEUE__BACKEND`,
//! `MEDSEC_QUEUE__AMQP_URL`, `MEDSEC_QUEUE__STREAM_PREFIX`), with the flags
//! below taking precedence.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use clap::{Args, Subcommand, ValueEnum};
use medsec_config::{QueueBackend, Settings};
use medsec_queue::{
    Backend, JobKind, JobQueue, QueueSettings, RabbitMqSettings, RedisSettings, RedisTarget,
    StreamStats,
};

use super::{CommandResult, Failure};

#[derive(Args)]
pub struct QueueArgs {
    #[command(flatten)]
    target: TargetArgs,
    #[command(subcommand)]
    command: QueueCommand,
}

#[derive(Args)]
struct TargetArgs {
    /// Service configuration file (TOML); default $MEDSEC_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Queue backend (configuration key queue.backend).
    #[arg(long, global = true, value_enum)]
    backend: Option<BackendArg>,
    /// Redis URL (redis.url; MEDSEC_REDIS__URL).
    #[arg(long, global = true, value_name = "URL")]
    redis_url: Option<String>,
    /// RabbitMQ URL (queue.amqp_url; MEDSEC_QUEUE__AMQP_URL).
    #[arg(long, global = true, value_name = "URL")]
    amqp_url: Option<String>,
    /// Names of streams/queues start with this (queue.stream_prefix).
    #[arg(long, global = true, value_name = "PREFIX")]
    prefix: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Redis,
    Rabbitmq,
}

#[derive(Subcommand)]
enum QueueCommand {
    /// Per job kind: depth, waiting, pending per consumer, delayed retries,
    /// lag, oldest entry age, dead letters.
    Stats {
        /// One JSON array on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Move every dead letter of KIND back to its queue (attempts start
    /// again at 1).
    RequeueDead(DeadArgs),
    /// Delete every dead letter of KIND.
    PurgeDead(DeadArgs),
}

#[derive(Args)]
struct DeadArgs {
    /// sbom-analysis or risk-score.
    kind: String,
    /// Do not ask; required when standard input is not a terminal.
    #[arg(long)]
    yes: bool,
}

pub fn run(args: QueueArgs) -> CommandResult {
    let (backend, settings) = resolve(&args.target)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::io(anyhow!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        match args.command {
            QueueCommand::Stats { json } => {
                let queue = open(&backend, settings).await?;
                let stats = queue.stats().await.map_err(|e| Failure::io(anyhow!(e)))?;
                if json {
                    let text = serde_json::to_string_pretty(&stats)
                        .map_err(|e| Failure::io(anyhow!(e)))?;
                    println!("{text}");
                } else {
                    print_table(&stats);
                }
                Ok(ExitCode::SUCCESS)
            }
            QueueCommand::RequeueDead(dead) => {
                change_dead(&backend, settings, &dead, DeadAction::Requeue).await
            }
            QueueCommand::PurgeDead(dead) => {
                change_dead(&backend, settings, &dead, DeadAction::Purge).await
            }
        }
    })
}

#[derive(Clone, Copy)]
enum DeadAction {
    Requeue,
    Purge,
}

async fn change_dead(
    backend: &Backend,
    settings: QueueSettings,
    args: &DeadArgs,
    action: DeadAction,
) -> CommandResult {
    let kind: JobKind = args
        .kind
        .parse()
        .map_err(|e| Failure::usage(anyhow!("{e}")))?;
    let verb = match action {
        DeadAction::Requeue => "requeue",
        DeadAction::Purge => "delete",
    };
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(Failure::usage(anyhow!(
            "refusing to {verb} the dead letters of {kind} without confirmation: \
             standard input is not a terminal; pass --yes"
        )));
    }
    let queue = open(backend, settings).await?;
    if !args.yes {
        let count = queue
            .stats()
            .await
            .map_err(|e| Failure::io(anyhow!(e)))?
            .into_iter()
            .find(|s| s.kind == kind.as_str())
            .map_or(0, |s| s.dead_letters);
        if !confirm(&format!("{verb} {count} dead letters of {kind}? [y/N] "))? {
            eprintln!("nothing changed");
            return Ok(ExitCode::from(1));
        }
    }
    let n = match action {
        DeadAction::Requeue => queue.requeue_dead(kind.as_str()).await,
        DeadAction::Purge => queue.purge_dead(kind.as_str()).await,
    }
    .map_err(|e| Failure::io(anyhow!(e)))?;
    match action {
        DeadAction::Requeue => println!("requeued {n} dead letters of {kind}"),
        DeadAction::Purge => println!("deleted {n} dead letters of {kind}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; only "y" or "yes" agrees.
fn confirm(question: &str) -> Result<bool, Failure> {
    let mut stderr = std::io::stderr();
    write!(stderr, "{question}")
        .and_then(|()| stderr.flush())
        .map_err(|e| Failure::io(anyhow!("cannot ask for confirmation: {e}")))?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::io(anyhow!("cannot read the confirmation: {e}")))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The backend and queue settings from the configuration and the flags.
fn resolve(args: &TargetArgs) -> Result<(Backend, QueueSettings), Failure> {
    let config = Settings::load(args.config.as_deref()).map_err(|e| Failure::usage(anyhow!(e)))?;
    let backend = match args.backend {
        Some(BackendArg::Redis) => QueueBackend::Redis,
        Some(BackendArg::Rabbitmq) => QueueBackend::Rabbitmq,
        None => config.queue.backend,
    };
    let backend = match backend {
        QueueBackend::Redis => {
            let target = match (&args.redis_url, &config.redis.sentinel) {
                (Some(url), _) => RedisTarget::Url(url.clone()),
                (None, Some(sentinel)) => RedisTarget::Sentinel {
                    master: sentinel.master.clone(),
                    nodes: sentinel.nodes.clone(),
                },
                (None, None) => RedisTarget::Url(config.redis.url.clone()),
            };
            Backend::Redis(RedisSettings {
                target,
                pool_size: 2,
                command_timeout: config.redis.command_timeout(),
            })
        }
        QueueBackend::Rabbitmq => Backend::RabbitMq(RabbitMqSettings::url(
            args.amqp_url
                .clone()
                .unwrap_or_else(|| config.queue.amqp_url.clone()),
        )),
    };
    let settings = QueueSettings {
        stream_prefix: args
            .prefix
            .clone()
            .unwrap_or_else(|| config.queue.stream_prefix.clone()),
        max_depth: config.queue.max_depth,
        visibility_timeout: config.queue.visibility_timeout(),
        max_attempts: config.queue.max_attempts,
        backoff_base: config.queue.backoff_base(),
        backoff_max: config.queue.backoff_max(),
    };
    Ok((backend, settings))
}

async fn open(backend: &Backend, settings: QueueSettings) -> Result<Arc<dyn JobQueue>, Failure> {
    let where_ = match backend {
        Backend::Redis(r) => match &r.target {
            RedisTarget::Url(url) => format!("Redis at {url}"),
            RedisTarget::Sentinel { master, nodes } => {
                format!("Redis master {master} via Sentinel {}", nodes.join(","))
            }
        },
        Backend::RabbitMq(a) => format!("RabbitMQ at {}", a.url),
    };
    let queue = medsec_queue::connect(backend, settings)
        .await
        .map_err(|e| {
            let failure = if e.is_unavailable() {
                Failure::io
            } else {
                Failure::usage
            };
            failure(anyhow!("{where_}: {e}"))
        })?;
    queue
        .ping()
        .await
        .map_err(|e| Failure::io(anyhow!("{where_}: {e}")))?;
    Ok(queue)
}

fn print_table(stats: &[StreamStats]) {
    println!(
        "{:<15} {:>7} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9}",
        "KIND", "DEPTH", "WAITING", "PENDING", "DELAYED", "DEAD", "LAG", "OLDEST"
    );
    for s in stats {
        println!(
            "{:<15} {:>7} {:>8} {:>8} {:>8} {:>6} {:>9} {:>9}",
            s.kind,
            s.depth,
            s.waiting,
            s.pending,
            s.delayed,
            s.dead_letters,
            age(s.lag),
            age(s.oldest_entry_age)
        );
        for c in &s.consumers {
            let idle = c
                .idle
                .map(|d| format!(", idle {}", age(Some(d))))
                .unwrap_or_default();
            println!("  consumer {}: pending {}{idle}", c.name, c.pending);
        }
    }
}

fn age(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.1}s", d.as_secs_f64()),
        None => "-".to_owned(),
    }
}
