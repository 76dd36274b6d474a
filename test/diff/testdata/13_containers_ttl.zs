# Container and TTL reaping (PROTOCOL.md §8), with a 200 ms check interval
# on both servers.

=== container-reaped-after-last-child variant=reap
s1 connect
s2 connect
s1 createcontainer /c
s1 create /c/x
s2 exists /c watch
s2 ls /c watch
s1 delete /c/x
s2 wait-event
s2 wait-event
s2 events
s2 exists /c

=== container-never-used-survives variant=reap
s1 connect
s1 createcontainer /c
sleep 1000
s1 exists /c
s1 ls2 /

=== container-with-children-survives variant=reap
s1 connect
s1 createcontainer /c
s1 create /c/a
s1 create /c/b
s1 delete /c/a
sleep 800
settle
s1 exists /c
s1 ls2 /c

=== container-ephemeral-child-session-close variant=reap
s1 connect
s2 connect
s1 createcontainer /c
s1 create /c/e x flags=ephemeral
s2 exists /c watch
s1 close
s2 wait-event
s2 exists /c

=== container-flag-with-create-opcode-not-reaped variant=reap
s1 connect
s1 create /c flags=container
s1 create /c/x
s1 delete /c/x
s1 create2 /d flags=container
s1 create /d/x
s1 delete /d/x
sleep 1000
settle
s1 exists /c
s1 exists /d

=== container-opcode-with-persistent-flag-reaped variant=reap
s1 connect
s2 connect
s1 createcontainer /c x flags=0
s1 create /c/x
s2 exists /c watch
s1 delete /c/x
s2 wait-event
s2 exists /c

=== container-in-multi-reaped variant=reap
s1 connect
s2 connect
s2 addwatch /c persistent
s1 multi [createcontainer /c; create /c/x; delete /c/x]
s2 wait-event
s2 wait-event
s2 wait-event
s2 wait-event
s2 exists /c

=== ttl-expired-reaped variant=reap
s1 connect
s2 connect
s1 createttl /t x ttl=1000
s2 exists /t watch
s2 wait-event
s2 exists /t

=== ttl-with-children-survives-until-empty variant=reap
s1 connect
s2 connect
s1 createttl /t x ttl=200
s1 create /t/c
sleep 1000
settle
s1 exists /t
s2 exists /t watch
s1 delete /t/c
s2 wait-event
s2 exists /t

=== ttl-sequential-reaped variant=reap
s1 connect
s2 connect
s1 create /p
s1 createttl /p/t- x ttl=1000 flags=ttlseq
s2 ls /p watch
s2 wait-event
s2 ls2 /p

=== ttl-long-survives variant=reap
s1 connect
s1 createttl /t x ttl=600000
sleep 800
settle
s1 exists /t
