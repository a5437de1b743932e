"""ORMs and migration runners: prisma, rails, django, alembic, flyway, goose, …"""
