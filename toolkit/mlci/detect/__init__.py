"""What a repository already holds, read for `mlci init`: each guess with its evidence."""
