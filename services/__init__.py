"""What both adapters (`api`, `bot`) are given: the settings type and the services
container. Imports no adapter and builds nothing real: `carevoice.wiring` builds a
`Services` from `Settings` and hands it down."""
