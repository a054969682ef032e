"""Diagnostic bundles (``diagnostic-report.txt``, the guide's 获取帮助 file): sections read
into a model, checks on each section, correlations across sections, the security
checklist, and the report that runs them all. Each rule's words live in
``patterns/bundle.toml`` under the rule's id."""
