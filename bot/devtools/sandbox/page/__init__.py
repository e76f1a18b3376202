"""The sandbox's web page: plain HTML, CSS and JavaScript, served by sandbox/server.py (no build step)."""
