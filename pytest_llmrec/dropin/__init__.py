"""pytest-recording's surface (markers, fixtures, options, ``vcr_config``), served by pytest-llmrec.

Registered only when neither pytest-recording nor pytest-vcr is loaded, so a suite written for
them runs unchanged: its cassettes replay as VCR.py would, and what it records is native.
"""
