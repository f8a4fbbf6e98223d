//! Job queue: protobuf job envelope, Redis Streams and RabbitMQ backends behind one trait.
