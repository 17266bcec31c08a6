"""Tests of controller.config: the config loader, schema and rules."""
