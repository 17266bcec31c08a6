"""Git and GitHub: which files changed, what a change asks for, code owners, job output."""
