"""Providers: one package per external system the engine reconciles."""
