//! Compiles proto/medsec/jobs/v1/envelope.proto with protox (a protobuf
//! compiler in Rust), so building needs no system `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let envelope = proto_root.join("medsec/jobs/v1/envelope.proto");
    println!("cargo:rerun-if-changed={}", envelope.display());
    let descriptors = protox::compile([&envelope], [&proto_root])?;
    prost_build::Config::new().compile_fds(descriptors)?;
    Ok(())
}
