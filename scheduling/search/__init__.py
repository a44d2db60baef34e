"""Searches that find good schedules fast: dispatching rules, iterated greedy and line
sequences, and large-neighbourhood search around CP-SAT sub-models."""
