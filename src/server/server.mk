# src/server/server.mk -- (filled in by its module's owner)
