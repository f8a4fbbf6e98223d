//! A PostgreSQL server of a test's own, for tests that stop and start the
//! database under load without disturbing the shared server: `initdb` into
//! a fresh directory, `pg_ctl` on a free loopback port, stopped and removed
//! on drop. The server programs are the newest under `/usr/lib/postgresql`;
//! as root they run as the `postgres` user, since `initdb` refuses root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A private PostgreSQL server (trust authentication, superuser `postgres`).
pub struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    /// Initialises and starts a server; `None` after printing that `test`
    /// was skipped when no PostgreSQL server programs are installed.
    pub fn start(test: &str) -> Option<PrivatePostgres> {
        let Some(bin) = server_programs() else {
            crate::say_skipped(
                test,
                "no PostgreSQL server programs (initdb, pg_ctl) under /usr/lib/postgresql",
            );
            return None;
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "medsec-postgres-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        if running_as_root() {
            chown_postgres(&dir);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = PrivatePostgres { bin, dir, port };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        pg.start_server();
        Some(pg)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's log file.
    pub fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// `pg_ctl stop -m fast`: open connections are closed at once.
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast"]);
    }

    /// Starts the (stopped) server again on the same port and data.
    pub fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.log();
        self.pg_ctl(&["start", "-o", &options, "-l", log.to_str().unwrap()]);
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn pg_ctl(&self, action: &[&str]) {
        let data = self.data();
        let mut args = action.to_vec();
        args.extend(["-D", data.to_str().unwrap(), "-w", "-t", "60"]);
        self.run("pg_ctl", &args);
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.output(program, args);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn output(&self, program: &str, args: &[&str]) -> std::process::Output {
        let path = self.bin.join(program);
        let mut command = if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", path.display()))
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // Unchecked: the server may be stopped already, and a failure here
        // must not hide the test's own.
        let data = self.data();
        let _ = std::panic::catch_unwind(|| {
            self.output(
                "pg_ctl",
                &["stop", "-m", "fast", "-D", data.to_str().unwrap(), "-w"],
            )
        });
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The directory of the newest PostgreSQL server programs installed.
fn server_programs() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_postgres(dir: &Path) {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "chown postgres {}", dir.display());
}
