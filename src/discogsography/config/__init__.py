"""The one configuration story: typed settings read from the environment and a `.env` file.

``base`` holds what every service shares (the loader, the error, LOG_LEVEL), ``amqp`` and
``postgres`` the parts several services share, ``reference`` writes docs/configuration.md
from the settings classes.
"""
