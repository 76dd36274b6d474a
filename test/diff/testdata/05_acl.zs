# ACLs and authentication (PROTOCOL.md §12).

=== acl-read-only-node
s1 connect
s1 create /r data acl=read
s1 get /r
s1 exists /r
s1 ls2 /r
s1 set /r x
s1 create /r/c
s1 getacl /r
s1 setacl /r open
s1 count /r
s1 delete /r

=== acl-digest-access
s1 connect
s1 auth digest u1:p1
s1 create /d x acl=31:digest:@u1:p1
s1 get /d
s2 connect
s2 get /d
s2 exists /d
s2 ls /d
s2 ls2 /d
s2 getacl /d
s2 set /d y
s2 setacl /d open
s2 create /d/c
s2 auth digest u1:wrong
s2 get /d
s2 auth digest u1:p1
s2 get /d
s2 whoami

=== acl-perms-matrix
s1 connect
s1 auth digest super:diffsuper
s1 create /pr x acl=r
s1 create /pw x acl=w
s1 create /pc x acl=c
s1 create /pd x acl=d
s1 create /pa x acl=a
s1 create /p0 x acl=0:world:anyone
s1 create /pr/k
s1 create /pw/k
s1 create /pc/k
s1 create /pd/k
s1 create /pa/k
s1 create /p0/k
s2 connect
s2 get /pr
s2 get /pw
s2 get /pc
s2 get /pd
s2 get /pa
s2 get /p0
s2 set /pr y
s2 set /pw y
s2 set /pa y
s2 create /pr/n
s2 create /pc/n
s2 create /pd/n
s2 delete /pr/k
s2 delete /pc/k
s2 delete /pd/k
s2 ls /pw
s2 ls /pr
s2 getacl /pr
s2 getacl /pa
s2 getacl /pw
s2 getacl /p0
s2 setacl /pr r
s2 setacl /pa a
s2 count /pw
s2 exists /pw
s2 exists /p0
s2 sync /p0

=== acl-creator-auth-scheme
s1 connect
s1 create /c x acl=creator
s1 auth digest u:p
s1 create /c x acl=creator
s1 getacl /c
s1 auth digest v:q
s1 create /c2 x acl=creator
s1 getacl /c2
s1 create /c3 x acl=1:auth:ignored
s1 getacl /c3
s1 create /c4 x acl=31:auth:,1:world:anyone
s1 getacl /c4
s1 setacl /c open
s1 getacl /c
s1 setacl /c creator
s1 getacl /c

=== acl-creator-with-ip-only
s1 connect
s1 auth ip 127.0.0.1
s1 create /c x acl=creator
s1 whoami

=== acl-invalid-lists
s1 connect
s1 create /a x acl=31:world:foo
s1 create /a x acl=31:world:
s1 create /a x acl=31:foo:bar
s1 create /a x acl=31:digest:nocolon
s1 create /a x acl=31:digest:a:b:c
s1 create /a x acl=31:digest:a:
s1 create /a x acl=31:digest::b
s1 create /a x acl=31:digest:a:b
s1 create /b x acl=31:ip:300.1.1.1
s1 create /b x acl=31:ip:10.0.0.0/33
s1 create /b x acl=31:ip:10.0.0.0/8
s1 create /c x acl=31:ip:::1
s1 create /d x acl=31:ip:fe80::/129
s1 create /e x acl=31:ip:nonsense
s1 create /f x acl=none
s1 create /f x acl=null
s1 create /g x acl=64:world:anyone
s1 create /h x acl=0:world:anyone
s1 create /i x acl=31:super:
s1 create /j x acl=31:sasl:someone
s1 create /k x acl=31:x509:CN=foo
s1 create /l x acl=31:ip:
s1 ls /
s1 getacl /a
s1 getacl /b
s1 getacl /c
s1 getacl /g
s1 getacl /h

