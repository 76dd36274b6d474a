# System nodes and the root of a fresh server (PROTOCOL.md §7, §13).

=== system-fresh-root fresh
s1 connect
s1 exists ^/
s1 get ^/
s1 ls2 ^/
s1 getacl ^/
s1 ls2 ^/zookeeper
s1 get ^/zookeeper
s1 getacl ^/zookeeper
s1 count ^/
s1 count ^/zookeeper
s1 count ""
s1 create /a
s1 ls2 ^/
s1 count ^/
s1 delete /a
s1 exists ^/
s1 create / x flags=seq
s1 create ^/ x flags=seq
s1 ls2 ^/

=== system-zookeeper-nodes
s1 connect
s1 get ^/zookeeper/config
s1 getacl ^/zookeeper/config
s1 get ^/zookeeper/quota
s1 getacl ^/zookeeper/quota
s1 ls2 ^/zookeeper/quota
s1 ls2 ^/zookeeper/config
s1 set ^/zookeeper/config x
s1 setacl ^/zookeeper/config open
s1 create ^/zookeeper/config/x
s1 get ^/zookeeper/config watch
s1 exists ^/zookeeper watch
s1 checkwatches ^/zookeeper/config data
s1 removewatches ^/zookeeper/config data
s1 removewatches ^/zookeeper data

=== system-write-under-zookeeper fresh
s1 connect
s1 create ^/zookeeper/foo x
s1 ls2 ^/zookeeper
s1 set ^/zookeeper/quota x
s1 get ^/zookeeper/quota
s1 create ^/zookeeper/quota/x
s1 delete ^/zookeeper/foo
s1 delete ^/zookeeper/quota/x
s1 auth digest super:diffsuper
s1 set ^/zookeeper/config cfg
s1 get ^/zookeeper/config
s1 setacl ^/zookeeper/config open
s1 getacl ^/zookeeper/config
s1 ls2 ^/zookeeper

=== system-quota-stats fresh
s1 connect
s1 create /q
s1 create /q/a abc
s1 create ^/zookeeper/quota/q
s1 create ^/zookeeper/quota/q/zookeeper_limits count=10,bytes=100
s1 create ^/zookeeper/quota/q/zookeeper_stats count=0,bytes=0
s1 get ^/zookeeper/quota/q/zookeeper_stats
s1 get ^/zookeeper/quota/q/zookeeper_limits
s1 create /q/b hello
s1 get ^/zookeeper/quota/q/zookeeper_stats
s1 set /q/a xyzxyz
s1 get ^/zookeeper/quota/q/zookeeper_stats
s1 delete /q/b
s1 get ^/zookeeper/quota/q/zookeeper_stats
s1 create /q/c big:2000
s1 get ^/zookeeper/quota/q/zookeeper_stats
s1 ls2 ^/zookeeper/quota/q
