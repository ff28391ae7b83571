"""A reference recording server: the nextcloud-talk-recording HTTP protocol, recording no media."""

# The version the welcome endpoint reports: upstream's protocol version, marked as this implementation.
__version__ = "0.2.1-reference"
