import os

# The handler makes its S3 client on import, which needs a region (Lambda always sets
# one). The tests stub every call, so no request leaves the machine.
os.environ.setdefault("AWS_REGION", "us-east-1")
