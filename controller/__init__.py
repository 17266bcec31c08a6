"""coupa-gitops: the AWS Marketplace <-> Coupa procurement integration as code."""

__version__ = "0.1.0"
