"""An OpenAI-compatible chat-completions server over a toolschool backend.

Import :func:`toolschool.serve.app.create_app` for the app (:mod:`toolschool.serve.answer`
turns model text into answers, whole or streamed); this package's ``__init__`` imports
nothing heavy (FastAPI is imported by ``app``).
"""

from __future__ import annotations
