"""Tests of the git and GitHub side: gitdiff, intent, codeowners, Actions output, workflows."""
