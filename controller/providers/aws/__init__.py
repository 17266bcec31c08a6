"""Everything AWS: the only package that imports boto3/botocore (the sandbox aside)."""
