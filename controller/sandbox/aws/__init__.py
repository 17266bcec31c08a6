"""The AWS emulator: the Invoicing procurement-portal API (JSON 1.0), STS and Organizations.

Modules: `shapes` (botocore model + shape walker), `rules` (service rules table), `lifecycle`
(status table), `store` (SQLite), `service` (operations), `service_control` (the control
endpoints' hooks), `idempotency` (ClientToken), `paging` (NextToken), `catalog` (portals),
`suppliers`, `faults`, `iam` (IAM policy evaluation), `access` (policies per caller),
`identity` (STS, Organizations), `sigv4` (the caller of a request), `api` (JSON 1.0
dispatch), `identity_api` (STS and Organizations dispatch).
"""
