"""Everything mlci writes to GitHub goes through this package (PyGithub inside)."""
