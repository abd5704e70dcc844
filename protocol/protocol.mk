# protocol/protocol.mk -- (filled in by its module's owner)
