"""Test package of the ImageTasks test bed."""
__version__ = "{{version}}"


def favourite():
    return "teal" if __version__.startswith("2.") else "blue"
