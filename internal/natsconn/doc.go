// Package natsconn connects snbench processes to NATS: the credentials a
// server may want (token, user and password, or a creds file), how they
// travel to node processes, and the connection options. The embedded
// nats-server is natsserver's.
package natsconn
