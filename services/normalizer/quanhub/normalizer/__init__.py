"""The normalizer: raw partner events in, canonical events (or dead letters) out.

Pure mapping lives in `vocab/` (one folder per source vocabulary) and `mapping/`; the
Kafka consumer loop in `service.py`; the composition root is `bootstrap.bootstrap()`.
"""
