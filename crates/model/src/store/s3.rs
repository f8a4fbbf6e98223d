//! A model store in an S3 bucket (or any S3-compatible server), with a
//! local cache of fetched versions.

use std::path::{Path, PathBuf};

use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;

use super::{
    check_version, publishable, write_atomic, ModelStore, Pointer, PointerPoll, POINTER_FILE,
};
use crate::error::{ModelError, Result};
use crate::inference::MANIFEST_FILE;
use crate::manifest::{is_version, Manifest};

/// Where the store lives and where fetched versions are cached.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix (no leading or trailing `/` needed); may be empty.
    pub prefix: String,
    /// Endpoint of an S3-compatible server, instead of AWS's.
    pub endpoint_url: Option<String>,
    /// Path-style addressing (`http://host/bucket/key`), which most
    /// S3-compatible servers need.
    pub force_path_style: bool,
    /// Local directory for fetched versions.
    pub cache_dir: PathBuf,
}

/// Model versions under `s3://<bucket>/<prefix>/`.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    config: S3Config,
}

fn s3_err<'a, E>(
    operation: &'static str,
    key: &'a str,
) -> impl FnOnce(SdkError<E>) -> ModelError + 'a
where
    E: std::error::Error + Send + Sync + 'static,
{
    move |e| ModelError::Store {
        operation,
        key: key.to_owned(),
        message: DisplayErrorContext(&e).to_string(),
    }
}

impl S3Store {
    /// A store with credentials and region from the standard AWS chain
    /// (environment, profile, instance metadata).
    pub async fn new(config: S3Config) -> Self {
        Self::with_profile(config, None, None).await
    }

