# Lets the tests import train.py from the project root.
