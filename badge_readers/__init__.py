"""Badge-reader edge program: a firmware-grade client of vigie's ingest API and a simulator.

It speaks to vigie only over HTTP, as a device in the field would: it never imports `app`.
"""
