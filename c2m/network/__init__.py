"""A network of workshops: one database, several factories, one allocation of the work.

``config`` reads the network file (a list of workshops, each with its own factory config);
``capacity`` turns a workshop's calendar and lines into SAM-minutes per day; ``allocation``
assigns each style run to a workshop with CP-SAT; ``engine`` runs the workshops' plans as
tasks on ``dask.distributed`` (or serially); ``plan`` is ``c2m plan --network`` as a function,
``replan`` is ``c2m replan --network`` (every workshop's night under one lock); ``facts`` is
what a night notes on each plan and ``view`` reads a night back (load, moves, fill rate).
See docs/network.md.
"""
