"""Conformance suite for the Nextcloud Talk call-recording API."""

__version__ = "0.1.0"
