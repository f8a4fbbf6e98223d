//! `medsec model publish | list | verify` against a real S3-compatible
//! server (moto_server, installed by scripts/s3/install, started here on a
//! free loopback port) and a local store directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws_sdk_s3::primitives::ByteStream;

use medsec_testdata::moto::Moto;

/// A client of the server, for what the command does not do (create a
/// bucket, tamper with an object).
fn s3_client(moto: &Moto) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "medsec-test",
            "medsec-test-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(&moto.endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `medsec model ARGS` with the S3 endpoint and credentials in the
/// environment, as a deployment would set them.
fn medsec(moto: Option<&Moto>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medsec"));
    cmd.arg("model").args(args);
    cmd.env("AWS_ACCESS_KEY_ID", "medsec-test")
        .env("AWS_SECRET_ACCESS_KEY", "medsec-test-secret")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE");
    if let Some(m) = moto {
        cmd.env("MEDSEC_S3_ENDPOINT_URL", &m.endpoint)
            .env("MEDSEC_S3_PATH_STYLE", "true");
    }
    cmd.output().expect("run medsec")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(o: &Output) -> String {
    format!(
        "exit {}\nstdout: {}\nstderr: {}",
        code(o),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(code(o), 0, "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/exploitation")
}

/// The shipped model's two files, with the manifest's version set to
/// `version` and `edit` applied to it.
fn model_copy(to: &Path, version: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    std::fs::copy(shipped().join("model.onnx"), to.join("model.onnx")).unwrap();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shipped().join("manifest.json")).unwrap()).unwrap();
    m["version"] = version.into();
    edit(&mut m);
    std::fs::write(
        to.join("manifest.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
    to.to_path_buf()
}

#[test]
fn publish_list_verify_on_s3() {
    let moto = Moto::start();
    let rt = runtime();
    let client = s3_client(&moto);
    rt.block_on(client.create_bucket().bucket("models").send())
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let store = "s3://models/medsec/exploitation";
    let a = model_copy(&work.path().join("a"), "2026.11.27-1", |_| {});
    let b = model_copy(&work.path().join("b"), "2026.11.27-2", |_| {});

    // Nothing published yet.
    let empty = json(&medsec(Some(&moto), &["list", "--from", store, "--json"]));
    assert_eq!(empty["versions"], serde_json::json!([]));
    assert!(empty["current"].is_null());

    let p = json(&medsec(
        Some(&moto),
        &["publish", a.to_str().unwrap(), "--to", store, "--json"],
    ));
    assert_eq!(p["version"], "2026.11.27-1");
    assert_eq!(p["current"], "2026.11.27-1");
    let out = medsec(
        Some(&moto),
        &["publish", b.to_str().unwrap(), "--to", store],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("published 2026.11.27-2"));

    // The objects are where the layout says, the pointer names the new one.
    let keys: Vec<String> = rt
        .block_on(
            client
                .list_objects_v2()
                .bucket("models")
                .prefix("medsec/exploitation/")
                .send(),
        )
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    for k in [
        "medsec/exploitation/2026.11.27-1/model.onnx",
        "medsec/exploitation/2026.11.27-1/manifest.json",
        "medsec/exploitation/2026.11.27-2/model.onnx",
        "medsec/exploitation/current.json",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} not in {keys:?}");
    }
    let listed = json(&medsec(Some(&moto), &["list", "--from", store, "--json"]));
    assert_eq!(
        listed["versions"],
        serde_json::json!(["2026.11.27-1", "2026.11.27-2"])
    );
    assert_eq!(listed["current"], "2026.11.27-2");
    let plain = medsec(Some(&moto), &["list", "--from", store]);
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout),
        "2026.11.27-1\n2026.11.27-2  (current)\n"
    );

    // Versions are immutable.
    let again = medsec(
        Some(&moto),
        &["publish", a.to_str().unwrap(), "--to", store],
    );
    assert_eq!(code(&again), 1, "{}", text(&again));
    assert!(
        text(&again).contains("already holds version"),
        "{}",
        text(&again)
    );

    // Verify the current and an older version, fetched from the server.
    let v = json(&medsec(Some(&moto), &["verify", store, "--json"]));
    assert_eq!(v["version"], "2026.11.27-2");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(v["sha256"], manifest["sha256"]);
    assert_eq!(v["features"], manifest["input"]["width"]);
    let old = json(&medsec(
        Some(&moto),
        &["verify", store, "--version", "2026.11.27-1", "--json"],
    ));
    assert_eq!(old["version"], "2026.11.27-1");

    // An object corrupted in the store is refused by its checksum.
    let mut bytes = std::fs::read(a.join("model.onnx")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    rt.block_on(
        client
            .put_object()
            .bucket("models")
            .key("medsec/exploitation/2026.11.27-1/model.onnx")
            .body(ByteStream::from(bytes))
            .send(),
    )
    .unwrap();
    let bad = medsec(Some(&moto), &["verify", store, "--version", "2026.11.27-1"]);
    assert_eq!(code(&bad), 1, "{}", text(&bad));
    assert!(text(&bad).contains("checksum mismatch"), "{}", text(&bad));

    // A version the store does not hold.
    let none = medsec(Some(&moto), &["verify", store, "--version", "2026.01.01-1"]);
    assert_eq!(code(&none), 1, "{}", text(&none));

    // An unreachable server is an I/O failure (exit 3).
    let dead = medsec(
        None,
        &[
            "list",
            "--from",
            store,
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--path-style",
        ],
    );
    assert_eq!(code(&dead), 3, "{}", text(&dead));
}

