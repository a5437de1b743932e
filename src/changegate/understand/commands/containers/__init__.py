"""Containers: docker, podman and nerdctl, and compose (`docker compose`, docker-compose, podman-compose)."""
