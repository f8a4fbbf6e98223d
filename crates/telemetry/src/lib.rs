//! JSON logs, OpenTelemetry traces over OTLP, trace-context propagation and Prometheus metrics.