=== acl-duplicates-removed
s1 connect
s1 create /d x acl=31:world:anyone,31:world:anyone
s1 getacl /d
s1 create /e x acl=1:world:anyone,31:world:anyone,1:world:anyone
s1 getacl /e
s1 setacl /d 31:world:anyone,31:world:anyone,1:ip:127.0.0.1,1:ip:127.0.0.1
s1 getacl /d
s1 auth digest u:p
s1 create /f x acl=creator,31:digest:@u:p
s1 getacl /f

=== acl-getacl-redaction
s1 connect
s1 auth digest u:p
s1 create /r x acl=1:world:anyone,31:digest:@u:p
s1 getacl /r
s2 connect
s2 getacl /r
s2 auth digest other:pw
s2 getacl /r
s3 connect
s3 auth digest super:diffsuper
s3 getacl /r
s1 create /a x acl=16:world:anyone,1:digest:@u:p
s2 getacl /a

=== acl-super-bypasses
s1 connect
s1 create /locked x acl=1:digest:@x:y
s1 create /locked/c
s1 get /locked
s1 auth digest super:diffsuper
s1 get /locked
s1 create /locked/c
s1 set /locked y
s1 setacl /locked open
s1 getacl /locked
s1 whoami
s2 connect
s2 auth digest super:wrong
s2 whoami
s2 create /locked/d

=== acl-ip-scheme
s1 connect
s1 create /ip1 x acl=31:ip:127.0.0.1
s1 create /ip2 x acl=31:ip:10.0.0.1
s1 create /ip3 x acl=31:ip:127.0.0.0/8
s1 create /ip4 x acl=31:ip:127.1.0.0/16
s1 create /ip5 x acl=31:ip:0.0.0.0/0
s1 get /ip1
s1 get /ip2
s1 get /ip3
s1 get /ip4
s1 get /ip5
s1 getacl /ip3

=== acl-setacl-versions
s1 connect
s1 create /a x
s1 setacl /a read 0
s1 setacl /a open 0
s1 setacl /a open 1
s1 setacl /a open -1
s1 setacl /a open 5
s1 exists /a
s1 setacl /missing open
s1 setacl /missing acl=none
s1 setacl /a none
s1 setacl /a null
s1 setacl /a 31:world:foo
s1 setacl /missing 31:world:foo
s1 exists /a

=== auth-unknown-scheme
s1 connect
s1 create /e x flags=ephemeral
s1 auth foo bar
s1 await-close
s2 connect session=s1
s2 exists /e

=== auth-failure-pipelined
s1 connect
s1 pipe [auth foo bar; get /; get /]
s1 await-close

=== auth-world-scheme
s1 connect
s1 auth world anyone
s1 await-close

=== auth-digest-odd-payloads
s1 connect
s1 auth digest nocolon
s1 whoami
s2 connect
s2 auth digest ""
s2 whoami
s3 connect
s3 auth digest :onlypass
s3 whoami
s4 connect
s4 auth digest user:
s4 whoami
s5 connect
s5 auth digest a:b:c
s5 whoami
s6 connect
s6 auth digest null
s6 whoami

=== auth-ip-scheme
s1 connect
s1 auth ip 10.1.2.3
s1 whoami
s1 auth ip 127.0.0.1
s1 whoami

=== auth-other-schemes
s1 connect
s1 auth sasl x
s1 await-close
s2 connect
s2 auth x509 x
s2 await-close
s3 connect
s3 auth super x
s3 await-close
s4 connect
s4 auth "" x
s4 await-close

=== auth-xid-and-type
s1 connect
s1 auth digest u:p xid=7
s1 auth digest v:q type=5
s1 whoami

=== auth-multiple-identities-and-acl
s1 connect
s1 auth digest a:1
s1 auth digest b:2
s1 auth digest a:1
s1 whoami
s1 create /x v acl=31:digest:@b:2
s1 get /x
s2 connect
s2 auth digest a:1
s2 get /x

=== acl-noauth-in-multi-and-multiread
s1 connect
s1 create /l x acl=1:digest:@x:y
s1 create /l2 x acl=r
s1 multi [check /l 0]
s1 multi [set /l2 y]
s1 multi [create /l2/c]
s1 multi [delete /l2]
s1 multiread [get /l; ls /l; get /l2]
