//! Large SBOMs go to S3-compatible storage; the job row keeps their
//! `s3://bucket/key`.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use bytes::Bytes;
use medsec_config::S3Settings;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
#[error("object storage {uri}: {message}")]
pub struct PayloadError {
    pub uri: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct PayloadStore {
    client: Client,
    bucket: String,
    prefix: String,
}

impl PayloadStore {
    /// A client for the configured endpoint (path-style when asked, as
    /// local servers need). Credentials come from the settings when given,
    /// else from the standard AWS environment.
    pub async fn new(settings: &S3Settings) -> PayloadStore {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()));
        if let Some(endpoint) = &settings.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            loader = loader.credentials_provider(Credentials::new(
                id.clone(),
                secret.clone(),
                None,
                None,
                "medsec-config",
            ));
        }
        let shared = loader.load().await;
        let config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(settings.path_style)
            .build();
        PayloadStore {
            client: Client::from_conf(config),
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.clone(),
        }
    }

    pub fn uri_for(&self, tenant: &str, job_id: Uuid) -> (String, String) {
        let key = format!("{}{tenant}/{job_id}", self.prefix);
        (format!("s3://{}/{key}", self.bucket), key)
    }

    /// Uploads a job's input; returns its `s3://` URI.
    pub async fn put(
        &self,
        tenant: &str,
        job_id: Uuid,
        bytes: Bytes,
    ) -> Result<String, PayloadError> {
        let (uri, key) = self.uri_for(tenant, job_id);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| PayloadError {
                uri: uri.clone(),
                message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
            })?;
        Ok(uri)
    }

    /// Removes an input whose job was not created after all.
    pub async fn delete(&self, tenant: &str, job_id: Uuid) -> Result<(), PayloadError> {
        let (uri, key) = self.uri_for(tenant, job_id);
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| PayloadError {
                uri,
                message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
            })
    }

    /// Reads an object back (tests, tools).
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, PayloadError> {
        let uri = format!("s3://{}/{key}", self.bucket);
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| PayloadError {
                uri: uri.clone(),
                message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
            })?;
        let data = out.body.collect().await.map_err(|e| PayloadError {
            uri,
            message: e.to_string(),
        })?;
        Ok(data.into_bytes().to_vec())
    }

    /// Creates the bucket when it does not exist.
    pub async fn ensure_bucket(&self) -> Result<(), PayloadError> {
        if self
            .client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| PayloadError {
                uri: format!("s3://{}", self.bucket),
                message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
            })
    }
}
