"""Scale benchmarks of tt_analytics (`make bench`, i.e. `python -m benchmarks.run`); see BENCHMARKS.md."""
