"""The composition of the whole suite: the `crm` command and the process list. It alone may
import every service and the gateway; nothing in them imports it."""
