"""File formats that ICG Desk both writes and reads back: their layout, checks and readers.

Below `export` (which renders files and may use the layouts and checksums here) and above
`models` (whose plain types, such as a roster's `ImportProblem`, the readers fill in). Nothing
here writes a database.
"""
