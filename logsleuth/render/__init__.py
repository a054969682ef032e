"""Pure functions from an Analysis to text: terminal (rich), plain text, Markdown, JSON."""
