"""The order service's domain package (deployed as the Lambda layer).

Imports nothing on purpose: each function loads only the modules it uses.
"""
