=== smoke-create-get
s1 connect
s1 create /a hello
s1 get /a
s1 exists /a watch
s2 connect
s2 set /a bye
s1 events
s1 ls2 /
s1 close
