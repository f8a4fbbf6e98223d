//! The S3 model store against a real S3-compatible server (moto_server,
//! installed by scripts/s3/install and started per test).

mod common;

use medsec_testdata::moto::Moto;
use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use medsec_model::{ModelError, ModelStore, S3Config, S3Store};

/// A store on a fresh bucket of `moto`, credentials from the environment.
async fn store(moto: &Moto, bucket: &str, cache: &Path) -> S3Store {
    // The standard credential chain reads these; moto accepts any.
    std::env::set_var("AWS_ACCESS_KEY_ID", "medsec-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "medsec-test-secret");
    std::env::set_var("AWS_REGION", "us-east-1");
    let store = S3Store::new(S3Config {
        bucket: bucket.into(),
        prefix: "models/exploitation".into(),
        endpoint_url: Some(moto.endpoint.clone()),
        force_path_style: true,
        cache_dir: cache.to_path_buf(),
    })
    .await;
    client(moto)
        .await
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    store
}

async fn client(moto: &Moto) -> aws_sdk_s3::Client {
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let conf = aws_sdk_s3::config::Builder::from(&shared)
        .endpoint_url(&moto.endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[tokio::test]
async fn s3_store_publish_fetch_rollback() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let (a, b) = common::model_pair(work.path());
    let store = store(&moto, "medsec-models", &work.path().join("cache")).await;
    common::exercise_store(&store, &a, &b).await;
    let keys: Vec<String> = client(&moto)
        .await
        .list_objects_v2()
        .bucket("medsec-models")
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    for key in [
        "models/exploitation/current.json",
        "models/exploitation/2026.11.27-1/model.onnx",
        "models/exploitation/2026.11.27-2/manifest.json",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} not in {keys:?}");
    }
}

#[tokio::test]
async fn s3_store_verifies_checksums_and_refetches_corrupted_cache() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let (a, _) = common::model_pair(work.path());
    let cache = work.path().join("cache");
    let store = store(&moto, "medsec-models", &cache).await;
    let version = store.publish(&a).await.unwrap();
    let good = std::fs::read(a.join("model.onnx")).unwrap();

    // A corrupted cached file is fetched again and verified.
    let dir = store.fetch(&version).await.unwrap();
    let cached = dir.join("model.onnx");
    assert_eq!(std::fs::read(&cached).unwrap(), good);
    std::fs::write(&cached, b"not a model").unwrap();
    let dir = store.fetch(&version).await.unwrap();
    assert_eq!(std::fs::read(dir.join("model.onnx")).unwrap(), good);

    // A corrupted object in the bucket is refused by the manifest's sha256,
    // and nothing corrupted reaches the cache.
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0xff;
    client(&moto)
        .await
        .put_object()
        .bucket("medsec-models")
        .key(store.key(&format!("{version}/model.onnx")))
        .body(ByteStream::from(bad))
        .send()
        .await
        .unwrap();
    std::fs::remove_file(&cached).unwrap();
    let e = store.fetch(&version).await.unwrap_err();
    assert!(matches!(e, ModelError::Checksum { .. }), "{e}");
    assert!(!cached.exists(), "a corrupted download was cached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_store_watcher_swaps_without_dropping_work() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let (a, b) = common::model_pair(work.path());
    let store = store(&moto, "medsec-models", &work.path().join("cache")).await;
    store.publish(&a).await.unwrap();
    common::exercise_watcher(store, &b).await;
}

#[tokio::test]
async fn s3_pointer_poll_is_conditional() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let (a, b) = common::model_pair(work.path());
    let store = store(&moto, "medsec-models", &work.path().join("cache")).await;
    assert_eq!(
        store.poll_pointer(None).await.unwrap(),
        medsec_model::PointerPoll::Changed {
            pointer: None,
            etag: None
        }
    );
    store.publish(&a).await.unwrap();
    let medsec_model::PointerPoll::Changed { pointer, etag } =
        store.poll_pointer(None).await.unwrap()
    else {
        panic!("first poll must read the pointer");
    };
    assert_eq!(pointer.unwrap().version, "2026.11.27-1");
    let etag = etag.expect("S3 returns an ETag");
    assert_eq!(
        store.poll_pointer(Some(&etag)).await.unwrap(),
        medsec_model::PointerPoll::Unchanged
    );
    store.publish(&b).await.unwrap();
    assert!(matches!(
        store.poll_pointer(Some(&etag)).await.unwrap(),
        medsec_model::PointerPoll::Changed { pointer: Some(p), .. } if p.version == "2026.11.27-2"
    ));
}
