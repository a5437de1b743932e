"""Package managers and build tools: npm/pnpm/yarn/bun, pip/uv/poetry/pdm/pipx/conda, make, cargo, go, …"""
