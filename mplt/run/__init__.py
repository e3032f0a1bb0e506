"""The end-to-end run's orchestration: the runner, profiles, preflight checks, the time estimate,
the recorded environment and Hub access. The stages are listed in `mplt.stages`; the smoke model
stage is in `mplt.smoke`, the rehearsal in `mplt.rehearsal`, the results, report and check in
`mplt.results`."""
