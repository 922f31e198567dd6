"""Plumbing every Hoa CRM service shares, and nothing domain-specific."""
