"""The test suite. A regular package, so that a `tests` package another distribution installs
into site-packages (mlforecast 1.1 ships one) cannot shadow it: `from tests import worlds` and
`python -m tests.golden.runs` must find these."""
