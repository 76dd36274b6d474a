# Stat bookkeeping (PROTOCOL.md §7) across node kinds and operations.

=== stat-owner-by-node-kind
s1 connect
s1 create /p
s1 create2 /p/per x
s1 create2 /p/eph x flags=ephemeral
s1 create2 /p/eseq- x flags=eseq
s1 create2 /p/seq- x flags=seq
s1 createcontainer /p/con x
s1 createttl /p/ttl x ttl=60000
s1 createttl /p/ttlseq- x ttl=60000 flags=ttlseq
s1 ls2 /p
s2 connect
s2 exists /p/eph
s2 exists /p/con
s2 exists /p/ttl

=== stat-version-sequence
s1 connect
s1 create /a
s1 set /a 1
s1 set /a 2 1
s1 set /a 3
s1 set /a 4 3
s1 setacl /a open
s1 setacl /a open 1
s1 setacl /a read 2
s1 set /a 5
s1 exists /a
s1 getacl /a

=== stat-datalength
s1 connect
s1 create /n null
s1 create /e ""
s1 create /x 12345
s1 create /u "\u00e9"
s1 exists /n
s1 exists /e
s1 exists /x
s1 exists /u
s1 set /x big:1000
s1 exists /x

=== stat-parent-after-multi
s1 connect
s1 create /p
s1 multi [create /p/a; create /p/b; delete /p/a; set /p x]
s1 ls2 /p
s1 multi [create /p/c; create /p/c/d; delete /p/c/d]
s1 ls2 /p
s1 ls2 /p/c

=== stat-pzxid-on-ephemeral-cleanup
s1 connect
s2 connect
s1 create /p
s2 create /p/e x flags=ephemeral
s2 create /p/f x flags=ephemeral
s1 ls2 /p
s2 close
s1 ls2 /p

=== stat-getacl-stat-and-children2-stat
s1 connect
s1 create /p x
s1 create /p/c
s1 set /p y
s1 getacl /p
s1 ls2 /p
s1 exists /p
s1 get /p
