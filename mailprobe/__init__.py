"""mailprobe: send test consultations to government mailboxes, then collect, match and judge the replies.

Stages (each re-runnable alone, state in MongoDB): ``send`` (compose + SMTP), ``collect`` (IMAP ->
``messages`` -> classify -> match -> per-probe results), ``status`` (Kaplan-Meier reply rates).
``classify`` is pure: raw message bytes -> verdict.
"""
from __future__ import annotations

__all__ = ["__version__"]
__version__ = "0.1.0"
