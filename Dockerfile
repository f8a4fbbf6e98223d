# One image, three binaries: medsec (CLI, migrations, kb sync/export),
# medsec-api and medsec-worker. The shipped exploitation model is included
# for the one-machine shape; services fetch theirs from S3.
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p medsec-cli -p medsec-api -p medsec-worker

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/medsec medsec
COPY --from=build /src/target/release/medsec /src/target/release/medsec-api /src/target/release/medsec-worker /usr/local/bin/
COPY --from=build /src/models /usr/share/medsec/models
COPY --from=build /src/examples/kb.snapshot /usr/share/medsec/kb/kb.snapshot
USER 10001
EXPOSE 8080 9464
CMD ["medsec-api"]
