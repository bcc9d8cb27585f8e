// The HTTP module: HTTP/1.1 on POSIX sockets with TLS through libssl (issue 6).
