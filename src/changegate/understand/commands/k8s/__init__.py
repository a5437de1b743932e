"""Kubernetes: kubectl, helm and the GitOps tools that drive clusters."""
