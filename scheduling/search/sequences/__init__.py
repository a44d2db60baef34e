"""Local search over the sequences of the changeover stage (sewing lines), for routed jobs.

Why: on the garment floor the sewing lines carry exact, sequence-dependent changeovers that
can eat a third of their time, and every lot is late when they do. A dispatching start
changes style at almost every lot; CP-SAT steps (LNS windows) re-sequence a few hours or a
group at a time and cost a sub-solve each. Here the schedule is reduced to what matters for
that: *which line, in which order* for each operation of the changeover stage. A candidate
is priced in microseconds by a per-line surrogate (each lot's other operations are assumed
to run as early as their routing allows, so a line's cost depends on its own sequence only),
so thousands of moves fit in seconds: iterated greedy (remove a few operations or a whole
run of a setup family, re-insert at the cheapest line and place) with a constant-temperature
acceptance, as Ruiz & Stuetzle do for flow shops and Fanjul-Peyro & Ruiz for parallel
machines with setups. Sequences are turned into an exact schedule by :func:`decode`
(cutting and finishing placed around the lines, in gaps, overtime only where it pays), whose
objective the independent checker computes. The surrogate does not see the queues at
cutting and finishing (on a real plan its value kept falling while the exact one stalled),
so the last ``EXACT_PHASE_SHARE`` of the budget accepts moves on the exact objective of
their decoded schedule instead. The
caller keeps the result only if it is better and valid.

Applies to problems (:func:`applicable`) where one stage has changeovers: every operation
is either on changeover resources only or on resources without changeovers, a job has at
most one changeover operation, precedences stay within a job, all resources share one
calendar, a pinned operation waits for nothing that moves, and there is no makespan term.

Replans (the nightly run): pinned operations (what is on the floor) stay where they are;
on a line they come first, and the search orders what follows them (a start whose free
operations run before a pinned one on its line is kept as the start, never re-created).
The surrogate prices the deviation from the previous plan of each line operation (its
start and its line), the checker's objective all of it.

Where things live: ``surrogate.py`` (the per-line pricing), ``decoder.py`` (sequences to
an exact schedule), ``moves.py`` (destroy and repair) and ``improve.py`` (the two phases).
"""

from scheduling.search.sequences.decoder import decode
from scheduling.search.sequences.improve import applicable, improve, iterations_for
from scheduling.search.sequences.surrogate import LineSurrogate, sequences_of

__all__ = ["LineSurrogate", "applicable", "decode", "improve", "iterations_for", "sequences_of"]
