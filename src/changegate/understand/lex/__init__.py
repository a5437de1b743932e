"""Small lexers for the languages command-line clients speak: psql scripts, the Mongo shell, mysql and
sqlite3 client commands."""
