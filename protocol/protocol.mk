# protocol/protocol.mk -- the PostgreSQL wire protocol 3.0 (protocol/): message reader and
# builder, framing, the connection state machine, authentication, cancel keys, the log.
libshale_a_SOURCES += \
	protocol/pgwire.h protocol/pq_conn_int.h \
	protocol/pq_msg.h protocol/pq_msg.c \
	protocol/pq_frame.h protocol/pq_frame.c \
	protocol/pq_log.h protocol/pq_log.c \
	protocol/pq_server.c protocol/pq_io.c protocol/pq_sink.c \
	protocol/pq_auth.c protocol/pq_startup.c protocol/pq_conn.c protocol/pq_loop.c \
	protocol/pq_tls.h protocol/pq_tls.c
