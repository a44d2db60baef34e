"""The moves of the line-sequence search: destroy (a run of one setup family, or a few
single operations) and repair (re-insert each block at its cheapest line and place, on at
most ``MAX_LINES_TRIED`` lines)."""

from __future__ import annotations

import random

from scheduling.search.sequences.surrogate import LineSurrogate, family_runs


def copy_sequences(seqs: dict[int, list[int]]) -> dict[int, list[int]]:
    """A copy of the line sequences that moves can change."""
    return {r: list(s) for r, s in seqs.items()}


def step(
    lines: LineSurrogate,
    seqs: dict[int, list[int]],
    costs: dict[int, int],
    rng: random.Random,
    small: int,
) -> tuple[dict[int, list[int]], dict[int, int]] | None:
    """One destroy-and-repair move on copies of ``seqs``; None when a block fits nowhere."""
    new = copy_sequences(seqs)
    new_costs = dict(costs)
    blocks = _destroy(lines, new, rng, small)
    for r in {r for r, _ in blocks}:
        new_costs[r] = lines.cost(r, new[r])
    for came_from, block in blocks:
        got = lines.best_insertion(block, new, new_costs, lines_tried(lines, block, came_from, rng))
        if got is None:
            return None
        _, r, k, c = got
        new[r][k:k] = block
        new_costs[r] = c
    return new, new_costs


# Lines a block's re-insertion tries at most (its own among them): pricing every place on
# each eligible line is what a step costs, and on big floors a lot may use dozens of lines.
MAX_LINES_TRIED = 8


def lines_tried(
    lines: LineSurrogate, block: list[int], came_from: int, rng: random.Random
) -> list[int]:
    """The lines a block's re-insertion tries: all eligible ones, or at most
    ``MAX_LINES_TRIED`` of them (its own and a random sample of the others)."""
    eligible = lines.eligible(block)
    if len(eligible) <= MAX_LINES_TRIED:
        return eligible
    others = [r for r in eligible if r != came_from]
    chosen = rng.sample(others, MAX_LINES_TRIED - 1)
    return sorted([came_from, *chosen] if came_from in eligible else chosen)


def _destroy(
    lines: LineSurrogate, seqs: dict[int, list[int]], rng: random.Random, small: int
) -> list[tuple[int, list[int]]]:
    """Remove what a step re-inserts: half the time a run of one setup family (moved whole),
    else a few single operations. Returns (line it left, block) pairs."""
    nonempty = [r for r in sorted(seqs) if seqs[r]]
    if rng.random() < 0.5:
        r = nonempty[rng.randrange(len(nonempty))]
        runs = family_runs(lines, seqs[r], r, small)
        a, b = runs[rng.randrange(len(runs))]
        block = seqs[r][a:b]
        del seqs[r][a:b]
        return [(r, block)]
    out = []
    for _ in range(rng.randint(2, 4)):
        nonempty = [r for r in sorted(seqs) if seqs[r]]
        r = nonempty[rng.randrange(len(nonempty))]
        k = rng.randrange(len(seqs[r]))
        out.append((r, [seqs[r].pop(k)]))
    return out
