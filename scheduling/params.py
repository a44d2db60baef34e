"""The solve's parameters as data: a frozen dataclass, loadable from TOML, compared by value.

Each field is one decision of :func:`scheduling.solve.solve` (which phase runs, with which
share of the time); ``docs/scheduling.md`` gives the measurement behind each default.

    params = SolveParams.from_toml("solve.toml")   # keys as the field names below
    result = solve(problem, 10, params=params)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SolveParams:
    """Tuning knobs of the solve; the defaults are today's measured values."""

    # First schedule: the dispatching heuristic gets this share of the limit, capped.
    heuristic_share: float = 0.1
    heuristic_max_seconds: float = 2.0
    # Pure sequencing problems of at least this size: iterated greedy gets this share of
    # the time left, and in deterministic solves this much work a second (divided by size).
    ig_share: float = 0.5
    ig_min_operations: int = 25
    ig_work_per_second: int = 60_000
    # Routed jobs with a changeover stage: the line-sequence search's share and minimum size.
    sequence_share: float = 0.8
    sequence_min_operations: int = 150
    # One shared calendar and operations this many times longer than its working segments
    # (batch lots of days): the working-time relaxation gets this share of the time left.
    axis_min_span: float = 1.0
    axis_share: float = 0.5
    # Arc pruning: circuits of more nodes keep K = arcs_per_circuit / nodes neighbours of
    # each operation, clamped to [prune_min, prune_neighbours].
    prune_above: int = 120
    prune_neighbours: int = 30
    prune_min: int = 6
    prune_arcs_per_circuit: int = 3000
    # A model with more circuit arcs or operations than these is large (LNS gets more).
    large_arcs: int = 40_000
    large_operations: int = 400
    # Share of the time after the earlier phases kept for LNS (large, other models).
    lns_share: float = 0.7
    lns_share_small: float = 0.6
    # Above this many operations the full model is not built at all.
    full_model_max_operations: int = 4000
    # Below this many seconds left a phase is not started (LNS: ``lns_min_seconds``).
    min_seconds: float = 0.05
    lns_min_seconds: float = 0.1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"Solve parameter {f.name} must be a number, got {value!r}.")
            if value < 0:
                raise ValueError(f"Solve parameter {f.name} must be >= 0, got {value}.")
            if f.name.endswith("_share") and value > 1:
                raise ValueError(f"Solve parameter {f.name} is a share: at most 1, got {value}.")
        if self.prune_min > self.prune_neighbours:
            raise ValueError("Must have prune_min <= prune_neighbours.")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SolveParams:
        """Parameters from a mapping of field names to values (the others keep defaults)."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"Unknown solve parameter(s): {', '.join(unknown)}.")
        values: dict[str, Any] = {}
        for name, value in data.items():
            # Integers are accepted for float fields (TOML writes 1 for 1.0), not the reverse.
            if known[name].type == "float" and type(value) is int:
                value = float(value)
            if known[name].type == "int" and type(value) is not int:
                raise ValueError(f"Solve parameter {name} must be an integer, got {value!r}.")
            values[name] = value
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> SolveParams:
        """Parameters from a TOML file of ``name = value`` lines."""
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path} is not valid TOML: {exc}.") from exc
        return cls.from_dict(data)