    /// Like [`Self::new`], with the region and the shared-config profile
    /// (`~/.aws/config`, `~/.aws/credentials`) given instead of taken from
    /// `AWS_REGION` / `AWS_PROFILE`.
    pub async fn with_profile(
        config: S3Config,
        region: Option<String>,
        profile: Option<String>,
    ) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        let shared = loader.load().await;
        let mut builder =
            aws_sdk_s3::config::Builder::from(&shared).force_path_style(config.force_path_style);
        if let Some(url) = &config.endpoint_url {
            builder = builder.endpoint_url(url);
        }
        Self::with_client(Client::from_conf(builder.build()), config)
    }

    /// A store using a client configured by the caller.
    pub fn with_client(client: Client, config: S3Config) -> Self {
        Self { client, config }
    }

    /// The configuration.
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// The object key of `name` under the prefix.
    pub fn key(&self, name: &str) -> String {
        let prefix = self.config.prefix.trim_matches('/');
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let sent = self
            .client
            .get_object()
            .bucket(&self.config.bucket)
            .key(key)
            .send()
            .await;
        match sent {
            Ok(out) => {
                let data = out.body.collect().await.map_err(|e| ModelError::Store {
                    operation: "read",
                    key: key.to_owned(),
                    message: e.to_string(),
                })?;
                Ok(Some(data.into_bytes().to_vec()))
            }
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => Ok(None),
            Err(e) => Err(s3_err("get", key)(e)),
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        self.client
            .put_object()
            .bucket(&self.config.bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(s3_err("put", key))?;
        Ok(())
    }

    async fn read_pointer(&self) -> Result<Option<Pointer>> {
        let key = self.key(POINTER_FILE);
        match self.get(&key).await? {
            Some(bytes) => Pointer::parse(&bytes, &key).map(Some),
            None => Ok(None),
        }
    }

    async fn manifest(&self, version: &str) -> Result<(Manifest, Vec<u8>)> {
        check_version(version)?;
        let key = self.key(&format!("{version}/{MANIFEST_FILE}"));
        let bytes = self
            .get(&key)
            .await?
            .ok_or_else(|| ModelError::NoSuchVersion(version.to_owned()))?;
        let manifest = Manifest::from_json(&bytes, &key)?;
        manifest.check()?;
        if manifest.version != version {
            return Err(ModelError::Refused(format!(
                "{key} says version {:?}",
                manifest.version
            )));
        }
        Ok((manifest, bytes))
    }

    /// The cached model file, when present and matching the checksum.
    fn cached(&self, manifest: &Manifest, path: &Path) -> bool {
        std::fs::read(path).is_ok_and(|bytes| manifest.verify_model_bytes(&bytes).is_ok())
    }
}

impl ModelStore for S3Store {
    async fn publish(&self, dir: &Path) -> Result<String> {
        let (manifest, files) = publishable(dir)?;
        let version = manifest.version;
        let manifest_key = self.key(&format!("{version}/{MANIFEST_FILE}"));
        if self.get(&manifest_key).await?.is_some() {
            return Err(ModelError::VersionExists(version));
        }
        // The manifest goes last: a version with a manifest is complete.
        for (name, bytes) in files {
            self.put(&self.key(&format!("{version}/{name}")), bytes)
                .await?;
        }
        let old = self.read_pointer().await?;
        self.put(
            &self.key(POINTER_FILE),
            Pointer::after_publish(old, &version).to_json(),
        )
        .await?;
        Ok(version)
    }

    async fn list(&self) -> Result<Vec<String>> {
        let prefix = self.key("");
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.config.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        let mut versions = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(s3_err("list", &prefix))?;
            for object in page.contents() {
                let rest = object.key().and_then(|k| k.strip_prefix(&prefix));
                if let Some((version, file)) = rest.and_then(|r| r.split_once('/')) {
                    if file == MANIFEST_FILE && is_version(version) {
                        versions.push(version.to_owned());
                    }
                }
            }
        }
        versions.sort();
        versions.dedup();
        Ok(versions)
    }

    async fn fetch(&self, version: &str) -> Result<PathBuf> {
        let (manifest, manifest_bytes) = self.manifest(version).await?;
        let dir = self.config.cache_dir.join(version);
        std::fs::create_dir_all(&dir).map_err(|e| ModelError::io(&dir, e))?;
        let model_path = dir.join(&manifest.model_file);
        // A missing or corrupted cached file is fetched again.
        if !self.cached(&manifest, &model_path) {
            let key = self.key(&format!("{version}/{}", manifest.model_file));
            let bytes = self.get(&key).await?.ok_or_else(|| ModelError::Store {
                operation: "get",
                key: key.clone(),
                message: "model file missing".into(),
            })?;
            manifest.verify_model_bytes(&bytes)?;
            write_atomic(&model_path, &bytes)?;
        }
        write_atomic(&dir.join(MANIFEST_FILE), &manifest_bytes)?;
        Ok(dir)
    }

    async fn current(&self) -> Result<Option<String>> {
        Ok(self.read_pointer().await?.map(|p| p.version))
    }

    async fn rollback(&self) -> Result<String> {
        let pointer = self.read_pointer().await?.ok_or(ModelError::NoCurrent)?;
        let back = pointer.rolled_back()?;
        self.manifest(&back.version).await?;
        self.put(&self.key(POINTER_FILE), back.to_json()).await?;
        Ok(back.version)
    }

    async fn poll_pointer(&self, etag: Option<&str>) -> Result<PointerPoll> {
        let key = self.key(POINTER_FILE);
        let sent = self
            .client
            .get_object()
            .bucket(&self.config.bucket)
            .key(&key)
            .set_if_none_match(etag.map(str::to_owned))
            .send()
            .await;
        match sent {
            Ok(out) => {
                let tag = out.e_tag().map(str::to_owned);
                let data = out.body.collect().await.map_err(|e| ModelError::Store {
                    operation: "read",
                    key: key.clone(),
                    message: e.to_string(),
                })?;
                Ok(PointerPoll::Changed {
                    pointer: Some(Pointer::parse(&data.into_bytes(), &key)?),
                    etag: tag,
                })
            }
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 304) => {
                Ok(PointerPoll::Unchanged)
            }
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => {
                Ok(PointerPoll::Changed {
                    pointer: None,
                    etag: None,
                })
            }
            Err(e) => Err(s3_err("get", &key)(e)),
        }
    }
}
