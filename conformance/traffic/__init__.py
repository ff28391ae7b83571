"""Traffic of a run as HAR 1.2: recording, the shipped real recordings, normalisation and comparison."""
