"""Taxonomy, vote rules, scores and Label Studio sync."""
