"""The batch and cohort files: SQLAlchemy ORM models and the file formats ICG Desk reads."""
