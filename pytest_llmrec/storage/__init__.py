"""Recordings at rest: the document schema, response codec, stream framing, typed payloads,
SDK type table, the store on disk and the scrubbing that runs before anything is written.
"""
