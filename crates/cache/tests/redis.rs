//! The caches on the real Redis (127.0.0.1:6379 or MEDSEC_TEST_REDIS_URL),
//! each test in a namespace of its own.

use std::time::Duration;

use medsec_cache::{Cache, CacheKind, SbomKey};
use medsec_config::{CacheSettings, RedisSettings};
use medsec_telemetry::Metrics;
use serde_json::json;

fn cache() -> Cache {
    let url = std::env::var("MEDSEC_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let redis = RedisSettings {
        url,
        ..RedisSettings::default()
    };
    Cache::new(&redis, CacheSettings::default())
        .unwrap()
        .with_namespace(format!("test-{}:", uuid::Uuid::new_v4()))
}

#[tokio::test]
async fn values_round_trip_with_the_guides_lifetimes() {
    let metrics = Metrics::new().unwrap();
    let cache = cache().with_metrics(metrics.clone());
    cache
        .ping()
        .await
        .expect("Redis must answer at 127.0.0.1:6379");
    assert_eq!(
        cache
            .get_json::<serde_json::Value>(CacheKind::Cvss, "CVE-2024-1")
            .await
            .unwrap(),
        None
    );
    let value = json!({"base": 9.8, "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"});
    for (kind, hours) in [
        (CacheKind::Cvss, 1),
        (CacheKind::Enrich, 24),
        (CacheKind::Sbom, 2),
    ] {
        cache.put_json(kind, "k", &value).await.unwrap();
        assert_eq!(
            cache
                .get_json::<serde_json::Value>(kind, "k")
                .await
                .unwrap(),
            Some(value.clone())
        );
        let ttl = cache.remaining_ttl(kind, "k").await.unwrap().unwrap();
        let full = Duration::from_secs(hours * 3600);
        assert!(
            ttl <= full && ttl >= full - Duration::from_secs(5),
            "{kind:?} {ttl:?}"
        );
        assert!(cache
            .redis_key(kind, "k")
            .ends_with(&format!("{}k", kind.prefix())));
        assert!(cache.invalidate(kind, "k").await.unwrap());
        assert!(!cache.invalidate(kind, "k").await.unwrap());
    }
    let text = metrics.render();
    assert!(
        text.contains(r#"medsec_cache_hits_total{cache="sbom"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"medsec_cache_misses_total{cache="cvss"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn a_value_of_another_shape_is_an_error_naming_the_key() {
    let cache = cache();
    cache
        .put_json(CacheKind::Enrich, "x", &json!([1, 2]))
        .await
        .unwrap();
    let err = cache
        .get_json::<std::collections::BTreeMap<String, u32>>(CacheKind::Enrich, "x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("enrich:x"), "{err}");
}

#[tokio::test]
async fn an_unreachable_redis_is_an_error_not_a_hang() {
    let redis = RedisSettings {
        url: "redis://127.0.0.1:1".to_owned(),
        ..RedisSettings::default()
    };
    let cache = Cache::new(&redis, CacheSettings::default()).unwrap();
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        cache.get_json::<u32>(CacheKind::Cvss, "a"),
    )
    .await
    .expect("returns");
    assert!(result.is_err());
}

#[test]
fn sbom_keys_change_with_each_part_and_ignore_context_spelling() {
    let a = json!({"exposure": "network", "clinical": {"life_sustaining": true, "class": "II"}});
    let b: serde_json::Value = serde_json::from_str(
        r#"{ "clinical": {"class": "II", "life_sustaining": true}, "exposure": "network" }"#,
    )
    .unwrap();
    let key = |ctx: Option<&serde_json::Value>, content: u8, generation: i64, model: &str| {
        SbomKey {
            content_sha256: [content; 32],
            device_context: ctx,
            kb_generation: generation,
            model_version: model,
        }
        .to_key()
    };
    let base = key(Some(&a), 1, 5, "m1");
    assert_eq!(base.len(), 64);
    assert_eq!(base, key(Some(&b), 1, 5, "m1"));
    assert_ne!(base, key(None, 1, 5, "m1"));
    assert_ne!(base, key(Some(&a), 2, 5, "m1"));
    assert_ne!(base, key(Some(&a), 1, 6, "m1"));
    assert_ne!(base, key(Some(&a), 1, 5, "m2"));
}
