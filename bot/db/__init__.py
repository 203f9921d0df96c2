"""The store: SQLAlchemy 2 models, the async session factory and Alembic migrations."""
