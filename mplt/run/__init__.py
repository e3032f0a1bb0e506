"""The end-to-end run's orchestration: the runner, profiles, preflight checks, the time estimate,
the recorded environment and the rehearsal, plus the run's own stages (the smoke `model`, the
rehearsal's stand-ins). The stages are listed in `mplt.stages`; the results, report and check
are in `mplt.results`."""
