"""The Coupa provider: `client` (the Core API client); observe and execute come later."""
