"""The benchmark harness behind `make bench`: stages, baselines, results (bench/README.md)."""
