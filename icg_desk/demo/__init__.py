"""Sample batches and cohorts for trying ICG Desk, its screenshots, tests and benchmarks.

Above `models/`: it writes files through the models like any operation would, and nothing in
`models/` or `scoring/` imports it. The sentence banks it writes entries from are data, in
`resources/demo/`.
"""
