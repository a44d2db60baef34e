"""c2m-planner: small-lot, customer-to-manufacturer production planning for garment factories.

The application layer: configuration, the database, CSV import, planning (forecast -> lots ->
schedule), the nightly replan, simulation and reports. It returns data and never prints; the
command line in ``cli.py`` decides how to show it.
"""

__version__ = "0.1.0"
