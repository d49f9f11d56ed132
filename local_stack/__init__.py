"""Runs the service on one machine: moto in server mode, provisioned from template.yaml,
a local API gateway and the event source pollers, all calling the real handlers."""
