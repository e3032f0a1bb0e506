"""Every stage of a run in one registry (docs/stages.md): the paper's six (select, testgen,
translate, dataset, finetune, evaluate), the smoke profile's `model`, `report` and `check`, and the
rehearsal's own stages. An entry owns the stage's config type, its declared inputs, its run
function, its summary schema, its screen line, its figures and its time estimate; the runner, the
profiles, the results collector and the estimate ask the entry instead of switching on names.

The registry is `mplt.stages.registry`; this package imports nothing, so that reading
`mplt.stages.summary` (as the stages' own modules do) does not load the registry.
"""
