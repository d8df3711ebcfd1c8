"""The web console of supervisors and operations staff: server-rendered pages in Dutch (nl-BE).

An adapter beside the Twilio webhooks (``ivr``) and the JSON API (``api``): it reads the same
live state through ``service`` and signs people in with the API's tokens (``IVR_API_TOKENS``).
Its only table holds the sign-in sessions (``console.sessions``).
"""
