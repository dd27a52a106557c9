"""Cited, verbatim answers from research reports: loaders -> structure -> chunks -> embeddings
-> index -> retrieval -> answer. `ReportQA` is the entry point for asking; `index_paths` builds."""
