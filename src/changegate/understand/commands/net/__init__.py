"""Network clients: curl, wget, httpie/xh, aria2c, scp, sftp, ftp, telnet, nc/ncat/netcat and socat."""
