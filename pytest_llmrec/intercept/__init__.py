"""Where HTTP clients are hooked: VCR.py's patches, our httpx/httpx2 transports, and the socket guard.

Only this package imports VCR.py, and only ``patchers`` at the top: importing VCR.py imports every
installed HTTP client, which a session whose tests record and replay nothing should not pay for.
"""
