"""The one web server of a deployment: both webhooks and the signed links to pictures and files."""
