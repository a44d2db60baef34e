"""Where the workshops' plans run: tasks on a ``dask.distributed`` cluster, or one by one.

Each workshop's plan is an independent task (:func:`c2m.planning.planner.make_plan` on its
share of the inputs), so the night spreads over as many workers as there are. Which cluster:

* ``scheduler`` (``--scheduler tcp://HOST:8786``, else ``$C2M_DASK_SCHEDULER``): a running
  cluster (``dask scheduler`` on one machine, ``dask worker tcp://HOST:8786`` on each of the
  others). If it does not answer, :class:`SchedulerUnreachable` (exit 75: try again later);
* otherwise a ``LocalCluster`` of worker *processes* (CP-SAT holds the GIL only briefly, but
  the planner's Python steps do not share well between threads), ``workers`` of them, by
  default one per core;
* ``serial`` (or Dask not installed: the ``cluster`` extra): in this process, one after the
  other, with a note saying so. The plans are the same; only the wall time differs.

A task that raises is retried ``retries`` times (``client.map(..., retries=)``); a worker
that dies mid-task has its tasks moved to the others by Dask's scheduler. A task that still
fails is reported by key with its error's sentence, and the other tasks' results stand.
Results come back keyed by the caller's keys, never in completion order, so the same inputs
give the same plans whatever the number of workers.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from c2m.errors import C2MError, ExitCode
from c2m.progress import Say, silent

ENV_VAR = "C2M_DASK_SCHEDULER"
CONNECT_TIMEOUT = "10s"


class SchedulerUnreachable(C2MError):
    """The Dask scheduler named by ``--scheduler`` or ``$C2M_DASK_SCHEDULER`` does not answer."""

    exit_code = ExitCode.TEMPFAIL


class ClusterMissing(C2MError):
    """A cluster was asked for, but the ``cluster`` extra (dask[distributed]) is not installed."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class EngineOptions:
    """How to run the tasks; ``None`` scheduler: ``$C2M_DASK_SCHEDULER``, else a LocalCluster."""

    scheduler: str | None = None
    workers: int | None = None  # LocalCluster processes (default: the machine's cores)
    retries: int = 2
    serial: bool = False


@dataclass
class TaskOutcome:
    """Each key's result, or its failure's sentence; where they ran and on how many workers."""

    results: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    engine: str = "serial"  # serial | local | the scheduler's address
    workers: int = 1


def dask_available() -> bool:
    return importlib.util.find_spec("distributed") is not None


def scheduler_address(
    options: EngineOptions, environ: Mapping[str, str] | None = None
) -> str | None:
    environ = os.environ if environ is None else environ
    return options.scheduler or environ.get(ENV_VAR) or None


def run_tasks(
    fn: Callable[..., Any],
    tasks: Mapping[str, tuple],
    options: EngineOptions,
    say: Say = silent,
) -> TaskOutcome:
    """``fn(*args)`` for each ``key: args`` of ``tasks``, on the cluster ``options`` names."""
    address = scheduler_address(options)
    if not dask_available():
        if address is not None:
            raise ClusterMissing(
                f"--scheduler {address} needs Dask: pip install 'c2m-planner[cluster]'"
            )
        if not options.serial:
            say(
                "note: Dask is not installed (pip install 'c2m-planner[cluster]'): "
                "planning the workshops one after another"
            )
        return _serial(fn, tasks)
    if options.serial:
        return _serial(fn, tasks)
    return _on_dask(fn, tasks, options, address, say)


def _serial(fn: Callable[..., Any], tasks: Mapping[str, tuple]) -> TaskOutcome:
    outcome = TaskOutcome()
    for key, args in tasks.items():
        try:
            outcome.results[key] = fn(*args)
        except Exception as exc:  # one workshop's failure must not stop the others
            outcome.failures[key] = _sentence(exc)
    return outcome


def _on_dask(
    fn: Callable[..., Any],
    tasks: Mapping[str, tuple],
    options: EngineOptions,
    address: str | None,
    say: Say,
) -> TaskOutcome:
    from distributed import LocalCluster, wait

    cluster = None
    if address is None:
        n = options.workers or os.cpu_count() or 1
        say(f"starting a local Dask cluster of {n} worker processes")
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    try:
        client = _connect(cluster if cluster is not None else address, address)
        try:
            workers = len(client.scheduler_info().get("workers", {}))
            outcome = TaskOutcome(engine=address or "local", workers=workers)
            keys = list(tasks)
            futures = [
                client.submit(fn, *tasks[k], key=f"c2m-{k}", retries=options.retries, pure=False)
                for k in keys
            ]
            wait(futures)
            for key, future in zip(keys, futures, strict=True):
                if future.status == "finished":
                    outcome.results[key] = future.result()
                else:
                    outcome.failures[key] = _sentence(future.exception())
            return outcome
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def _connect(target: Any, address: str | None) -> Any:
    from distributed import Client

    try:
        return Client(target, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachable(
            f"the Dask scheduler at {address} does not answer ({type(exc).__name__}); "
            "start it with `dask scheduler`, or leave out --scheduler and "
            f"${ENV_VAR} to use a local cluster"
        ) from None


def _sentence(exc: BaseException | None) -> str:
    if exc is None:
        return "cancelled"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
