//! The local-directory model store and hot reload from it.

mod common;

use medsec_model::{LocalStore, ModelError, ModelStore};

#[tokio::test]
async fn local_store_publish_fetch_rollback() {
    let work = tempfile::tempdir().unwrap();
    let (a, b) = common::model_pair(work.path());
    let store = LocalStore::new(work.path().join("store"));
    common::exercise_store(&store, &a, &b).await;

    // A corrupted model file in the store is refused by its checksum.
    let path = store.root().join("2026.11.27-1/model.onnx");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let e = store.fetch("2026.11.27-1").await.unwrap_err();
    assert!(matches!(e, ModelError::Checksum { .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_store_watcher_swaps_without_dropping_work() {
    let work = tempfile::tempdir().unwrap();
    let (a, b) = common::model_pair(work.path());
    let store = LocalStore::new(work.path().join("store"));
    store.publish(&a).await.unwrap();
    common::exercise_watcher(store, &b).await;
}