#[test]
fn corrupted_directory_is_not_published() {
    let moto = Moto::start();
    let rt = runtime();
    rt.block_on(s3_client(&moto).create_bucket().bucket("models").send())
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let dir = model_copy(&work.path().join("a"), "2026.11.27-1", |_| {});
    let mut bytes = std::fs::read(dir.join("model.onnx")).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(dir.join("model.onnx"), bytes).unwrap();
    let out = medsec(
        Some(&moto),
        &["publish", dir.to_str().unwrap(), "--to", "s3://models/m"],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("checksum mismatch"), "{}", text(&out));
    // Nothing was written.
    let objects = rt
        .block_on(s3_client(&moto).list_objects_v2().bucket("models").send())
        .unwrap();
    assert_eq!(objects.contents().len(), 0);
}

#[test]
fn verify_and_publish_with_a_local_store() {
    let work = tempfile::tempdir().unwrap();
    let ok = medsec(None, &["verify", shipped().to_str().unwrap(), "--json"]);
    let v = json(&ok);
    let p = v["empty_input_probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p), "{v}");

    // A feature kind this build does not know is refused, by name.
    let odd = model_copy(&work.path().join("odd"), "2026.11.27-3", |m| {
        m["features"][0]["kind"] = "epss_score".into();
    });
    let out = medsec(None, &["verify", odd.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("epss_score"), "{}", text(&out));

    // A width that disagrees with the feature list.
    let wide = model_copy(&work.path().join("wide"), "2026.11.27-4", |m| {
        m["input"]["width"] = 3.into();
    });
    let out = medsec(None, &["verify", wide.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", text(&out));

    let store = work.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    let s = store.to_str().unwrap();
    let a = model_copy(&work.path().join("a"), "2026.11.27-1", |_| {});
    let out = medsec(None, &["publish", a.to_str().unwrap(), "--to", s]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let listed = json(&medsec(None, &["list", "--from", s, "--json"]));
    assert_eq!(listed["versions"], serde_json::json!(["2026.11.27-1"]));
    assert_eq!(listed["current"], "2026.11.27-1");
    let v = json(&medsec(None, &["verify", s, "--json"]));
    assert_eq!(v["version"], "2026.11.27-1");

    let missing = medsec(None, &["list", "--from", "/nonexistent/medsec-store"]);
    assert_eq!(code(&missing), 3, "{}", text(&missing));
    let usage = medsec(None, &["list", "--from", "s3://"]);
    assert_eq!(code(&usage), 2, "{}", text(&usage));
}
