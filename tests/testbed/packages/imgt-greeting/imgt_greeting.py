"""Test package of the ImageTasks test bed."""
import imgt_colors

__version__ = "{{version}}"


def greet(name):
    return "hello %s in %s (greeting %s, colors %s)" % (name, imgt_colors.favourite(), __version__, imgt_colors.__version__)
