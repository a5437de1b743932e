"""Inline code and interpreters: python, node/perl/ruby/…, awk."""
