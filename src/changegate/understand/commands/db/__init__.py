"""Database clients and the server tools around them: psql, mysql, sqlite3, redis-cli, mongosh, pg_dump, …"""
