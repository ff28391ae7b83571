"""Reference implementation of the Nextcloud Talk call-recording API and the Talk setup APIs it needs."""
