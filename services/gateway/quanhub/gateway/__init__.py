"""The ingestion gateway: authenticates partners, checks and tokenises events, produces to Kafka."""
