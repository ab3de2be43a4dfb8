"""Test data is not collected: the pytest-recording suite here is run on its own, in a copy."""

collect_ignore_glob = ["*"]
