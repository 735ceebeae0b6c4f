"""An OpenAI-compatible chat-completions server over a toolschool backend (first slice).

Import :func:`toolschool.serve.app.create_app` for the app; this package's ``__init__`` imports
nothing heavy (FastAPI is imported by ``app``).
"""

from __future__ import annotations
