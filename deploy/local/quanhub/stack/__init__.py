"""The local stack: a private Kafka and PostgreSQL started, checked and stopped by pid."""
