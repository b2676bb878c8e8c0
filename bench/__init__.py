"""`make bench`: each figure of ICG Desk beside a baseline measured in the same run."""
