"""sealgate end-to-end rig: SMTP sinks, a private Postfix gateway, a Marionette
client and a Thunderbird driver (Python 3.11 stdlib only)."""
