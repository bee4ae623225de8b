"""A true SO_REUSEPORT listener (Node 20 ignores `reusePort`), standing in for a lingering
worker of a previous test instance. Usage: reuseport_listener.py <address> <port> [...port]
Prints "ready" once every socket listens, then sleeps until killed."""
import socket
import sys
import time

address = sys.argv[1]
family = socket.AF_INET6 if ":" in address else socket.AF_INET
sockets = []
for port in sys.argv[2:]:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((address, int(port)))
    s.listen(16)
    sockets.append(s)
print("ready", flush=True)
while True:
    time.sleep(3600)
