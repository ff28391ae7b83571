"""The recording-server suite: the suite plays Talk and judges a recording server."""
