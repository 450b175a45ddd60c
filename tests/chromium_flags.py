"""Headless Chromium's flags for the browser tests: headless as root, and no background
connections, which this closed network refuses (shared by the report and explorer tests)."""

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
