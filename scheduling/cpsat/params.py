"""CP-SAT's parameters for a full-model solve, and a solve that Ctrl-C can interrupt."""

from __future__ import annotations

import threading

from ortools.sat.python import cp_model

# Models with more constraints than this are solved without CP-SAT's presolve.
PRESOLVE_MAX_CONSTRAINTS = 20_000
# Deterministic solves stop on deterministic time; the wall-clock cap only guards against
# a hang, far enough that a loaded machine never reaches it (docs/scheduling.md).
DETERMINISTIC_WALL_FACTOR = 20
DETERMINISTIC_WALL_EXTRA = 60.0


def solve_interruptibly(
    solver: cp_model.CpSolver, model: cp_model.CpModel
) -> cp_model.CpSolverStatus:
    """``solver.solve(model)``, but Ctrl-C stops it at once and reaches the caller.

    CP-SAT's own SIGINT handler stops the search quietly and returns the best schedule as if
    the time limit had run out, so a planner who pressed Ctrl-C got a plan stored and exit 0.
    Without that handler Python would see the interrupt only when the solve returns (up to
    the whole time limit). So the solve runs in a thread (it releases the GIL) while this one
    waits and can be interrupted; then it stops the search, waits for it, and re-raises.
    """
    solver.parameters.catch_sigint_signal = False
    codes: list[cp_model.CpSolverStatus] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            codes.append(solver.solve(model))
        except BaseException as exc:  # handed to the caller's thread below
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=run, name="cp-sat", daemon=True)
    worker.start()
    try:
        # An Event, not Thread.join: a join interrupted by Ctrl-C can return at once the next
        # time (CPython 3.11), and the process then exits under a running solver (SIGABRT).
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        solver.stop_search()
        done.wait()
        worker.join()
        raise
    worker.join()
    if errors:
        raise errors[0]
    return codes[0]


def configure(
    prm: cp_model.SatParameters,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool = False,
    log: bool = False,
    big: bool = False,
) -> None:
    """Sets ``prm`` (a ``CpSolver().parameters``) for a full-model solve (``big``: more
    than PRESOLVE_MAX_CONSTRAINTS constraints).

    Deterministic solves: several workers interleave their subsolvers in deterministic
    batches; one worker is deterministic by itself and does NOT interleave. Interleaved
    search with one worker runs a ``fixed`` subsolver that needs a decision strategy the
    model does not have: OR-Tools 9.15 then aborts the whole process (``Check failed:
    heuristics.fixed_search != nullptr``, seen in the one-worker simulation), which no
    caller can catch. (Giving the model a decision strategy instead costs far more wall
    time per deterministic unit; see docs/scheduling.md.)
    """
    prm.num_workers = max(1, workers)
    prm.random_seed = seed
    prm.log_search_progress = log
    # Probing the circuit literals costs seconds and finds little; the search does better.
    prm.cp_model_probing_level = 0
    if big:
        # Presolve of big models can take the whole budget; without it the hint loads at once.
        prm.cp_model_presolve = False
    if deterministic:
        prm.interleave_search = prm.num_workers > 1
        prm.max_deterministic_time = time_limit
        prm.max_time_in_seconds = DETERMINISTIC_WALL_FACTOR * time_limit + DETERMINISTIC_WALL_EXTRA
    else:
        prm.max_time_in_seconds = time_limit
