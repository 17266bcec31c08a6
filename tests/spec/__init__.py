"""Tests of controller.spec: the config loader, schema and rules."""
