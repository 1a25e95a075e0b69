"""Readers and writers at the edges: PTC folders, text, JSONL, SemEval TSV, JSON."""
