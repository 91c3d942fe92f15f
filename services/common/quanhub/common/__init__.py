"""Code shared by every Quanhub service: settings blocks, logging, clock, ids, Kafka and
PostgreSQL plumbing, HTTP problem details and health endpoints. Services import from here
and never from each other."""
