//! A job's input: kept in its PostgreSQL row, or in object storage.

use aws_sdk_s3::error::DisplayErrorContext;
use medsec_store::jobs::StoredPayload;
use medsec_store::AsyncPgConnection;
use medsec_store::Uuid;

use crate::failure::JobFailure;

/// `s3://bucket/key` split into its bucket and key.
fn split_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// Reads the input of job `id`.
pub async fn fetch(
    conn: &mut AsyncPgConnection,
    s3: Option<&aws_sdk_s3::Client>,
    id: Uuid,
) -> Result<Vec<u8>, JobFailure> {
    match medsec_store::jobs::job_payload(conn, id).await? {
        None => Err(JobFailure::permanent(format!(
            "job {id} has no stored input"
        ))),
        Some(StoredPayload::Inline(bytes)) => Ok(bytes),
        Some(StoredPayload::S3Uri(uri)) => {
            let (bucket, key) = split_s3_uri(&uri).ok_or_else(|| {
                JobFailure::permanent(format!(
                    "job {id}: input location {uri:?} is not s3://bucket/key"
                ))
            })?;
            let client = s3.ok_or_else(|| {
                JobFailure::transient(format!(
                    "job {id}: input is at {uri} but no object store is configured (s3.endpoint / s3.bucket)"
                ))
            })?;
            let object = client
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| {
                    JobFailure::transient(format!("reading {uri}: {}", DisplayErrorContext(&e)))
                })?;
            let body = object
                .body
                .collect()
                .await
                .map_err(|e| JobFailure::transient(format!("reading {uri}: {e}")))?;
            Ok(body.into_bytes().to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_s3_uri;

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        assert_eq!(split_s3_uri("s3://b/k/x.json"), Some(("b", "k/x.json")));
        assert_eq!(split_s3_uri("s3://b/"), None);
        assert_eq!(split_s3_uri("s3:///k"), None);
        assert_eq!(split_s3_uri("http://b/k"), None);
    }
}
