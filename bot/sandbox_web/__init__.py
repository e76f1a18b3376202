"""The sandbox's web page: plain HTML, CSS and JavaScript, served by bot/sandbox.py (no build step)."""
