# delete: versions, NotEmpty, precedence, protected paths.

=== delete-basic
s1 connect
s1 create /a
s1 delete /a
s1 delete /a
s1 exists /a
s1 ls2 /

=== delete-versions
s1 connect
s1 create /a
s1 set /a x
s1 delete /a 0
s1 delete /a 5
s1 delete /a -2
s1 delete /a 1
s1 exists /a

=== delete-not-empty
s1 connect
s1 create /a
s1 create /a/b
s1 delete /a
s1 delete /a 7
s1 delete /a/b
s1 delete /a 0
s1 ls2 /

=== delete-protected-paths fresh
s1 connect
s1 delete ^/
s1 delete ^/zookeeper
s1 delete ^/zookeeper/quota
s1 delete ^/zookeeper/config
s1 delete ^/zookeeper/config 0
s1 delete ^/zookeeper/missing
s1 delete ""
s1 delete a
s1 delete null
s1 ls2 ^/zookeeper

=== delete-noauth-before-nonode
s1 connect
s1 create /p x acl=read
s1 delete /p/missing
s1 delete /p/missing/deeper
s1 delete /missing/x
s1 create /q x acl=31:digest:@u:p
s1 delete /q/missing

=== delete-ephemeral-of-other-session
s1 connect
s2 connect
s1 create /e x flags=ephemeral
s2 delete /e
s1 ephemerals /
s1 close
s2 exists /e

=== delete-odd-paths
s1 connect
s1 create /a
s1 create /a/b
s1 delete /a/
s1 delete //a
s1 delete /a//b
s1 delete "/a\x00b"
s1 delete /a/.
s1 delete /a/b/..
s1 ls2 /a

=== delete-parent-cversion-pzxid
s1 connect
s1 create /p
s1 create /p/a
s1 create /p/b
s1 delete /p/a
s1 ls2 /p
s1 delete /p/b
s1 ls2 /p
s1 create /p/c
s1 ls2 /p
