"""The programme assistant: answers questions about university programmes from their documents.

Importing the package is cheap: the embedding model, Chroma, Gradio and torch load on first use.
"""
