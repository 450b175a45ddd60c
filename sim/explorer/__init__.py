"""The browser explorer (`ipc-sim explore`): a Streamlit app over the same scenario loader,
batch machinery and run folders as the command line. `form` edits scenarios, `runs` starts
and watches batches, `charts` reads a finished run for the comparison views."""

from pathlib import Path


def app_path() -> Path:
    """The page Streamlit serves."""
    return Path(__file__).with_name("app.py")
