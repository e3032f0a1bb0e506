"""The end-to-end run: orchestration (runner), the collected results, the report and the check."""
