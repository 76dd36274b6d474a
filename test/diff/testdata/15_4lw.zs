# Four-letter words: shapes of the answers (PROTOCOL.md §15).

=== fourletter-basic
4lw ruok
4lw isro
4lw srvr
4lw gtmk
4lw dirs
4lw conf
4lw envi
4lw x:73746d6b0000000000000000
4lw gtmk
4lw crst
4lw srst

# fresh: ZooKeeper adds per-namespace metrics (zk_cnt_<top-level znode>_…)
# for every top-level node that saw traffic.
=== fourletter-mntr-keys fresh
s1 connect
s1 create /a x
s1 get /a
4lw mntr

=== fourletter-mntr-core-keys
4lw mntr mode=has:zk_version,zk_server_state,zk_avg_latency,zk_max_latency,zk_min_latency,zk_packets_received,zk_packets_sent,zk_num_alive_connections,zk_outstanding_requests,zk_uptime,zk_znode_count,zk_watch_count,zk_ephemerals_count,zk_approximate_data_size,zk_global_sessions,zk_local_sessions,zk_open_file_descriptor_count,zk_max_file_descriptor_count,zk_connection_drop_probability,zk_last_client_response_size,zk_min_client_response_size,zk_max_client_response_size,zk_outstanding_tls_handshake,zk_auth_failed_count

=== fourletter-watches
s1 connect
s2 connect
s1 create /a
s1 create /b
s1 get /a watch
s1 ls /b watch
s1 exists /c watch
s2 get /a watch
s2 addwatch /b persistent
4lw wchs
4lw wchc
4lw wchp

=== fourletter-connections
s1 connect
s1 create /e x flags=ephemeral
s1 get /e
4lw cons
4lw stat
4lw dump
4lw srvr

=== fourletter-unknown-words
4lw abcd
4lw xxxx
4lw "ruok\n"
4lw x:fff4fffd

=== fourletter-not-whitelisted variant=plain
4lw ruok
4lw mntr
4lw conf
4lw stat
4lw wchs
4lw isro
4lw srvr mode=mask

=== fourletter-hash fresh
s1 connect
s1 create /a
4lw hash
