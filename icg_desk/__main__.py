import multiprocessing

# First, before anything else: in the frozen app, a worker process that prints score reports
# (export/report_pool.py) starts as this same executable, and becomes a worker here instead of
# a second app. Elsewhere it does nothing.
multiprocessing.freeze_support()

from icg_desk.cli import main  # noqa: E402

raise SystemExit(main())
