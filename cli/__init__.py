"""The ``ivr`` command line: serve, simulate, agents, report, check-config, db."""

# The commands sit beside the app, not under it: the ones that run the service (``ivr serve``,
# ``ivr simulate``) name its factory as uvicorn does instead of importing it.
APP_FACTORY = "app:create_app"
