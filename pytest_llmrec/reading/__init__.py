"""Recordings read for people: found under paths, summed up, shown as a transcript, compared.

Everything here reads files with the plugin's own reader (``storage.recording``), so the
``llmrec`` command sees a recording exactly as a replaying test does.
"""
