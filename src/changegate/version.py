"""The version, in a module of its own: what depends on it (the policy cache key, the API) need not import
the package's public face (`changegate.Gate`, the SDK)."""

__version__ = "0.1.0"
