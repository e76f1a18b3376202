"""The dashboard's script and style sheet, served from the package (nothing from a CDN)."""
