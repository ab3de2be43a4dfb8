"""VCR.py cassettes: read as they are, replayed with VCR.py's matching, imported as native recordings."""
