"""Spec-driven fuzzing of the recording API (schemathesis) and a model-based test of its status machine."""
